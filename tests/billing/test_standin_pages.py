"""The stand-in's own pages (allot.stripe_standin), what a person sees instead of Stripe's under `make up`:
onboarding finishes the account and returns; a Checkout Session that is no longer open cannot be paid again."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from billing.models import ConnectedAccount
from tests.billing.helpers import held_booking, paid_session

pytestmark = pytest.mark.django_db


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _open(url: str, *, post: bool = False) -> tuple[int, str, str]:
    """(status, Location, body) of one request, redirects not followed."""
    request = urllib.request.Request(url, data=b"" if post else None, method="POST" if post else "GET")
    try:
        with urllib.request.build_opener(_NoRedirects).open(request, timeout=10) as response:
            return response.status, response.headers.get("Location", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", ""), error.read().decode()


def test_the_onboarding_page_finishes_the_account_and_returns_to_the_back_office(member_client, tenant_alpha,
                                                                                  stripe_api):
    # given: the owner started connecting and was sent to the account link
    owner = member_client(tenant_alpha, "alpha_owner")
    link = owner.post("/office/payments/connect/")["Location"]
    status, _location, page = _open(link)
    assert status == 200 and "Finish onboarding" in page
    # when: they finish it
    status, location, _body = _open(link, post=True)
    # then: back to the back office's return address, where Stripe's state is read: the account takes charges
    assert (status, location) == (303, "http://alpha.localhost/office/payments/return/")
    owner.get("/office/payments/return/")
    account = ConnectedAccount.objects.get(tenant=tenant_alpha)
    assert (account.charges_enabled, account.details_submitted) == (True, True)


def test_a_paid_checkout_page_cannot_be_paid_twice(tenant_alpha, connected, stripe_api):
    # given: a booking's Checkout, paid once through its page (no webhook address: nothing is sent)
    _booking, payment = held_booking(tenant_alpha, paid_session(tenant_alpha, capacity=3))
    assert "Pay</button>" in _open(payment.checkout_url)[2]
    first = _open(payment.checkout_url, post=True)
    # when: the page is opened and posted again
    status, _location, page = _open(payment.checkout_url)
    second = _open(payment.checkout_url, post=True)
    # then: it says it is complete, and the second post pays nothing
    assert first[:2] == (303, stripe_api.sessions[payment.checkout_session_id]["success_url"])
    assert status == 200 and "This Checkout Session is complete." in page and "Pay</button>" not in page
    assert second[0] == 200 and "This Checkout Session is complete." in second[2]
