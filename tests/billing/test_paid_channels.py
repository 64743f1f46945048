"""The other ways into a paid booking: the public API follows the booking site's paid path (held pending payment,
the Checkout link and the hold's deadline in the answer), and an operator booking a priced service for a client
chooses how it is paid (a payment link emailed through the outbox, paid on site and invoiced, or free of charge
and audited). And a VAT rate per service, on the invoices' lines. Against localstripe and the stand-in; webhooks
signed with Stripe's scheme; the clock stands still."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from allot.outbox.models import OutboxMessage
from billing.invoicing.models import Invoice
from billing.invoicing.services import seller_profile_save
from billing.models import BookingPayment, Refund
from booking_core.acting import Actor
from booking_core.models import AuditEntry, Booking, Service, Session
from booking_core.services.bookings import booking_cancel
from tests.backoffice.test_catalogue import form_data
from tests.billing.conftest import run_outbox
from tests.billing.helpers import completed, status_of
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(member_client, tenant_alpha):
    return member_client(tenant_alpha, "alpha_owner")


@pytest.fixture
def two_days_before(site):
    """The clock, standing still two days before the open swimming session (an hour's precision is enough)."""
    moment = site.open_session.starts_at.replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=2)
    with time_machine.travel(moment, tick=False):
        yield moment


def post_json(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def api_group_booking(site, **overrides) -> dict:
    return {"service": site.swim.pk, "session": site.open_session.pk, "seats": 2,
            "client": {"name": "Jonas Weber", "email": "jonas@example.de"}, "answers": {"child_name": "Mia"},
            "language": "de", **overrides}


def seats_booked(tenant, in_tenant, session) -> int:
    with in_tenant(tenant):
        return Session.objects.get(pk=session.pk).seats_booked


# --- the public API ---------------------------------------------------------------------------------------------


def test_the_api_holds_a_paid_booking_answers_with_the_checkout_link_and_the_webhook_confirms_it(
        client_for, tenant_alpha, in_tenant, site, connected, stripe_api, post_webhook, two_days_before):
    # when: two seats of the paid swimming session are booked through the API
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", api_group_booking(site))
    # then: held pending payment, with the Checkout link on the organisation's account and the hold's deadline
    assert response.status_code == 201, response.content
    body = response.json()
    payment = BookingPayment.objects.get(tenant=tenant_alpha, booking_id=body["id"])
    assert body["status"] == "pending_payment"
    with in_tenant(tenant_alpha):
        token = Booking.objects.get(pk=body["id"]).manage_token
    assert body["payment"] == {
        "checkout_url": payment.checkout_url, "return_url": f"http://{host_of(tenant_alpha)}/b/{token}/payment/",
        "amount": 3000, "currency": "EUR", "due_at": body["payment"]["due_at"]}
    assert dt.datetime.fromisoformat(body["payment"]["due_at"]) == two_days_before + dt.timedelta(minutes=15)
    assert payment.checkout_url.startswith("http")
    checkout = stripe_api.sessions[payment.checkout_session_id]
    assert checkout["_stripe_account"] == connected.stripe_account_id
    assert (checkout["amount_total"], checkout["currency"]) == (3000, "eur")
    assert seats_booked(tenant_alpha, in_tenant, site.open_session) == 2
    # and: a resubmission with the same key gets the same booking and the same Checkout Session
    again = post_json(client_for(tenant_alpha), "/api/v1/bookings/",
                      api_group_booking(site, idempotency_key="api-key-1"))
    repeat = post_json(client_for(tenant_alpha), "/api/v1/bookings/",
                       api_group_booking(site, idempotency_key="api-key-1"))
    assert again.json()["id"] == repeat.json()["id"]
    assert again.json()["payment"]["checkout_url"] == repeat.json()["payment"]["checkout_url"]
    assert BookingPayment.objects.filter(tenant=tenant_alpha).count() == 2

    # when: Stripe says the first one is paid (signed with Stripe's scheme)
    assert post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id)).status_code == 200
    run_outbox()
    # then: confirmed, and the manage link's answer no longer offers a Checkout link
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(pk=body["id"])
    assert booking.status == "confirmed"
    managed = client_for(tenant_alpha).get(f"/api/v1/bookings/manage/{booking.manage_token}/").json()
    assert (managed["status"], managed["payment"]) == ("confirmed", None)


def test_the_api_refuses_a_paid_service_of_an_organisation_without_payments_and_books_nothing(
        client_for, tenant_alpha, in_tenant, site, stripe_api, two_days_before):
    # given: the platform takes payments, alpha has no connected account
    before = seats_booked(tenant_alpha, in_tenant, site.open_session)
    # when
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", api_group_booking(site))
    # then: a 400 naming the reason, and nothing booked
    assert response.status_code == 400
    assert response.json()["code"] == "payment_unavailable"
    assert seats_booked(tenant_alpha, in_tenant, site.open_session) == before
    assert not BookingPayment.objects.filter(tenant=tenant_alpha).exists()


def test_stripe_refusing_the_checkout_is_a_503_and_the_api_booking_keeps_no_seats(
        client_for, tenant_alpha, in_tenant, site, connected, stripe_api, two_days_before):
    before = seats_booked(tenant_alpha, in_tenant, site.open_session)
    stripe_api.fail_next_checkout = True
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", api_group_booking(site))
    assert response.status_code == 503
    assert response.json()["code"] == "payment_unavailable"
    assert seats_booked(tenant_alpha, in_tenant, site.open_session) == before
    with in_tenant(tenant_alpha):
        [booking] = Booking.objects.filter(client__email="jonas@example.de")
    assert (booking.status, booking.cancellation_reason) == ("cancelled", "payment_failed")


def test_a_free_service_through_the_api_is_confirmed_without_a_payment(client_for, tenant_alpha, in_tenant, site,
                                                                        connected, two_days_before):
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.swim.pk).update(price_amount=0)
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", api_group_booking(site))
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["payment"]) == ("confirmed", None)


def test_the_openapi_schema_documents_the_payment_of_a_booking(tmp_path):
    call_command("spectacular", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    booking_create = schema[schema.index("/api/v1/bookings/:"):schema.index("/api/v1/bookings/manage/")]
    assert "pending_payment" in booking_create and "payment.checkout_url" in booking_create
    assert "'201':" in booking_create and "#/components/schemas/PayableBooking'" in booking_create
    payable = schema[schema.index("    PayableBooking:"):]
    assert "payment:" in payable[:payable.index("      required:")]
    checkout = schema[schema.index("    Checkout:"):]
    assert "checkout_url:" in checkout and "due_at:" in checkout


# --- the back office: book for a client -----------------------------------------------------------------------


def office_massage(site, **extra) -> dict:
    local = site.start.astimezone(site.start.tzinfo)
    return {"staff": site.anna.pk, "date": local.date().isoformat(), "time": local.strftime("%H:%M"),
            "name": "Kiss Dóra", "email": "dora@example.com", "language": "hu", "answer_topic": "back",
            "answer_consent": "on", "request_key": "office-1", **extra}


def massage_bookings(tenant, in_tenant) -> list[Booking]:
    with in_tenant(tenant):
        return list(Booking.objects.filter(service__slug="massage", client__email="dora@example.com"))


@pytest.fixture
def week_before(site):
    moment = site.start - dt.timedelta(days=7)
    with time_machine.travel(moment, tick=False):
        yield moment


def test_the_form_proposes_the_payment_link_when_the_organisation_takes_payments(owner, site, connected,
                                                                                  week_before):
    form = owner.get(f"/office/bookings/new/{site.massage.pk}/").context["form"]
    assert form["payment"].value() == "link"
    assert [value for value, _label in form.fields["payment"].choices] == ["link", "on_site", "free"]


def test_without_an_account_the_form_proposes_paid_on_site_and_refuses_a_link_next_to_the_field(
        owner, tenant_alpha, in_tenant, site, stripe_api, week_before):
    assert owner.get(f"/office/bookings/new/{site.massage.pk}/").context["form"]["payment"].value() == "on_site"
    response = owner.post(f"/office/bookings/new/{site.massage.pk}/", office_massage(site, payment="link"))
    assert response.status_code == 400
    assert "payment" in response.context["form"].errors
    assert massage_bookings(tenant_alpha, in_tenant) == []


@pytest.mark.parametrize("choice", ["", "cash-maybe"])
def test_a_missing_or_unknown_choice_is_refused_next_to_the_field_and_nothing_is_created(
        owner, tenant_alpha, in_tenant, site, connected, week_before, choice):
    response = owner.post(f"/office/bookings/new/{site.massage.pk}/", office_massage(site, payment=choice))
    assert response.status_code == 400
    assert "payment" in response.context["form"].errors
    assert massage_bookings(tenant_alpha, in_tenant) == []
    assert not BookingPayment.objects.filter(tenant=tenant_alpha).exists()
    assert not OutboxMessage.objects.filter(event_type="billing.payment_link").exists()


def test_a_payment_link_holds_the_appointment_emails_the_checkout_link_and_the_webhook_confirms_it(
        owner, tenant_alpha, in_tenant, site, connected, stripe_api, post_webhook, week_before):
    mail.outbox = []
    # when: the operator books the massage and sends a payment link
    response = owner.post(f"/office/bookings/new/{site.massage.pk}/", office_massage(site, payment="link"))
    assert response.status_code == 302, response.context and response.context["form"].errors
    # then: the appointment is held pending payment until the link's deadline (23 hours), its slot taken
    [booking] = massage_bookings(tenant_alpha, in_tenant)
    assert (booking.status, booking.source) == ("pending_payment", "operator")
    assert booking.payment_due_at == week_before + dt.timedelta(hours=23)
    payment = BookingPayment.objects.get(tenant=tenant_alpha, booking_id=booking.pk)
    assert (payment.method, payment.status, payment.amount) == ("online", "open", 6000)
    checkout = stripe_api.sessions[payment.checkout_session_id]
    assert checkout["_stripe_account"] == connected.stripe_account_id
    # and: the client gets the Checkout link by email, through the outbox, once
    run_outbox()
    [email] = [message for message in mail.outbox if message.to == ["dora@example.com"]]
    assert payment.checkout_url in email.body
    assert OutboxMessage.objects.filter(event_type="billing.payment_link").count() == 1
    # and: the same submission again (a double click) is the same booking, payment and email
    again = owner.post(f"/office/bookings/new/{site.massage.pk}/", office_massage(site, payment="link"))
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert len(massage_bookings(tenant_alpha, in_tenant)) == 1
    assert BookingPayment.objects.filter(tenant=tenant_alpha).count() == 1
    assert OutboxMessage.objects.filter(event_type="billing.payment_link").count() == 1
    # when: the client pays
    assert post_webhook(completed(stripe_api, payment, account=connected.stripe_account_id)).status_code == 200
    run_outbox()
    # then: confirmed once, invoiced once
    assert status_of(tenant_alpha, booking) == "confirmed"
    assert Invoice.objects.filter(tenant=tenant_alpha, payment=payment).count() == 1


def test_stripe_refusing_the_link_releases_the_hold_and_the_operator_is_told(
        owner, tenant_alpha, in_tenant, site, connected, stripe_api, week_before):
    stripe_api.fail_next_checkout = True
    response = owner.post(f"/office/bookings/new/{site.massage.pk}/", office_massage(site, payment="link"))
    assert response.status_code == 400
    assert "could not be started" in response.content.decode()
    [booking] = massage_bookings(tenant_alpha, in_tenant)
    assert (booking.status, booking.cancellation_reason) == ("cancelled", "payment_failed")
    assert not OutboxMessage.objects.filter(event_type="billing.payment_link").exists()


def test_paid_on_site_is_recorded_as_a_payment_and_invoiced_at_the_services_vat_rate(
        owner, tenant_alpha, in_tenant, site, connected, stripe_api, week_before):
    # given: the organisation's VAT is 27%, the massage's own rate 5%
    seller_profile_save(tenant=tenant_alpha, legal_name="Alpha Studio Kft.", address="Fő utca 1.", country="HU",
                        vat_number="12345676-1-42", default_vat_rate_bp=2700)
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(vat_rate_bp=500)
    # when
    response = owner.post(f"/office/bookings/new/{site.massage.pk}/", office_massage(site, payment="on_site"))
    assert response.status_code == 302, response.context and response.context["form"].errors
    # then: confirmed, a paid on-site payment, its invoice with the service's rate, the member in the audit log
    [booking] = massage_bookings(tenant_alpha, in_tenant)
    assert booking.status == "confirmed"
    payment = BookingPayment.objects.get(tenant=tenant_alpha, booking_id=booking.pk)
    assert (payment.method, payment.status, payment.outcome, payment.amount, payment.checkout_url) == (
        "on_site", "paid", "booked", 6000, "")
    [invoice] = Invoice.objects.filter(tenant=tenant_alpha, payment=payment)
    [line] = invoice.lines.all()
    assert (line.vat_rate_bp, line.gross, line.vat, line.net) == (500, 6000, 286, 5714)
    assert (invoice.gross_total, invoice.buyer_email) == (6000, "dora@example.com")
    page = owner.get(f"/office/bookings/{booking.pk}/").content.decode()
    assert 'data-payment-method="on_site"' in page
    # and: the client's confirmation carries the invoice, as for a payment made online
    mail.outbox = []
    run_outbox()
    [confirmation] = [message for message in mail.outbox if message.to == ["dora@example.com"]]
    assert [name for name, _content, mimetype in confirmation.attachments if mimetype == "application/pdf"] == [
        f"{invoice.number}.pdf"]
    with in_tenant(tenant_alpha):
        [entry] = AuditEntry.objects.filter(action="booking.paid_on_site", object_id=booking.pk)
        assert entry.actor_label == "alpha_owner@example.com" or entry.actor_user_id is not None
        assert entry.after["amount"] == 6000
    assert not stripe_api.sessions or all(session.get("client_reference_id") != f"alpha:{booking.pk}"
                                          for session in stripe_api.sessions.values())
    # and: cancelling it later sends nothing to Stripe (money taken on site is given back on site)
    with in_tenant(tenant_alpha):
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=Actor.system("test"), reason="Ill")
    assert not Refund.objects.filter(payment=payment).exists()


def test_free_of_charge_is_confirmed_without_a_payment_and_audited_with_the_member(
        owner, user, tenant_alpha, in_tenant, site, connected, week_before):
    response = owner.post(f"/office/bookings/new/{site.massage.pk}/", office_massage(site, payment="free"))
    assert response.status_code == 302, response.context and response.context["form"].errors
    [booking] = massage_bookings(tenant_alpha, in_tenant)
    assert booking.status == "confirmed"
    assert not BookingPayment.objects.filter(tenant=tenant_alpha, booking_id=booking.pk).exists()
    with in_tenant(tenant_alpha):
        [entry] = AuditEntry.objects.filter(action="booking.free_of_charge", object_id=booking.pk)
    member = user("alpha_owner")
    assert (entry.actor_kind, entry.actor_user_id) == ("operator", member.pk)
    assert entry.after == {"price": 6000, "currency": "EUR", "member": entry.actor_label,
                           "member_user_id": member.pk}


def test_a_group_session_booked_by_an_operator_with_a_link_holds_its_seats(
        owner, tenant_alpha, in_tenant, site, connected, stripe_api, two_days_before):
    before = seats_booked(tenant_alpha, in_tenant, site.open_session)
    response = owner.post(f"/office/bookings/new/{site.swim.pk}/", {
        "session": site.open_session.pk, "seats": 3, "name": "Kiss Dóra", "email": "dora@example.com",
        "language": "hu", "answer_child_name": "Bence", "request_key": "office-2", "payment": "link"})
    assert response.status_code == 302, response.context and response.context["form"].errors
    with in_tenant(tenant_alpha):
        booking = Booking.objects.get(session=site.open_session, client__email="dora@example.com")
    assert (booking.status, booking.seats) == ("pending_payment", 3)
    assert seats_booked(tenant_alpha, in_tenant, site.open_session) == before + 3
    payment = BookingPayment.objects.get(tenant=tenant_alpha, booking_id=booking.pk)
    assert (payment.amount, stripe_api.sessions[payment.checkout_session_id]["amount_total"]) == (4500, 4500)


# --- VAT per service ------------------------------------------------------------------------------------------


def test_the_catalogue_form_sets_and_clears_a_services_vat_rate(owner, tenant_alpha, in_tenant, site):
    page = owner.get(f"/office/catalogue/services/{site.massage.pk}/")
    assert "VAT rate (%)" in page.content.decode()
    data = form_data(page.context["form"])
    data["vat_rate_bp"] = "5.5"
    assert owner.post(f"/office/catalogue/services/{site.massage.pk}/", data).status_code == 302
    with in_tenant(tenant_alpha):
        assert Service.objects.get(pk=site.massage.pk).vat_rate_bp == 550
    shown = form_data(owner.get(f"/office/catalogue/services/{site.massage.pk}/").context["form"])
    assert shown["vat_rate_bp"] == "5.5"
    # and: a rate above 100% is refused next to the field; emptied, the organisation's default applies again
    refused = owner.post(f"/office/catalogue/services/{site.massage.pk}/", {**shown, "vat_rate_bp": "120"})
    assert refused.status_code == 400 and "vat_rate_bp" in refused.context["form"].errors
    assert owner.post(f"/office/catalogue/services/{site.massage.pk}/", {**shown, "vat_rate_bp": ""}).status_code == 302
    with in_tenant(tenant_alpha):
        assert Service.objects.get(pk=site.massage.pk).vat_rate_bp is None
    connection.set_schema_to_public()
