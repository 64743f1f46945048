"""Stripe's events handled by a real worker process through the outbox (dramatiq, Redis, committed rows)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django_tenants.utils import tenant_context

from billing.models import BookingPayment, Refund
from billing.services.payments import payment_holds_expire as booking_payment_holds_expire
from booking_core.models import Booking
from tests.billing.conftest import WEBHOOK_SECRET
from tests.billing.helpers import held_booking, paid_session
from tests.support.stripe_servers import stripe_event
from tests.waitlist.helpers import fill

pytestmark = pytest.mark.slow


def wait_until(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_confirms_one_payment_and_refunds_a_late_one_exactly_once(committed_db, worker_process,
                                                                            tenant_alpha, connected, stripe_api,
                                                                            post_webhook):
    # given: a worker that talks to the same Stripe servers
    worker_process(threads=2, STRIPE_SECRET_KEY="sk_test_allot", STRIPE_API_BASE=stripe_api.base,
                   STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, EMAIL_URL="dummy://")
    # and: one held booking in time, one whose hold ran out and whose seat someone else took
    on_time_session, late_session = paid_session(tenant_alpha, capacity=2), paid_session(tenant_alpha, capacity=1)
    now = late_session.starts_at - dt.timedelta(days=2)
    on_time, on_time_payment = held_booking(tenant_alpha, on_time_session)
    late, late_payment = held_booking(tenant_alpha, late_session, now=now)
    with tenant_context(tenant_alpha):
        booking_payment_holds_expire(tenant=tenant_alpha, now=now + dt.timedelta(minutes=16))
        fill(tenant_alpha, late_session, [1])
    # when: both are paid and Stripe delivers each event twice
    events = [stripe_event("checkout.session.completed", stripe_api.pay(payment.checkout_session_id),
                           account=connected.stripe_account_id) for payment in (on_time_payment, late_payment)]
    for event in events + events:
        assert post_webhook(event).status_code == 200
    # then: the worker confirms the first and refunds the second, once
    assert wait_until(lambda: Refund.objects.filter(status="succeeded").exists()
                      and BookingPayment.objects.get(pk=on_time_payment.pk).status == "paid"), \
        "the worker did not handle the events in time"
    with tenant_context(tenant_alpha):
        assert Booking.objects.get(pk=on_time.pk).status == "confirmed"
        assert Booking.objects.get(pk=late.pk).status == "cancelled"
    late_payment.refresh_from_db()
    assert (late_payment.outcome, Refund.objects.filter(payment=late_payment).count()) == ("refunded", 1)
    time.sleep(1)  # a second delivery would have had time to issue a second refund
    assert len(stripe_api.refunds_of(late_payment.payment_intent_id)) == 1
