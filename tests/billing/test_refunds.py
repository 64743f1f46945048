"""Refunds of cancelled paid bookings by the service's cancellation policy: full, partial, none by the time of
the cancellation; the operator's override audited; issued to localstripe once however often it is delivered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django_tenants.utils import tenant_context

from allot.outbox import delivery
from allot.outbox.models import OutboxMessage
from billing.models import CancellationPolicy, Refund
from billing.refund_policy import Policy, refund_amount
from billing.services.refunds import cancellation_policy_set
from booking_core.acting import Actor
from booking_core.models import AuditEntry, Booking
from booking_core.services.bookings import booking_cancel
from tests.billing.conftest import run_outbox
from tests.billing.helpers import completed, held_booking, paid_session, status_of
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 6, 12, 10, 0, tzinfo=dt.UTC)
POLICY = Policy(full_refund_hours=48, partial_refund_hours=24, partial_percent=50)


@pytest.mark.parametrize(("hours_before", "expected"), [
    (72, 1500), (48, 1500), (47, 750), (24, 750), (23, 0), (0, 0),
])
def test_the_policy_gives_back_full_partial_or_nothing_by_the_time(hours_before, expected):
    assert refund_amount(POLICY, 1500, START, START - dt.timedelta(hours=hours_before)) == expected


def test_partial_amounts_round_down_to_what_stripe_can_refund():
    third = Policy(full_refund_hours=48, partial_refund_hours=0, partial_percent=33)
    assert refund_amount(third, 1001, START, START, "EUR") == 330  # 330.33 rounded down
    assert refund_amount(third, 100000, START, START, "HUF") == 33000  # whole forints
    assert refund_amount(None, 1001, START, START, "EUR") == 1001  # no policy: a full refund


def paid_booking(tenant, connected, stripe_api, post_webhook, *, email="payer@example.com", seats=1):
    """A confirmed booking of a 15.00 EUR session starting in five days, paid through localstripe."""
    session = paid_session(tenant, capacity=5, cancellation_cutoff_minutes=60)  # clients may cancel late
    with time_machine.travel(session.starts_at - dt.timedelta(days=2), tick=False):
        booking, payment = held_booking(tenant, session, email=email, seats=seats)
        post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id))
        run_outbox()
    payment.refresh_from_db()
    assert payment.status == "paid"
    with tenant_context(tenant):
        booking = Booking.objects.select_related("service").get(pk=booking.pk)
        cancellation_policy_set(tenant=tenant, service_id=booking.service_id, full_refund_hours=48,
                                partial_refund_hours=24, partial_percent=50)
    return booking, payment


@pytest.mark.parametrize(("hours_before", "expected", "said"), [(72, 1500, "€15"), (30, 750, "€7.50"),
                                                              (10, None, None)])
def test_a_client_cancelling_is_refunded_by_the_policy_on_stripe(tenant_alpha, connected, stripe_api, post_webhook,
                                                                 client_for, hours_before, expected, said):
    booking, payment = paid_booking(tenant_alpha, connected, stripe_api, post_webhook)
    mail.outbox = []
    site = client_for(tenant_alpha)
    with time_machine.travel(booking.starts_at - dt.timedelta(hours=hours_before), tick=False):
        # the cancel page says what will come back before the client confirms
        page = site.get(f"/b/{booking.manage_token}/cancel/?lang=en").content.decode()
        if expected:
            assert f'data-refund-amount="{expected}"' in page
        else:
            assert 'data-refund-amount="0"' in page
        with tenant_context(tenant_alpha):
            booking_cancel(tenant=tenant_alpha, booking=booking, actor=Actor.client(booking.client.email))
        run_outbox()
    assert status_of(tenant_alpha, booking) == "cancelled"
    refunds = list(Refund.objects.filter(payment=payment))
    issued = stripe_api.refunds_of(payment.payment_intent_id)
    if expected is None:
        assert refunds == [] and issued == []
        return
    [refund] = refunds
    assert (refund.reason, refund.amount, refund.status) == ("cancellation", expected, "succeeded")
    assert [(item["id"], item["amount"]) for item in issued] == [(refund.stripe_refund_id, expected)]
    [email] = [message for message in mail.outbox if "refund" in message.subject]
    assert email.to == ["payer@example.com"]
    assert f"is cancelled.\nWe are refunding {said} to your card" in email.body
    # and the refund has its credit note, correcting the payment's invoice by the refunded amount
    from billing.invoicing.models import Invoice

    credit_note = Invoice.objects.get(refund=refund)
    assert credit_note.kind == "credit_note" and credit_note.number.startswith("CRN-")
    assert credit_note.gross_total == expected


def test_an_operator_overrides_the_refund_and_the_audit_log_says_so(tenant_alpha, connected, stripe_api,
                                                                    post_webhook, member_client):
    booking, payment = paid_booking(tenant_alpha, connected, stripe_api, post_webhook)
    office = member_client(tenant_alpha, "alpha_owner")
    with time_machine.travel(booking.starts_at - dt.timedelta(hours=5), tick=False):  # the policy gives nothing
        too_much = office.post(f"/office/bookings/{booking.pk}/cancel/", {"reason": "Pool closed",
                                                                          "refund_amount": "1501"})
        assert too_much.status_code == 302 and status_of(tenant_alpha, booking) == "confirmed"
        office.post(f"/office/bookings/{booking.pk}/cancel/", {"reason": "Pool closed", "refund_amount": "1200"})
        run_outbox()
    assert status_of(tenant_alpha, booking) == "cancelled"
    [refund] = Refund.objects.filter(payment=payment)
    assert (refund.amount, refund.status) == (1200, "succeeded")
    assert [item["amount"] for item in stripe_api.refunds_of(payment.payment_intent_id)] == [1200]
    with tenant_context(tenant_alpha):
        [entry] = AuditEntry.objects.filter(action="booking.refund_overridden", object_id=booking.pk)
        assert (entry.actor_kind, entry.before["refund_by_policy"], entry.after["refund"]) == ("operator", 0, 1200)
    page = office.get(f"/office/bookings/{booking.pk}/").content.decode()
    assert 'data-refund-status="succeeded"' in page


def test_a_refund_is_issued_once_even_if_its_outbox_row_is_delivered_twice(tenant_alpha, connected, stripe_api,
                                                                            post_webhook):
    booking, payment = paid_booking(tenant_alpha, connected, stripe_api, post_webhook)
    with tenant_context(tenant_alpha):
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=Actor.client(booking.client.email),
                       now=booking.starts_at - dt.timedelta(days=3))
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=Actor.client(booking.client.email),
                       now=booking.starts_at - dt.timedelta(days=3))  # a second click
    [refund] = Refund.objects.filter(payment=payment)
    [row] = OutboxMessage.objects.filter(event_type="billing.refund_issue", payload__refund_id=refund.pk)
    with tenant_context(tenant_alpha):
        delivery.deliver(row.pk)
        OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxMessage.Status.PENDING)  # delivered again
        delivery.deliver(row.pk)
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert [item["amount"] for item in stripe_api.refunds_of(payment.payment_intent_id)] == [1500]


def test_a_session_called_off_by_the_organisation_is_refunded_in_full_whatever_the_policy(
        tenant_alpha, connected, stripe_api, post_webhook):
    from booking_core.models import Session
    from booking_core.services.sessions import session_cancel

    booking, payment = paid_booking(tenant_alpha, connected, stripe_api, post_webhook)
    with time_machine.travel(booking.starts_at - dt.timedelta(hours=5), tick=False):  # the policy gives nothing
        with tenant_context(tenant_alpha):
            session_cancel(tenant=tenant_alpha, session=Session.objects.get(pk=booking.session_id),
                           actor=OPERATOR, reason="Pool closed")
        run_outbox()
    [refund] = Refund.objects.filter(payment=payment)
    assert (refund.amount, refund.status) == (1500, "succeeded")
    assert [item["amount"] for item in stripe_api.refunds_of(payment.payment_intent_id)] == [1500]


def test_cancelling_an_unpaid_booking_makes_no_refund(tenant_alpha, connected, stripe_api):
    session = paid_session(tenant_alpha, capacity=3)
    booking, payment = held_booking(tenant_alpha, session)  # awaiting payment, never paid
    with tenant_context(tenant_alpha):
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=Actor.client(booking.client.email),
                       now=session.starts_at - dt.timedelta(days=2))
    assert status_of(tenant_alpha, booking) == "cancelled"
    assert not Refund.objects.exists()
    assert not OutboxMessage.objects.filter(event_type="billing.refund_issue").exists()


def test_managers_set_a_services_policy_and_other_tenants_ids_are_not_found(tenant_alpha, tenant_beta,
                                                                             member_client):
    from tests.factories import make_service

    with tenant_context(tenant_alpha):
        service = make_service(price_amount=1500)
    with tenant_context(tenant_beta):
        beta_service = make_service(price_amount=900)
    office = member_client(tenant_alpha, "alpha_owner")
    saved = office.post(f"/office/refund-policies/{service.pk}/", {"full_refund_hours": "48",
                                                                  "partial_refund_hours": "12",
                                                                  "partial_percent": "25"})
    assert saved.status_code == 302
    policy = CancellationPolicy.objects.get(tenant=tenant_alpha, service_id=service.pk)
    assert (policy.full_refund_hours, policy.partial_refund_hours, policy.partial_percent) == (48, 12, 25)
    assert "25%" in office.get("/office/refund-policies/").content.decode()
    if beta_service.pk != service.pk:
        other = office.post(f"/office/refund-policies/{beta_service.pk}/", {"full_refund_hours": "1",
                                                                            "partial_refund_hours": "0",
                                                                            "partial_percent": "0"})
        assert other.status_code == 404
    missing = office.post("/office/refund-policies/999999/", {"full_refund_hours": "1",
                                                             "partial_refund_hours": "0", "partial_percent": "0"})
    assert missing.status_code == 404
    assert not CancellationPolicy.objects.filter(tenant=tenant_beta).exists()


def test_a_refund_reaches_the_organisations_webhook_endpoints_as_payment_refunded(tenant_alpha, connected,
                                                                                 stripe_api, post_webhook):
    from booking_core.webhooks.services import webhook_endpoint_create

    # given: an endpoint that wants refunds, and a paid booking
    with tenant_context(tenant_alpha):
        webhook_endpoint_create(actor=OPERATOR, url="http://127.0.0.1:9/hooks", event_types=["payment.refunded"])
    booking, payment = paid_booking(tenant_alpha, connected, stripe_api, post_webhook)
    # when: the client cancels in time for a full refund
    with tenant_context(tenant_alpha):
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=Actor.client(booking.client.email),
                       now=booking.starts_at - dt.timedelta(days=3))
    # then: one payment.refunded event is waiting for the endpoint, with the refund's amount
    [row] = OutboxMessage.objects.filter(queue="webhook")
    event = row.payload["event"]
    refund = Refund.objects.get(payment=payment)
    assert (event["type"], event["data"]["id"], event["data"]["amount"], event["data"]["booking"]) == (
        "payment.refunded", refund.pk, refund.amount, booking.pk)
