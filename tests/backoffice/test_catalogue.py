"""The back office's catalogue pages: services and their booking form's questions, staff with hours, overrides
and time off, group sessions (one, a weekly series across a DST change, capacity, cancelling). Managers only;
refusals next to their fields with nothing changed; another tenant's ids are 404s; every change audited with
the member."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from allot.outbox.models import OutboxMessage
from booking_core.models import (
    AuditEntry,
    AvailabilityOverride,
    FormField,
    Service,
    Session,
    StaffMember,
    TimeOff,
    WorkingHours,
)
from booking_core.services.bookings import booking_create_group
from tests.backoffice.clock import BUDAPEST, at
from tests.factories import OPERATOR, client_details, make_question, make_service, make_session, make_staff

pytestmark = pytest.mark.django_db

OWNER_EMAIL = "alpha_owner@example.com"


@pytest.fixture
def catalogue(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", slug="massage")
        yoga = make_service(Service.Kind.GROUP, name_en="Yoga", slug="yoga")
        question = make_question(massage, "topic", label_en="What hurts?")
        anna = make_staff(massage, name="Anna", hours=((9, 17),), weekdays=(0, 1))
        session = make_session(yoga, capacity=3, starts_at=at(20, 18), location="Room 1")
    connection.set_schema_to_public()
    return {"massage": massage, "yoga": yoga, "question": question, "anna": anna, "session": session}


def not_in(taken: set[int], make):
    """A record made by `make()` whose id alpha does not use (each schema numbers its rows itself)."""
    record = make()
    while record.pk in taken:
        record = make()
    return record


@pytest.fixture
def beta_catalogue(tenant_beta, in_tenant, catalogue):
    c = catalogue
    with in_tenant(tenant_beta):
        service = not_in({c["massage"].pk, c["yoga"].pk},
                         lambda: make_service(Service.Kind.INDIVIDUAL, name_en="Beta massage"))
        member = not_in({c["anna"].pk}, lambda: make_staff(service, name="Bea"))
        session = not_in({c["session"].pk}, lambda: make_session(make_service(name_en="Beta yoga"),
                                                                 starts_at=at(20, 18)))
        question = not_in({c["question"].pk}, lambda: make_question(service, f"q{FormField.objects.count()}"))
    connection.set_schema_to_public()
    return {"service": service, "staff": member, "session": session, "question": question}


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def service_post(**changes) -> dict:
    data = {
        "kind": "individual", "slug": "new-massage", "name_en": "Deep massage", "name_hu": "Mély masszázs",
        "name_de": "", "description_en": "", "description_hu": "", "description_de": "", "is_active": "on",
        "position": 1, "duration_minutes": 45, "price_amount": 1500000, "price_currency": "HUF",
        "min_notice_minutes": 120, "horizon_days": 60, "cancellation_cutoff_minutes": 1440,
        "self_service": "inherit", "buffer_before_minutes": 5, "buffer_after_minutes": 10,
        "slot_interval_minutes": 15, "staff_choice_enabled": "on", "max_seats_per_booking": 1,
        "offer_auto_send": "off", "offer_validity_hours": 24,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def form_data(form) -> dict:
    """What a browser sends back for the form as shown (unchecked boxes and empty values left out)."""
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


# --- access ---------------------------------------------------------------------------------------------------


def pages(c) -> list[str]:
    return ["/office/catalogue/services/", "/office/catalogue/services/new/",
            f"/office/catalogue/services/{c['massage'].pk}/", f"/office/catalogue/services/{c['yoga'].pk}/",
            f"/office/catalogue/services/{c['massage'].pk}/questions/{c['question'].pk}/",
            "/office/catalogue/staff/", f"/office/catalogue/staff/{c['anna'].pk}/",
            "/office/catalogue/sessions/", f"/office/catalogue/sessions/?service={c['yoga'].pk}",
            f"/office/catalogue/sessions/{c['session'].pk}/"]


def test_every_catalogue_page_renders_for_an_owner_and_is_refused_to_staff(owner, member_client, tenant_alpha,
                                                                          catalogue):
    staff = member_client(tenant_alpha, "alpha_staff")
    for path in pages(catalogue):
        response = owner.get(path)
        assert response.status_code == 200, path
        assert 'href="/office/catalogue/services/"' in response.content.decode()
        assert staff.get(path).status_code == 403, path
    # and the nav shows the catalogue and settings to managers only
    assert 'href="/office/settings/"' in owner.get("/office/").content.decode()
    staff_home = staff.get("/office/").content.decode()
    assert 'href="/office/catalogue/services/"' not in staff_home and 'href="/office/settings/"' not in staff_home


def test_staff_cannot_write_either(member_client, tenant_alpha, in_tenant, catalogue):
    staff = member_client(tenant_alpha, "alpha_staff")
    assert staff.post("/office/catalogue/services/new/", service_post()).status_code == 403
    assert staff.post(f"/office/catalogue/sessions/{catalogue['session'].pk}/cancel/",
                      {"reason": "x"}).status_code == 403
    with in_tenant(tenant_alpha):
        assert not Service.objects.filter(slug="new-massage").exists()
        assert not Session.objects.get(pk=catalogue["session"].pk).is_cancelled


def test_another_tenants_ids_are_not_found(owner, catalogue, beta_catalogue, tenant_beta, in_tenant):
    b, c = beta_catalogue, catalogue
    for path in (f"/office/catalogue/services/{b['service'].pk}/", f"/office/catalogue/staff/{b['staff'].pk}/",
                 f"/office/catalogue/sessions/{b['session'].pk}/",
                 f"/office/catalogue/services/{c['massage'].pk}/questions/{b['question'].pk}/"):
        assert owner.get(path).status_code == 404, path
    assert owner.post(f"/office/catalogue/services/{b['service'].pk}/", service_post()).status_code == 404
    assert owner.post(f"/office/catalogue/sessions/{b['session'].pk}/cancel/", {"reason": "x"}).status_code == 404
    assert owner.post(f"/office/catalogue/staff/{b['staff'].pk}/hours/", {
        "weekday": 1, "start_time": "08:00", "end_time": "09:00"}).status_code == 404
    # a question of another service of the same organisation is not found either, nor an unknown list
    assert owner.get(f"/office/catalogue/services/{c['yoga'].pk}/questions/{c['question'].pk}/").status_code == 404
    assert owner.post(f"/office/catalogue/staff/{c['anna'].pk}/hours/999999/delete/").status_code == 404
    assert owner.post(f"/office/catalogue/staff/{c['anna'].pk}/nonsense/", {}).status_code == 404
    with in_tenant(tenant_beta):
        assert Service.objects.filter(pk=b["service"].pk, name_en="Beta massage").exists()
        assert Session.objects.filter(pk=b["session"].pk, is_cancelled=False).exists()


# --- services and questions -----------------------------------------------------------------------------------


def test_an_owner_adds_a_service_and_it_is_audited_with_them(owner, tenant_alpha, in_tenant):
    response = owner.post("/office/catalogue/services/new/", service_post())
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        service = Service.objects.get(slug="new-massage")
        assert (service.name_hu, service.price_amount, service.price_currency, service.buffer_after_minutes,
                service.offer_auto_send, service.min_notice_minutes) == (
            "Mély masszázs", 1500000, "HUF", 10, "off", 120)
        assert response["Location"] == f"/office/catalogue/services/{service.pk}/"
        [entry] = audited("service.created")
        assert entry.actor_label == OWNER_EMAIL


def test_an_invalid_service_is_refused_next_to_its_fields_and_nothing_is_saved(owner, tenant_alpha, in_tenant,
                                                                              catalogue):
    response = owner.post("/office/catalogue/services/new/", service_post(
        name_en="", name_hu="", duration_minutes=7, price_currency="euro", slug="massage"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name_en", "duration_minutes", "price_currency", "slug"} <= set(errors)
    assert "field--error" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert Service.objects.count() == 2
        assert audited("service.created") == []


def test_editing_a_service_changes_only_what_was_changed(owner, tenant_alpha, in_tenant, catalogue):
    massage = catalogue["massage"]
    data = form_data(owner.get(f"/office/catalogue/services/{massage.pk}/").context["form"])
    data["price_amount"] = 3000
    response = owner.post(f"/office/catalogue/services/{massage.pk}/", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    with in_tenant(tenant_alpha):
        assert Service.objects.get(pk=massage.pk).price_amount == 3000
        [entry] = audited("service.updated")
        assert entry.actor_label == OWNER_EMAIL
        changed = {name for name in entry.after if entry.after[name] != entry.before[name]}
        assert changed - {"updated_at"} == {"price_amount"}


def test_a_booked_service_cannot_change_kind_and_the_refusal_is_next_to_kind(owner, tenant_alpha, in_tenant,
                                                                            catalogue):
    yoga, session = catalogue["yoga"], catalogue["session"]
    with in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(), actor=OPERATOR)
    connection.set_schema_to_public()
    data = form_data(owner.get(f"/office/catalogue/services/{yoga.pk}/").context["form"])
    data["kind"] = "individual"
    response = owner.post(f"/office/catalogue/services/{yoga.pk}/", data)
    assert response.status_code == 400
    assert "kind" in response.context["form"].errors, response.context["form"].errors
    with in_tenant(tenant_alpha):
        assert Service.objects.get(pk=yoga.pk).kind == "group"


def test_questions_with_translations_and_choices_are_added_edited_and_removed(owner, tenant_alpha, in_tenant,
                                                                             catalogue):
    massage = catalogue["massage"]
    added = owner.post(f"/office/catalogue/services/{massage.pk}/questions/", {
        "key": "level", "field_type": "single_choice", "position": 2, "required": "on",
        "label_en": "Your level", "label_hu": "Szinted", "label_de": "Dein Niveau",
        "choices": "beginner | Beginner | Kezdő | Anfänger\nadvanced | Advanced"})
    assert added.status_code == 302
    with in_tenant(tenant_alpha):
        question = FormField.objects.get(service=massage, key="level")
        assert question.choices == [{"value": "beginner", "en": "Beginner", "hu": "Kezdő", "de": "Anfänger"},
                                    {"value": "advanced", "en": "Advanced"}]
        assert (question.label_hu, question.required) == ("Szinted", True)
    connection.set_schema_to_public()
    # the edit page shows the choices as they were written
    page = owner.get(f"/office/catalogue/services/{massage.pk}/questions/{question.pk}/").content.decode()
    assert "beginner | Beginner | Kezdő | Anfänger" in page
    # a choice question without choices, and a key already used, are refused next to their fields
    refused = owner.post(f"/office/catalogue/services/{massage.pk}/questions/", {
        "key": "topic", "field_type": "multiple_choice", "position": 3, "label_en": "Again", "choices": ""})
    assert refused.status_code == 400
    form = refused.context["question_form"]
    assert "choices" in form.errors
    duplicate = owner.post(f"/office/catalogue/services/{massage.pk}/questions/", {
        "key": "topic", "field_type": "text", "position": 3, "label_en": "Again"})
    assert duplicate.status_code == 400 and duplicate.context["question_form"].errors
    # removing
    assert owner.post(f"/office/catalogue/services/{massage.pk}/questions/{question.pk}/delete/").status_code == 302
    with in_tenant(tenant_alpha):
        assert list(FormField.objects.filter(service=massage).values_list("key", flat=True)) == ["topic"]
        assert [e.actor_label for e in audited("form_field.created") + audited("form_field.deleted")] == [
            OWNER_EMAIL, OWNER_EMAIL]


# --- staff ----------------------------------------------------------------------------------------------------


def test_staff_are_added_with_their_services_and_given_hours_overrides_and_time_off(owner, tenant_alpha,
                                                                                   in_tenant, catalogue):
    added = owner.post("/office/catalogue/staff/", {"name": "Bence", "email": "bence@example.com",
                                                    "is_active": "on", "services": [catalogue["massage"].pk]})
    assert added.status_code == 302
    with in_tenant(tenant_alpha):
        bence = StaffMember.objects.get(name="Bence")
        assert list(bence.services.all()) == [catalogue["massage"]]
    connection.set_schema_to_public()
    base = f"/office/catalogue/staff/{bence.pk}"
    assert owner.post(f"{base}/hours/", {"weekday": 2, "start_time": "08:00", "end_time": "12:30"}).status_code == 302
    assert owner.post(f"{base}/overrides/", {"date": "2026-06-17", "start_time": "", "end_time": ""}).status_code == 302
    assert owner.post(f"{base}/time-off/", {"starts_at": "2026-07-01T00:00", "ends_at": "2026-07-15T00:00",
                                            "reason": "Holiday"}).status_code == 302
    with in_tenant(tenant_alpha):
        hours = WorkingHours.objects.get(staff=bence)
        assert (hours.weekday, hours.start_time, hours.end_time) == (2, dt.time(8), dt.time(12, 30))
        assert not AvailabilityOverride.objects.get(staff=bence, date=dt.date(2026, 6, 17)).is_working
        time_off = TimeOff.objects.get(staff=bence)
        assert time_off.starts_at == dt.datetime(2026, 7, 1, tzinfo=BUDAPEST)  # the organisation's zone
        assert {e.actor_label for e in audited("working_hours.created") + audited("override.created")
                + audited("time_off.created") + audited("staff.created")} == {OWNER_EMAIL}
    page = owner.get(f"{base}/").content.decode()
    assert "Wednesday" in page and "08:00–12:30" in page and "Holiday" in page
    assert owner.post(f"{base}/hours/{hours.pk}/delete/").status_code == 302
    with in_tenant(tenant_alpha):
        assert not WorkingHours.objects.filter(staff=bence).exists()


def test_invalid_hours_are_refused_next_to_the_field_and_nothing_is_saved(owner, tenant_alpha, in_tenant,
                                                                         catalogue):
    base = f"/office/catalogue/staff/{catalogue['anna'].pk}"
    off_grid = owner.post(f"{base}/hours/", {"weekday": 3, "start_time": "09:03", "end_time": "12:00"})
    assert off_grid.status_code == 400 and "start_time" in off_grid.context["hours_form"].errors
    backwards = owner.post(f"{base}/hours/", {"weekday": 3, "start_time": "12:00", "end_time": "09:00"})
    assert backwards.status_code == 400 and backwards.context["hours_form"].errors
    half = owner.post(f"{base}/overrides/", {"date": "2026-06-17", "start_time": "09:00", "end_time": ""})
    assert half.status_code == 400 and half.context["override_form"].errors
    reversed_off = owner.post(f"{base}/time-off/", {"starts_at": "2026-07-15T00:00", "ends_at": "2026-07-01T00:00"})
    assert reversed_off.status_code == 400 and reversed_off.context["time_off_form"].errors
    group_service = owner.post(f"{base}/", {"name": "Anna", "is_active": "on", "services": [catalogue["yoga"].pk]})
    assert group_service.status_code == 400 and "services" in group_service.context["form"].errors
    assert "field--error" in group_service.content.decode()
    with in_tenant(tenant_alpha):
        assert WorkingHours.objects.filter(staff=catalogue["anna"]).count() == 2
        assert not AvailabilityOverride.objects.exists() and not TimeOff.objects.exists()
        assert list(catalogue["anna"].services.all()) == [catalogue["massage"]]
        assert not AuditEntry.objects.filter(action__in=["working_hours.created", "override.created",
                                                         "time_off.created", "staff.updated"]).exists()


# --- group sessions -------------------------------------------------------------------------------------------


def test_one_session_is_scheduled_at_the_local_time(owner, tenant_alpha, in_tenant, catalogue):
    response = owner.post("/office/catalogue/sessions/new/", {
        "service": catalogue["yoga"].pk, "date": "2026-06-24", "time": "18:30", "capacity": 12, "location": "Hall"})
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        session = Session.objects.get(location="Hall")
        assert session.starts_at == dt.datetime(2026, 6, 24, 18, 30, tzinfo=BUDAPEST)
        assert session.ends_at - session.starts_at == dt.timedelta(minutes=catalogue["yoga"].duration_minutes)
        assert [e.actor_label for e in audited("session.created")] == [OWNER_EMAIL]


def test_a_weekly_series_keeps_the_local_time_across_the_autumn_dst_change(owner, tenant_alpha, in_tenant,
                                                                          catalogue):
    # Budapest leaves summer time on Sunday 25 October 2026: 18:00 is 16:00 UTC before and 17:00 UTC after
    response = owner.post("/office/catalogue/sessions/series/", {
        "service": catalogue["yoga"].pk, "first_date": "2026-10-19", "last_date": "2026-11-01",
        "weekdays": [0, 3], "time": "18:00", "capacity": 8, "location": "Studio"})
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        sessions = list(Session.objects.filter(location="Studio").order_by("starts_at"))
        utc = [session.starts_at.astimezone(dt.UTC) for session in sessions]
        assert [(moment.date().isoformat(), moment.hour) for moment in utc] == [
            ("2026-10-19", 16), ("2026-10-22", 16), ("2026-10-26", 17), ("2026-10-29", 17)]
        assert {session.starts_at.astimezone(BUDAPEST).time() for session in sessions} == {dt.time(18)}
        assert len({session.recurrence_key for session in sessions}) == 1 and sessions[0].recurrence_key
        assert {session.capacity for session in sessions} == {8}


def test_an_invalid_series_is_refused_next_to_its_fields(owner, tenant_alpha, in_tenant, catalogue):
    response = owner.post("/office/catalogue/sessions/series/", {
        "service": catalogue["massage"].pk, "first_date": "2026-10-19", "last_date": "2026-10-01",
        "weekdays": [], "time": "18:00", "capacity": 0})
    assert response.status_code == 400
    assert {"service", "last_date", "weekdays", "capacity"} <= set(response.context["series_form"].errors)
    with in_tenant(tenant_alpha):
        assert Session.objects.count() == 1


def test_capacity_below_the_seats_taken_needs_the_explicit_decision(owner, tenant_alpha, in_tenant, catalogue):
    session = catalogue["session"]
    with in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=session, seats=2, client=client_details(), actor=OPERATOR)
    connection.set_schema_to_public()
    url = f"/office/catalogue/sessions/{session.pk}/capacity/"
    refused = owner.post(url, {"capacity": 1})
    assert refused.status_code == 400 and "capacity" in refused.context["capacity_form"].errors
    with in_tenant(tenant_alpha):
        assert Session.objects.get(pk=session.pk).capacity == 3
    connection.set_schema_to_public()
    assert owner.post(url, {"capacity": 1, "keep_existing_bookings": "on"}).status_code == 302
    assert owner.post(url, {"capacity": 0}).status_code == 400
    with in_tenant(tenant_alpha):
        changed = Session.objects.get(pk=session.pk)
        assert (changed.capacity, changed.accepted_overbooking) == (1, 1)
        assert [e.actor_label for e in audited("session.capacity_changed")] == [OWNER_EMAIL]


def test_cancelling_a_session_tells_everyone_booked(owner, tenant_alpha, in_tenant, catalogue):
    session = catalogue["session"]
    with in_tenant(tenant_alpha):
        bookings = [booking_create_group(tenant=tenant_alpha, session=session, seats=1,
                                         client=client_details(f"Client {n}", f"c{n}@example.com"), actor=OPERATOR)
                    for n in range(3)]
    connection.set_schema_to_public()
    url = f"/office/catalogue/sessions/{session.pk}/cancel/"
    # without a reason: refused next to the field, nothing cancelled
    refused = owner.post(url, {"reason": ""})
    assert refused.status_code == 400 and "reason" in refused.context["cancel_form"].errors
    with in_tenant(tenant_alpha):
        assert not Session.objects.get(pk=session.pk).is_cancelled
    connection.set_schema_to_public()
    assert owner.post(url, {"reason": "The teacher is ill"}).status_code == 302
    with in_tenant(tenant_alpha):
        assert Session.objects.get(pk=session.pk).is_cancelled
        for booking in bookings:
            booking.refresh_from_db()
            assert (booking.status, booking.cancellation_reason) == ("cancelled", "The teacher is ill")
        told = set(OutboxMessage.objects.filter(event_type="booking.cancelled").values_list("recipient", flat=True))
        assert told == {"c0@example.com", "c1@example.com", "c2@example.com"}
        assert [e.actor_label for e in audited("session.cancelled")] == [OWNER_EMAIL]
    # and the page shows it cancelled, without the forms
    page = owner.get(f"/office/catalogue/sessions/{session.pk}/").content.decode()
    assert "cancelled" in page and url not in page
