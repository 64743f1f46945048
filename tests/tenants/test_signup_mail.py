"""The sign-up's verification email, end to end: committed with the sign-up, nudged after commit, delivered by a
real worker process (in the public schema: it belongs to no organisation) to a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import re
import time

import pytest
from django.conf import settings
from django.test import Client

from allot.outbox.models import OutboxMessage
from tests.support.sign_in import forget_sign_in_limits
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.slow


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


def test_the_worker_pool_mails_the_owners_verification_link_after_the_sign_up_commits(committed_db, worker_process,
                                                                                     sink):
    # given: a worker sending to a real SMTP server
    forget_sign_in_limits()
    worker_process(threads=2, EMAIL_URL=sink.url)
    # when: an organisation signs up (in German)
    response = Client(HTTP_HOST=settings.ALLOT_ROOT_DOMAIN).post("/signup/?lang=de", {
        "organisation_name": "Epsilon Schwimmschule", "slug": "epsilon", "owner_name": "Lena Huber",
        "email": "lena@epsilon.example", "password": "blaues-pferd-laeuft-2026", "timezone": "Europe/Vienna",
        "default_language": "de", "country": "AT", "currency": "EUR",
    })
    assert response.status_code == 302
    # then: the verification email arrives once, with the outbox row's Message-ID and a confirmation link
    assert sink.wait_for(1, timeout=30), "no mail arrived"
    row = OutboxMessage.objects.get(event_type="account.email_confirmation")
    [received] = sink.messages
    assert (received.message_id, received.recipients) == (row.message_id, ("lena@epsilon.example",))
    body = email.message_from_bytes(received.raw, policy=email.policy.default).get_body(("plain",)).get_content()
    assert re.search(r"/accounts/confirm-email/[^/\s]+/", body)
    assert "Epsilon Schwimmschule" in body
    deadline = time.monotonic() + 10
    while OutboxMessage.objects.get(pk=row.pk).status != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert OutboxMessage.objects.get(pk=row.pk).status == "sent"
    forget_sign_in_limits()
