"""The shared worker pool runs every message in the schema it was sent from, and refuses the rest."""

import uuid

import pytest

from allot.redis import get_redis
from allot.workers.broker import install_broker
from allot.workers.diagnostics import report_schema, wait_for_replies

pytestmark = pytest.mark.slow


def _dead_letters(broker) -> int:
    return get_redis().zcard(f"{broker.namespace}:{report_schema.queue_name}.XQ")


def test_two_tenants_messages_each_run_in_their_own_schema(worker_process, tenant_alpha, tenant_beta, in_tenant):
    # given: a real worker process on the real Redis
    worker_process(threads=2)
    reply_to = uuid.uuid4().hex
    # when: each tenant sends messages, interleaved
    for _ in range(3):
        for tenant in (tenant_alpha, tenant_beta):
            with in_tenant(tenant):
                report_schema.send(reply_to)
    # then
    replies = wait_for_replies(reply_to, count=6, timeout=30)
    schemas = sorted((reply["schema"], reply["database_schema"]) for reply in replies)
    assert schemas == [("t_alpha", "t_alpha")] * 3 + [("t_beta", "t_beta")] * 3


def test_messages_are_stamped_with_the_senders_schema(tenant_alpha, in_tenant, committed_db):
    broker = install_broker()
    with in_tenant(tenant_alpha):
        message = report_schema.send("stamp-check")
    assert message.options["tenant_schema"] == "t_alpha"
    broker.flush_all()


@pytest.mark.parametrize("schema", [None, "", "t_nobody"])
def test_a_message_without_a_known_tenant_fails_closed(worker_process, tenant_alpha, in_tenant, schema):
    # given
    broker = install_broker()
    worker_process(threads=1)
    refused_reply, control_reply = uuid.uuid4().hex, uuid.uuid4().hex
    message = report_schema.message(refused_reply)
    message = message.copy(options={**message.options, "tenant_schema": schema})
    # when: a producer sends a message whose schema is missing or unknown, then a good one follows
    broker.enqueue(message)
    with in_tenant(tenant_alpha):
        report_schema.send(control_reply)
    # then: the good one ran, the bad one never ran its actor and is dead-lettered
    assert len(wait_for_replies(control_reply, count=1, timeout=30)) == 1
    assert wait_for_replies(refused_reply, count=1, timeout=1) == []
    assert _dead_letters(broker) == 1
