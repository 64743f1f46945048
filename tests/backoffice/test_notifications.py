"""The back office's client emails: each event type switched on or off for the organisation (an email switched
off is never written to the outbox; waitlist offers' automatic sending is a separate switch), the
organisation's own subject and text per event and language used instead of the built-in email, a preview,
and "send me a test" through the outbox."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection

from allot.outbox.delivery import deliver
from allot.outbox.models import OutboxMessage
from booking_core.models import AuditEntry, Booking, NotificationTemplate, Service
from booking_core.services.bookings import booking_cancel, booking_create_group, booking_create_individual
from tenants import resolution
from tenants.models import Tenant
from tenants.services import tenant_update
from tests.backoffice.clock import at
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff

pytestmark = pytest.mark.django_db

OWNER_EMAIL = "alpha_owner@example.com"


def switch_off(tenant, *event_types) -> None:
    tenant_update(tenant=tenant, notifications_off=list(event_types))
    resolution.forget_local()  # the test's transaction never commits, which is when the cache forgets


def test_the_pages_render_for_an_owner_and_are_refused_to_staff(owner, member_client, tenant_alpha):
    staff = member_client(tenant_alpha, "alpha_staff")
    for path in ("/office/settings/notifications/", "/office/settings/notifications/booking.confirmed/",
                 "/office/settings/notifications/waitlist.offer/"):
        assert owner.get(path).status_code == 200, path
        assert staff.get(path).status_code == 403, path
    assert owner.get("/office/settings/notifications/no.such_event/").status_code == 404
    assert staff.post("/office/settings/notifications/", {}).status_code == 403
    assert Tenant.objects.get(pk=tenant_alpha.pk).notifications_off == []


def test_switching_emails_off_is_saved_and_audited(owner, tenant_alpha):
    every = {event: "on" for event in ("booking.confirmed", "booking.received", "booking.cancelled",
                                       "booking.rescheduled", "booking.attendance_request", "waitlist.joined",
                                       "waitlist.offer", "waitlist.offer_expired", "waitlist.offer_withdrawn",
                                       "waitlist.session_cancelled")}
    assert owner.post("/office/settings/notifications/", every).status_code == 302  # reminders unticked
    tenant = Tenant.objects.get(pk=tenant_alpha.pk)
    assert tenant.notifications_off == ["booking.reminder"]
    assert tenant.waitlist_auto_send_enabled is True  # a separate switch, untouched


def test_a_switched_off_email_sends_nothing_and_the_others_still_go(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        switch_off(tenant_alpha, "booking.cancelled")
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        anna = make_staff(massage, name="Anna", hours=((8, 20),))
        booking = booking_create_individual(tenant=tenant_alpha, service=massage, staff=anna, starts_at=at(15, 10),
                                            language="en", client=client_details("Dóra", "dora@example.com"),
                                            actor=OPERATOR)
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=OPERATOR, reason="Closed", now=at(10, 9))
        sent = set(OutboxMessage.objects.filter(recipient="dora@example.com").values_list("event_type", flat=True))
        assert "booking.confirmed" in sent and "booking.cancelled" not in sent
        assert Booking.objects.get(pk=booking.pk).status == "cancelled"


def test_cancelling_a_session_with_the_email_off_tells_nobody(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        session = make_session(make_service(name_en="Yoga"), capacity=5, starts_at=at(20, 18))
        for n in range(2):
            booking_create_group(tenant=tenant_alpha, session=session, seats=1,
                                 client=client_details(f"C{n}", f"c{n}@example.com"), actor=OPERATOR)
        switch_off(tenant_alpha, "booking.cancelled")
    connection.set_schema_to_public()
    assert owner.post(f"/office/catalogue/sessions/{session.pk}/cancel/", {"reason": "Ill"}).status_code == 302
    with in_tenant(tenant_alpha):
        assert not OutboxMessage.objects.filter(event_type="booking.cancelled").exists()
        assert Booking.objects.filter(session=session, status="cancelled").count() == 2


def test_an_own_text_is_saved_previewed_and_used_instead_of_the_built_in(owner, tenant_alpha, in_tenant):
    url = "/office/settings/notifications/booking.confirmed/"
    # the preview shows the text as written, with the placeholders filled, and saves nothing
    preview = owner.post(url, {"language": "hu", "action": "preview", "hu-subject": "Foglalás: {service}",
                               "hu-text": "Szia {name}! Időpont: {start}. {link} {unknown}"})
    assert preview.status_code == 200
    [section] = [s for s in preview.context["sections"] if s["code"] == "hu"]
    assert section["previewing"] and section["preview"]["subject"] == "Foglalás: Minta szolgáltatás"
    assert "{unknown}" in section["preview"]["text"] and "{name}" not in section["preview"]["text"]
    with in_tenant(tenant_alpha):
        assert not NotificationTemplate.objects.exists()
    connection.set_schema_to_public()
    # half a text is refused next to the missing field
    refused = owner.post(url, {"language": "hu", "action": "save", "hu-subject": "Foglalás", "hu-text": ""})
    assert refused.status_code == 400
    [section] = [s for s in refused.context["sections"] if s["code"] == "hu"]
    assert "text" in section["form"].errors
    # saved
    assert owner.post(url, {"language": "hu", "action": "save", "hu-subject": "Foglalás: {service}",
                            "hu-text": "Szia {name}!\n{start}\n{link}"}).status_code == 302
    with in_tenant(tenant_alpha):
        text = NotificationTemplate.objects.get(event_type="booking.confirmed", language="hu")
        assert AuditEntry.objects.get(action="notification_text.created").actor_label == OWNER_EMAIL
        # a Hungarian client's confirmation uses it; an English client's stays built-in
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", name_hu="Masszázs")
        anna = make_staff(massage, name="Anna", hours=((8, 20),))
        for language, email in (("hu", "hu@example.com"), ("en", "en@example.com")):
            booking_create_individual(tenant=tenant_alpha, service=massage, staff=anna, language=language,
                                      starts_at=at(15, 10 if language == "hu" else 12),
                                      client=client_details("Dóra", email), actor=OPERATOR)
        rows = {row.recipient: row for row in OutboxMessage.objects.filter(event_type="booking.confirmed")}
        for row in rows.values():
            assert deliver(row.pk) == "sent"
    emails = {email.to[0]: email for email in mail.outbox}
    hungarian = emails["hu@example.com"]
    assert hungarian.subject == "Foglalás: Masszázs"
    assert hungarian.body.startswith("Szia Dóra!\n2026.") or hungarian.body.startswith("Szia Dóra!\n")
    assert "/b/" in hungarian.body and "<script" not in hungarian.alternatives[0][0]
    assert "booking.ics" in [attachment[0] for attachment in hungarian.attachments]
    assert emails["en@example.com"].subject != hungarian.subject
    assert "Foglalás" not in emails["en@example.com"].body
    # both fields emptied: back to the built-in email
    assert owner.post(url, {"language": "hu", "action": "save", "hu-subject": "", "hu-text": ""}).status_code == 302
    with in_tenant(tenant_alpha):
        assert not NotificationTemplate.objects.filter(pk=text.pk).exists()


def test_an_own_text_is_not_a_template(owner, tenant_alpha, in_tenant):
    url = "/office/settings/notifications/booking.confirmed/"
    assert owner.post(url, {"language": "en", "action": "save", "en-subject": "{{ tenant.schema_name }}",
                            "en-text": "{% load static %}{{ settings.SECRET_KEY }} <b>{name}</b>"}).status_code == 302
    preview = owner.get(url)
    [section] = [s for s in preview.context["sections"] if s["code"] == "en"]
    assert section["preview"]["subject"] == "{{ tenant.schema_name }}"
    assert section["preview"]["text"].startswith("{% load static %}{{ settings.SECRET_KEY }} <b>Alex Example</b>")


def test_send_me_a_test_goes_through_the_outbox_to_the_member(owner, tenant_alpha, in_tenant):
    url = "/office/settings/notifications/waitlist.offer/"
    response = owner.post(url, {"language": "en", "action": "test", "en-subject": "", "en-text": ""})
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        [row] = OutboxMessage.objects.filter(event_type="notification.test")
        assert (row.recipient, row.language, row.payload) == (OWNER_EMAIL, "en", {"event_type": "waitlist.offer"})
        assert AuditEntry.objects.get(action="notification_text.test_sent").actor_label == OWNER_EMAIL
        assert deliver(row.pk) == "sent"
    [email] = mail.outbox
    assert email.to == [OWNER_EMAIL] and email.subject.startswith("[Test] ")
    # a test is sent even when the email is switched off for clients
    with in_tenant(tenant_alpha):
        switch_off(tenant_alpha, "waitlist.offer")
    connection.set_schema_to_public()
    assert owner.post(url, {"language": "en", "action": "test", "en-subject": "", "en-text": ""}).status_code == 302
    with in_tenant(tenant_alpha):
        assert OutboxMessage.objects.filter(event_type="notification.test").count() == 2
    # a language the organisation does not use is not found
    assert owner.post(url, {"language": "xx", "action": "test"}).status_code == 404
