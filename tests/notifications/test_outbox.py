"""The outbox: rows commit with the booking, go out once, retry with backoff, and die visibly."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage, message_id_for
from allot.outbox.relay import PER_TENANT_INFLIGHT, claim
from allot.outbox.services import outbox_retry, outbox_write
from allot.outbox.tasks import relay_pass
from booking_core.acting import Actor
from booking_core.errors import CapacityError
from booking_core.services.bookings import booking_cancel, booking_create_group
from tests.factories import OPERATOR, client_details, make_session

pytestmark = pytest.mark.django_db


def test_a_booking_writes_its_confirmation_in_the_same_transaction(booked, alpha):
    row = OutboxMessage.objects.get(subject_ref=f"booking:{booked.pk}")
    assert (row.tenant_schema, row.event_type, row.recipient, row.language, row.status, row.queue) == (
        "t_alpha", "booking.confirmed", "dora@example.hu", "hu", "pending", "transactional")
    assert row.idempotency_key == f"booking:{booked.pk}:confirmed"
    assert row.payload == {"booking_id": booked.pk}


def test_two_tenants_bookings_with_the_same_id_both_get_their_messages(booked, alpha, tenant_beta, in_tenant):
    # given: beta's booking gets the same primary key as alpha's (ids are per schema)
    with in_tenant(tenant_beta):
        session = make_session(capacity=5)
        from booking_core.models import Booking

        Booking.objects.all().delete()
        from django.db import connection as db

        with db.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('booking_core_booking', 'id'), %s, false)",
                           [booked.pk])
        other = booking_create_group(tenant=tenant_beta, session=session, seats=1, client=client_details(),
                                     actor=OPERATOR)
    assert other.pk == booked.pk
    # then: each tenant has its own confirmation, with its own Message-ID
    rows = OutboxMessage.objects.filter(idempotency_key=f"booking:{booked.pk}:confirmed")
    assert sorted(rows.values_list("tenant_schema", flat=True)) == ["t_alpha", "t_beta"]
    assert len({row.message_id for row in rows}) == 2


def test_a_refused_booking_leaves_no_message(alpha):
    session = make_session(capacity=1)
    booking_create_group(tenant=alpha, session=session, seats=1, client=client_details(), actor=OPERATOR)
    before = OutboxMessage.objects.count()
    with pytest.raises(CapacityError):
        booking_create_group(tenant=alpha, session=session, seats=1, client=client_details(), actor=OPERATOR)
    assert OutboxMessage.objects.count() == before


def test_a_booking_rolled_back_after_writing_its_message_leaves_no_message(alpha):
    before = OutboxMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        booking_create_group(tenant=alpha, session=make_session(), seats=1, client=client_details(),
                             actor=OPERATOR)
        assert OutboxMessage.objects.count() == before + 1
        raise RuntimeError("the process dies before commit")
    assert OutboxMessage.objects.count() == before


def test_writing_outside_a_transaction_is_a_programming_error(alpha, django_db_blocker):
    from django.db import connection

    connection.in_atomic_block, was = False, connection.in_atomic_block
    try:
        with pytest.raises(RuntimeError):
            outbox_write(event_type="x", recipient="a@example.com", language="en", payload={}, idempotency_key="k")
    finally:
        connection.in_atomic_block = was


def test_delivery_sends_once_with_a_stable_message_id(booked, alpha, outbox_mail):
    row = OutboxMessage.objects.get(event_type="booking.confirmed", subject_ref=f"booking:{booked.pk}")
    assert delivery.deliver(row.pk) == "sent"
    assert delivery.deliver(row.pk) == "already sent"
    assert len(outbox_mail) == 1
    email = outbox_mail[0]
    assert email.extra_headers["Message-ID"] == message_id_for("t_alpha", f"booking:{booked.pk}:confirmed")
    assert email.to == ["dora@example.hu"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1) and row.sent_at is not None


class BrokenMail:
    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp.example.com refused the connection")


def test_failed_sends_back_off_exponentially_then_die_and_can_be_retried(booked, alpha, monkeypatch, outbox_mail):
    # given: the mail server refuses every connection
    monkeypatch.setattr(delivery, "get_connection", lambda **kwargs: BrokenMail())
    delivery.close_mail_connection()
    row = OutboxMessage.objects.get(event_type="booking.confirmed", subject_ref=f"booking:{booked.pk}")
    delays = []
    # when: each retry comes due
    for _attempt in range(row.max_attempts):
        before = timezone.now()
        OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=before)
        outcome = delivery.deliver(row.pk)
        row.refresh_from_db()
        if outcome == "failed":
            delays.append(round((row.next_attempt_at - before).total_seconds() / 30))
    # then: 30 s, 1, 2, 4, 8 minutes, then dead with the error kept
    assert delays == [1, 2, 4, 8, 16]
    assert (row.status, row.attempts) == ("dead", 6)
    assert "refused the connection" in row.last_error
    # and an operator's retry starts over
    monkeypatch.undo()
    delivery.close_mail_connection()
    outbox_retry(message=row)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    assert delivery.deliver(row.pk) == "sent"


def test_only_failed_or_dead_messages_can_be_retried(booked, alpha):
    row = OutboxMessage.objects.get(event_type="booking.confirmed", subject_ref=f"booking:{booked.pk}")
    from allot.errors import ApplicationError

    with pytest.raises(ApplicationError):
        outbox_retry(message=row)


def test_a_scheduled_message_is_not_delivered_before_its_time(alpha, booked, outbox_mail):
    with transaction.atomic():
        outbox_write(event_type="booking.confirmed", recipient="x@example.com", language="en",
                     payload={"booking_id": booked.pk}, idempotency_key="later",
                     send_at=timezone.now() + dt.timedelta(hours=1))
    row = OutboxMessage.objects.get(idempotency_key="later")
    assert delivery.deliver(row.pk) == "not due"
    assert claim("t_alpha", timezone.now()) and not OutboxMessage.objects.filter(
        idempotency_key="later", status="inflight").exists()


def test_cancelling_cancels_the_pending_reminders_but_announces_the_cancellation(alpha, booked):
    with transaction.atomic():
        outbox_write(event_type="booking.reminder", recipient=booked.client.email, language="hu",
                     payload={"booking_id": booked.pk, "starts_at": booked.starts_at.isoformat()},
                     idempotency_key="reminder-1", subject_ref=f"booking:{booked.pk}",
                     send_at=timezone.now() + dt.timedelta(days=2))
    booking_cancel(tenant=alpha, booking=booked, actor=Actor.client(booked.client.email))
    statuses = dict(OutboxMessage.objects.filter(subject_ref=f"booking:{booked.pk}").values_list("event_type",
                                                                                                "status"))
    assert statuses == {"booking.confirmed": "pending", "booking.reminder": "cancelled",
                        "booking.cancelled": "pending"}


def test_one_tenants_backlog_does_not_hold_back_another_tenants_message(alpha, tenant_beta):
    # given: alpha has 10x its in-flight allowance waiting, beta has one confirmation
    now = timezone.now()
    rows = [OutboxMessage(tenant_schema="t_alpha", event_type="booking.confirmed", recipient=f"a{i}@example.com",
                          idempotency_key=f"burst-{i}", next_attempt_at=now) for i in range(10 * PER_TENANT_INFLIGHT)]
    OutboxMessage.objects.bulk_create(rows)
    OutboxMessage.objects.create(tenant_schema="t_beta", event_type="booking.confirmed", recipient="b@example.com",
                                 idempotency_key="small", next_attempt_at=now)
    # when: the relay hands out work
    alpha_claimed = claim("t_alpha", now)
    beta_claimed = claim("t_beta", now)
    again = claim("t_alpha", now)
    # then: alpha gets only its allowance, beta gets its message at once
    assert len(alpha_claimed) == PER_TENANT_INFLIGHT and again == []
    assert len(beta_claimed) == 1
    assert OutboxMessage.objects.get(idempotency_key="small").status == "inflight"


def test_expired_leases_are_handed_out_again(alpha, booked):
    row = OutboxMessage.objects.get(event_type="booking.confirmed", subject_ref=f"booking:{booked.pk}")
    OutboxMessage.objects.filter(pk=row.pk).update(status="inflight",
                                                   lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert [row_id for row_id, _queue in claim("t_alpha", timezone.now())] == [row.pk]


def test_relay_pass_counts_what_it_handed_out(alpha, booked):
    assert relay_pass() >= 1
    assert OutboxMessage.objects.get(subject_ref=f"booking:{booked.pk}").status == "inflight"


def test_commits_ask_the_worker_pool_to_dispatch_once_per_queued_request(alpha, monkeypatch,
                                                                         django_capture_on_commit_callbacks):
    # given: dispatch requests are recorded instead of queued
    from allot.outbox import relay, tasks

    requested = []
    monkeypatch.setattr(tasks.dispatch_requested, "send_with_options",
                        lambda **options: requested.append(options["tenant_schema"]))
    relay.get_redis().delete(relay._nudge_key("t_alpha"))
    session = make_session(capacity=5)
    # when: two bookings commit while the first request is still queued
    with django_capture_on_commit_callbacks(execute=True):
        first = booking_create_group(tenant=alpha, session=session, seats=1, client=client_details(), actor=OPERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        booking_create_group(tenant=alpha, session=session, seats=1, client=client_details(), actor=OPERATOR)
    # then: one request; the web request itself claimed nothing
    assert requested == ["t_alpha"]
    assert OutboxMessage.objects.get(subject_ref=f"booking:{first.pk}").status == "pending"
    # when: the worker runs the request, and another booking commits afterwards
    assert tasks.dispatch_requested_run("t_alpha") == 2
    with django_capture_on_commit_callbacks(execute=True):
        booking_create_group(tenant=alpha, session=session, seats=1, client=client_details(), actor=OPERATOR)
    # then: that booking asks again
    assert requested == ["t_alpha", "t_alpha"]
    relay.get_redis().delete(relay._nudge_key("t_alpha"))


def test_a_commit_while_redis_is_down_still_succeeds(alpha, monkeypatch, django_capture_on_commit_callbacks):
    from allot.outbox import relay

    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(relay, "get_redis", lambda: type("Down", (), {"set": unreachable})())
    with django_capture_on_commit_callbacks(execute=True):
        booking = booking_create_group(tenant=alpha, session=make_session(capacity=5), seats=1,
                                       client=client_details(), actor=OPERATOR)
    assert OutboxMessage.objects.get(subject_ref=f"booking:{booking.pk}").status == "pending"


def test_a_tenants_confirmations_are_handed_out_before_its_reminders(alpha, monkeypatch):
    # given: reminders became due before a confirmation, and room for two messages
    monkeypatch.setattr("allot.outbox.relay.PER_TENANT_INFLIGHT", 2)
    now = timezone.now()
    for index in range(3):
        OutboxMessage.objects.create(tenant_schema="t_alpha", event_type="booking.reminder", queue="bulk",
                                     recipient=f"r{index}@example.com", idempotency_key=f"reminder-{index}",
                                     next_attempt_at=now - dt.timedelta(minutes=5))
    OutboxMessage.objects.create(tenant_schema="t_alpha", event_type="booking.confirmed", queue="transactional",
                                 recipient="c@example.com", idempotency_key="confirmation", next_attempt_at=now)
    # when
    claimed = claim("t_alpha", now)
    # then: the confirmation goes first, then the oldest reminder
    assert [queue for _row_id, queue in claimed] == ["transactional", "bulk"]


def test_a_message_is_never_delivered_from_another_tenants_schema(booked, alpha, tenant_beta, in_tenant,
                                                                    outbox_mail):
    row = OutboxMessage.objects.get(event_type="booking.confirmed", subject_ref=f"booking:{booked.pk}")
    with in_tenant(tenant_beta):
        assert delivery.deliver(row.pk) == "wrong tenant"
    assert outbox_mail == []
    assert OutboxMessage.objects.get(pk=row.pk).status == "pending"
