"""Paying for a booking: the hand-over to Stripe Checkout and the page the client comes back to.

The return page tells what our own rows say (billing's webhook handling writes them), never what the redirect
from Stripe claims: a client who closes the tab, or comes back before Stripe's event, sees the honest state.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from allot.errors import ApplicationError
from billing.selectors.payments import PaymentState, booking_payment_for, booking_payment_state
from billing.services.payments import booking_payment_start
from booking_core.selectors.bookings import booking_get_by_token
from public_site.languages import site_url
from public_site.pages import public_page, secret_link_page

ONLINE_PAYMENT_UNAVAILABLE = _("This service cannot be booked online at the moment: the organisation does not take "
                               "online payments yet. Please contact them to book.")


def payment_redirect(request, booking, *, failure_page=None):
    """Open (or reopen) the booking's Checkout Session and send the client there.

    If it cannot be opened the hold is gone: the payment page says so, or `failure_page(error)` (an accepted
    waitlist offer's page: the offer holds the place again)."""
    return_url = request.build_absolute_uri(site_url("booking-payment", booking.manage_token))
    try:
        payment = booking_payment_start(tenant=request.tenant, booking=booking, success_url=return_url,
                                        cancel_url=return_url)
    except ApplicationError as error:
        if failure_page is not None:
            return failure_page(error)
        return render(request, "public_site/booking_payment.html", {
            "booking": booking, "state": PaymentState.FAILED, "error": error.message,
            "service_name": booking.service.translated("name"),
        }, status=503)
    return redirect(payment.checkout_url)


@secret_link_page
@public_page
def booking_payment(request, token: str):
    """Where Stripe Checkout sends the client back (paid or not): the state from our rows."""
    booking = booking_get_by_token(token=token)
    state = booking_payment_state(tenant=request.tenant, booking=booking)
    if state == PaymentState.NONE:
        return redirect(site_url("booking-done", booking.manage_token))
    payment = booking_payment_for(tenant=request.tenant, booking_id=booking.pk)
    can_pay = state == PaymentState.AWAITING and booking.status == booking.Status.PENDING_PAYMENT
    if request.method == "POST" and can_pay:
        return payment_redirect(request, booking)
    return render(request, "public_site/booking_payment.html", {
        "booking": booking, "state": state, "payment": payment, "can_pay": can_pay,
        "service_name": booking.service.translated("name"),
        # Still waiting for Stripe's word: the page looks again by itself.
        "refresh_seconds": 5 if state in (PaymentState.PROCESSING, PaymentState.AWAITING) else None,
    })
