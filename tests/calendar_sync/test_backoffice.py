"""The back office's calendar sync page: connecting (the calendar is checked before anything is kept, and a refusal
is shown next to its field), the status with the last error, "sync now", disconnecting, and staff members managing
their own calendar only."""

from __future__ import annotations

import pytest
from django.db import connection

from booking_core.models import AuditEntry, CalendarBusyBlock, CalendarConnection, Service
from booking_core.services.staff_links import staff_member_link_user
from tests.factories import OPERATOR, make_service, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant_alpha, in_tenant, user):
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        anna = make_staff(service, name="Anna", hours=((8, 20),))
        bela = make_staff(service, name="Béla", hours=((8, 20),))
        staff_member_link_user(staff_id=anna.pk, user_id=user("alpha_staff").pk, actor=OPERATOR)
    connection.set_schema_to_public()
    return anna, bela


def page(staff) -> str:
    return f"/office/calendar-sync/{staff.pk}/"


def test_a_calendar_that_cannot_be_reached_is_refused_next_to_the_address(member_client, tenant_alpha, in_tenant,
                                                                           people):
    anna, _bela = people
    owner = member_client(tenant_alpha, "alpha_owner")
    # when: the address has nothing listening
    response = owner.post(page(anna), {"url": "http://127.0.0.1:9/dav/", "username": "anna", "password": "pw"})
    # then: the form comes back with the reason next to the address, and nothing is kept
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_url"' in html
    assert "The calendar could not be connected: The calendar server could not be reached at this address." in html
    assert html.index("could not be connected") > html.index('id="id_url"')
    with in_tenant(tenant_alpha):
        assert not CalendarConnection.objects.exists()


def test_connect_see_the_status_sync_now_and_disconnect(member_client, tenant_alpha, in_tenant, people,
                                                        calendar_account):
    anna, _bela = people
    url, username = calendar_account
    owner = member_client(tenant_alpha, "alpha_owner")
    # when: the owner connects Anna's calendar
    response = owner.post(page(anna), {"url": url, "username": username, "password": "secret-app-password"})
    # then: it is kept (the password encrypted) and the page shows it waiting for its first sync
    assert response.status_code == 302 and response["Location"] == page(anna)
    with in_tenant(tenant_alpha):
        stored = CalendarConnection.objects.get(staff=anna)
        assert stored.calendar_url.startswith(url) and "secret-app-password" not in stored.secret_encrypted
        assert AuditEntry.objects.filter(action="calendar_connection.connected").count() == 1
    html = owner.get(page(anna)).content.decode()
    assert "waiting for the first sync" in html and "secret-app-password" not in html
    # and the overview lists it
    assert "waiting for the first sync" in owner.get("/office/calendar-sync/").content.decode()
    # when: a failure is recorded, the page shows it; "sync now" clears the wait
    with in_tenant(tenant_alpha):
        CalendarConnection.objects.filter(staff=anna).update(status="failing", last_error="Server said no",
                                                             failures=3, next_attempt_at=stored.created_at)
    assert "Server said no" in owner.get(page(anna)).content.decode()
    assert owner.post(f"{page(anna)}sync/").status_code == 302
    with in_tenant(tenant_alpha):
        assert CalendarConnection.objects.get(staff=anna).next_attempt_at is None
        CalendarBusyBlock.objects.create(staff=anna, starts_at=stored.created_at,
                                         ends_at=stored.created_at.replace(year=stored.created_at.year + 1))
    # when: it is disconnected
    assert owner.post(f"{page(anna)}disconnect/").status_code == 302
    # then: the connection and its busy times are gone
    with in_tenant(tenant_alpha):
        assert not CalendarConnection.objects.exists() and not CalendarBusyBlock.objects.exists()


def test_a_staff_member_manages_their_own_calendar_only(member_client, tenant_alpha, people):
    anna, bela = people
    staff = member_client(tenant_alpha, "alpha_staff")
    assert staff.get(page(anna)).status_code == 200
    assert staff.get(page(bela)).status_code == 403
    assert staff.post(f"{page(bela)}disconnect/").status_code == 403
    overview = staff.get("/office/calendar-sync/").content.decode()
    assert "Anna" in overview and "Béla" not in overview


def test_a_refused_app_password_is_shown_next_to_the_password(member_client, tenant_alpha, in_tenant, people,
                                                              radicale_with_passwords):
    anna, _bela = people
    owner = member_client(tenant_alpha, "alpha_owner")
    # when: the password is wrong
    html = owner.post(page(anna), {"url": f"{radicale_with_passwords}/", "username": "anna",
                                   "password": "wrong-password"}).content.decode()
    # then: the refusal is next to the password, and nothing is kept
    error = "The calendar could not be connected: The server refused the user name or app password."
    assert error in html and html.index(error) > html.index('id="id_password"')
    with in_tenant(tenant_alpha):
        assert not CalendarConnection.objects.exists()
    # when: it is right
    response = owner.post(page(anna), {"url": f"{radicale_with_passwords}/", "username": "anna",
                                       "password": "right-password"})
    # then: it is connected
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        assert CalendarConnection.objects.get(staff=anna).username == "anna"
