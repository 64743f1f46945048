"""The tenant admin writes through the API's services: the same rules refuse the same edits, as errors on the
form with nothing saved, and every write leaves an audit entry."""

import datetime as dt

import pytest

from booking_core.models import AuditEntry, Booking, Client, FormField, Service, StaffMember, WorkingHours
from booking_core.services.bookings import booking_create_group
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff
from tests.support.admin_forms import admin_form_data, inline_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(member_client, tenant_alpha):
    return member_client(tenant_alpha, "alpha_owner")


def _audit_actions(tenant, in_tenant) -> list[str]:
    with in_tenant(tenant):
        return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def test_working_hours_off_the_five_minute_grid_are_refused_on_the_form_and_nothing_is_saved(
        owner, tenant_alpha, in_tenant):
    # given a staff member and the admin's page for them
    with in_tenant(tenant_alpha):
        staff = make_staff(make_service(Service.Kind.INDIVIDUAL), hours=(), name="Anna")
        audited_before = AuditEntry.objects.count()
    url = f"/admin/booking_core/staffmember/{staff.pk}/change/"
    data = admin_form_data(owner.get(url))
    data["name"] = "Anna Renamed"
    data = inline_rows(data, "working_hours", [{"weekday": "1", "start_time": "09:03", "end_time": "17:00"}])

    # when the page is sent with hours starting at 09:03
    response = owner.post(url, data)

    # then the page comes back (no error page) with the service's message on the row, and nothing changed
    assert response.status_code == 200
    assert "Not on the 5-minute grid." in response.content.decode()
    with in_tenant(tenant_alpha):
        assert StaffMember.objects.get(pk=staff.pk).name == "Anna"
        assert not WorkingHours.objects.filter(staff=staff).exists()
        assert AuditEntry.objects.count() == audited_before


def test_staff_added_in_the_admin_with_hours_goes_through_the_services_and_is_audited(owner, tenant_alpha,
                                                                                        in_tenant):
    # given the admin's add page for staff
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL)
    data = admin_form_data(owner.get("/admin/booking_core/staffmember/add/"))
    data.update({"name": "Bence", "email": "bence@example.com", "services": [str(service.pk)], "is_active": "on"})
    data = inline_rows(data, "working_hours", [{"weekday": "2", "start_time": "08:30", "end_time": "12:00"}])

    # when it is sent
    response = owner.post("/admin/booking_core/staffmember/add/", data)

    # then the staff member, their service and hours exist, and each write has its audit entry
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_tenant(tenant_alpha):
        staff = StaffMember.objects.get(name="Bence")
        assert list(staff.services.all()) == [service]
        assert [(hours.weekday, hours.start_time) for hours in staff.working_hours.all()] == [(2, dt.time(8, 30))]
    assert _audit_actions(tenant_alpha, in_tenant)[-2:] == ["staff.created", "working_hours.created"]


def test_a_group_service_cannot_be_given_to_staff_in_the_admin_as_in_the_api(owner, tenant_alpha, in_tenant):
    # given a staff member and a group service
    with in_tenant(tenant_alpha):
        staff = make_staff(make_service(Service.Kind.INDIVIDUAL), hours=(), name="Csaba")
        group_service = make_service(Service.Kind.GROUP)
    url = f"/admin/booking_core/staffmember/{staff.pk}/change/"
    data = admin_form_data(owner.get(url))

    # when the group service is added to their services
    data["services"] = [*data["services"], str(group_service.pk)]
    response = owner.post(url, data)

    # then the field shows the service's reason and the staff member keeps their services
    assert response.status_code == 200
    assert "Group services are booked by session." in response.content.decode()
    with in_tenant(tenant_alpha):
        assert group_service not in staff.services.all()


def test_a_duplicate_form_field_key_is_refused_and_nothing_changes(owner, tenant_alpha, in_tenant):
    # given a service with a question keyed "age"
    with in_tenant(tenant_alpha):
        service = make_service()
        FormField.objects.create(service=service, key="age", field_type="number", label_en="Age")
        audited_before = AuditEntry.objects.count()
    url = f"/admin/booking_core/service/{service.pk}/change/"
    data = admin_form_data(owner.get(url))

    # when a second question with the same key is added
    data = inline_rows(data, "form_fields", [{"key": "age", "field_type": "text", "label_en": "Age again",
                                              "position": "1", "choices": "[]"}])
    response = owner.post(url, data)

    # then it is refused on the form and the service keeps one question
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert list(service.form_fields.values_list("label_en", flat=True)) == ["Age"]
        assert AuditEntry.objects.count() == audited_before


def test_a_question_added_in_the_admin_is_audited(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        service = make_service()
    url = f"/admin/booking_core/service/{service.pk}/change/"
    data = inline_rows(admin_form_data(owner.get(url)), "form_fields", [
        {"key": "shoe_size", "field_type": "text", "label_en": "Shoe size", "position": "1",
         "choices": "[]"}])

    response = owner.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _audit_actions(tenant_alpha, in_tenant)[-1] == "form_field.created"


def test_a_client_with_bookings_cannot_be_deleted_in_the_admin(owner, tenant_alpha, in_tenant):
    # given a client with a booking
    with in_tenant(tenant_alpha):
        booking = booking_create_group(tenant=tenant_alpha, session=make_session(capacity=3), seats=1,
                                       client=client_details(), actor=OPERATOR)
        client_id = booking.client_id

    # when the owner deletes the client
    response = owner.post(f"/admin/booking_core/client/{client_id}/delete/", {"post": "yes"}, follow=True)

    # then the deletion is refused (Django lists the bookings that protect the client) and both stay
    assert response.status_code == 200
    assert "Cannot delete client" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert Client.objects.filter(pk=client_id).exists()
        assert Booking.objects.filter(pk=booking.pk).exists()


def test_a_client_edited_in_the_admin_is_audited(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        client = Client.objects.create(name="Dora", email="dora@example.com")
    url = f"/admin/booking_core/client/{client.pk}/change/"
    data = admin_form_data(owner.get(url))
    data["phone"] = "+36 1 234 5678"

    response = owner.post(url, data)

    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        entry = AuditEntry.objects.latest("id")
        assert (entry.action, entry.object_id, entry.actor_label) == ("client.updated", client.pk,
                                                                      "alpha_owner@example.com")
        assert entry.after["phone"] == "+36 1 234 5678"


def test_hours_and_questions_are_read_only_on_their_own_admin_pages(owner):
    for model in ("workinghours", "availabilityoverride", "timeoff", "formfield"):
        assert owner.get(f"/admin/booking_core/{model}/").status_code == 200
        assert owner.get(f"/admin/booking_core/{model}/add/").status_code == 403


def test_a_programme_question_with_a_key_already_used_is_refused_and_a_new_one_is_audited(owner, tenant_alpha,
                                                                                          in_tenant):
    from booking_core.programmes.models import Programme, ProgrammeFormField
    from tests.programmes.factories import make_programme

    # given a programme asking for "age"
    with in_tenant(tenant_alpha):
        programme = make_programme()
        ProgrammeFormField.objects.create(programme=programme, key="age", field_type="number", label_en="Age")
        audited_before = AuditEntry.objects.count()
    url = f"/admin/programmes/programme/{programme.pk}/change/"
    data = admin_form_data(owner.get(url))

    # when a second "age" question is added, it is refused and nothing changes
    refused = owner.post(url, inline_rows(data, "form_fields", [
        {"key": "age", "field_type": "text", "label_en": "Age again", "position": "1", "choices": "[]"}]))
    assert refused.status_code == 200
    assert "errorlist" in refused.content.decode()
    with in_tenant(tenant_alpha):
        assert list(programme.form_fields.values_list("label_en", flat=True)) == ["Age"]
        assert AuditEntry.objects.count() == audited_before

    # when a choice question without choices is added, the model's rule refuses it on its row
    refused = owner.post(url, inline_rows(data, "form_fields", [
        {"key": "level", "field_type": "single_choice", "label_en": "Level", "position": "1", "choices": "[]"}]))
    assert "A choice question needs at least one choice." in refused.content.decode()

    # when a new question is added, it is saved by the service and audited
    accepted = owner.post(url, inline_rows(data, "form_fields", [
        {"key": "cap_size", "field_type": "text", "label_en": "Cap size", "position": "1", "choices": "[]"}]))
    assert accepted.status_code == 302
    with in_tenant(tenant_alpha):
        # the page's other fields came back as they were shown, so they did not change
        assert Programme.objects.get(pk=programme.pk).signup_opens_at == programme.signup_opens_at
    assert _audit_actions(tenant_alpha, in_tenant)[-1] == "programme_form_field.created"


def test_capacity_changed_and_session_cancelled_in_the_admin_are_audited(owner, tenant_alpha, in_tenant):
    # given a group session with room
    with in_tenant(tenant_alpha):
        session = make_session(capacity=3)
    url = f"/admin/booking_core/session/{session.pk}/change/"
    data = admin_form_data(owner.get(url))

    # when its capacity is raised, then it is cancelled with the admin's action
    data["capacity"] = "5"
    assert owner.post(url, data).status_code == 302
    owner.post("/admin/booking_core/session/", {"action": "cancel", "_selected_action": [session.pk]})

    # then both went through the session services
    with in_tenant(tenant_alpha):
        session.refresh_from_db()
        assert (session.capacity, session.is_cancelled) == (5, True)
    assert _audit_actions(tenant_alpha, in_tenant)[-2:] == ["session.capacity_changed", "session.cancelled"]
    assert owner.get(f"/admin/booking_core/session/{session.pk}/delete/").status_code == 403


def test_an_api_key_made_in_the_tenant_admin_is_in_the_platform_audit_log(owner, tenant_alpha):
    from tenants.models import PlatformAuditEntry

    owner.post("/admin/tenants/apikey/add/", {"name": "Website widget", "role": "staff"})

    entry = PlatformAuditEntry.objects.latest("id")
    assert (entry.action, entry.tenant_id, entry.actor_label, entry.changes["name"]) == (
        "api_key.created", tenant_alpha.pk, "alpha_owner@example.com", [None, "Website widget"])


def test_bookings_are_read_only_in_the_admin_and_change_through_its_actions(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        booking = booking_create_group(tenant=tenant_alpha, session=make_session(capacity=3), seats=1,
                                       client=client_details(), actor=OPERATOR)

    assert owner.get(f"/admin/booking_core/booking/{booking.pk}/change/").status_code == 200  # shown
    assert owner.post(f"/admin/booking_core/booking/{booking.pk}/change/", {"seats": "2"}).status_code == 403
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=booking.pk).seats == 1
