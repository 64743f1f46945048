"""Public API: browse services, slots and sessions; book; manage by token. Clear 4xx, never 500."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking_core.models import Booking, FormField, Service, Session
from booking_core.services.bookings import booking_create_group
from tests.conftest import real_queries
from tests.factories import OPERATOR, client_details, make_question, make_service, make_session, make_staff, next_local

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        swim = make_service(Service.Kind.GROUP, name_en="Swimming", name_hu="Úszás", name_de="Schwimmen",
                            max_seats_per_booking=3)
        make_question(swim, "child_name", required=True, label_hu="Gyermek neve")
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", duration_minutes=60,
                               slot_interval_minutes=60)
        anna = make_staff(massage, name="Anna", hours=((9, 12),))
        session = make_session(swim, capacity=4, location="Pool A")
        full = make_session(swim, capacity=1, starts_in_days=8)
        booking_create_group(tenant=tenant_alpha, session=full, seats=1, client=client_details(),
                             answers={"child_name": "Ada"}, actor=OPERATOR)
    connection.set_schema_to_public()
    return {"swim": swim, "massage": massage, "anna": anna, "session": session, "full": full}


def post_json(client, path, data, **headers):
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def group_booking(catalogue, **overrides):
    body = {"service": catalogue["swim"].pk, "session": catalogue["session"].pk, "seats": 2,
            "client": {"name": "Kiss Dóra", "email": "dora@example.hu"}, "answers": {"child_name": "Bence"},
            "language": "hu"}
    body.update(overrides)
    return body


# --- browsing -------------------------------------------------------------------------------------------


def test_services_are_listed_in_the_clients_language_with_their_forms(client_for, tenant_alpha, catalogue):
    response = client_for(tenant_alpha).get("/api/v1/services/", HTTP_ACCEPT_LANGUAGE="hu")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    swim = next(item for item in body["results"] if item["kind"] == "group")
    assert swim["name"] == "Úszás"
    assert swim["form"] == [{"key": "child_name", "type": "text", "required": True, "label": "Gyermek neve",
                             "help": "", "choices": []}]
    massage = next(item for item in body["results"] if item["kind"] == "individual")
    assert massage["staff"] == [{"id": catalogue["anna"].pk, "name": "Anna"}]
    assert massage["price"] == {"amount": 2500, "currency": "EUR"}


def test_listing_services_takes_a_bounded_number_of_queries(client_for, tenant_alpha, catalogue, in_tenant):
    client = client_for(tenant_alpha)
    client.get("/api/v1/services/")  # warm the tenant cache
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/services/")
    with in_tenant(tenant_alpha):
        for number in range(5):
            service = make_service(Service.Kind.INDIVIDUAL)
            make_question(service, f"q{number}")
            make_staff(service)
    connection.set_schema_to_public()
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/services/")
    assert len(real_queries(few)) == len(real_queries(many)) <= 4


def test_slots_of_an_individual_service(client_for, tenant_alpha, catalogue):
    day = next_local(tenant_alpha.zone, weekday=1, hour=9).date()
    response = client_for(tenant_alpha).get(
        f"/api/v1/services/{catalogue['massage'].pk}/slots/?from={day}&to={day}")
    assert response.status_code == 200
    starts = [dt.datetime.fromisoformat(slot["starts_at"]).astimezone(tenant_alpha.zone).hour
              for slot in response.json()]
    assert starts == [9, 10, 11]


@pytest.mark.parametrize("query", ["from=yesterday", "from=2026-12-10&to=2026-12-01", "from=2026-01-01&to=2026-12-31",
                                   "staff=abc", "staff=999999", "staff=%C2%B2"])
def test_bad_slot_queries_are_400_with_the_field(client_for, tenant_alpha, catalogue, query):
    response = client_for(tenant_alpha).get(f"/api/v1/services/{catalogue['massage'].pk}/slots/?{query}")
    assert response.status_code == 400
    assert response.json()["fields"]


def test_sessions_show_remaining_capacity_honestly(client_for, tenant_alpha, catalogue):
    response = client_for(tenant_alpha).get(f"/api/v1/services/{catalogue['swim'].pk}/sessions/")
    assert response.status_code == 200
    by_id = {item["id"]: item for item in response.json()["results"]}
    assert by_id[catalogue["session"].pk]["seats_free"] == 4
    assert by_id[catalogue["session"].pk]["availability"] == "available"
    assert by_id[catalogue["full"].pk]["availability"] == "full"


def test_another_tenants_service_id_is_a_404(client_for, tenant_beta, catalogue):
    client = client_for(tenant_beta)
    assert client.get(f"/api/v1/services/{catalogue['swim'].pk}/").status_code == 404
    assert client.get(f"/api/v1/services/{catalogue['massage'].pk}/slots/").status_code == 404


# --- booking --------------------------------------------------------------------------------------------


def test_booking_seats_returns_the_booking_and_its_manage_token(client_for, tenant_alpha, catalogue, in_tenant):
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", group_booking(catalogue))
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["seats"], body["language"], body["service_name"]) == ("confirmed", 2, "hu", "Úszás")
    assert body["answers"][0]["label"] == "Gyermek neve"
    assert body["can_self_serve"] is True and len(body["manage_token"]) > 30
    with in_tenant(tenant_alpha):
        assert Session.objects.get(pk=catalogue["session"].pk).seats_booked == 2


def test_a_full_session_answers_409_with_the_free_seats(client_for, tenant_alpha, catalogue):
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/",
                         group_booking(catalogue, session=catalogue["full"].pk, seats=1))
    assert response.status_code == 409
    assert response.json() == {"detail": "This session is full.", "code": "capacity", "seats_free": 0}


@pytest.mark.parametrize(("change", "field"), [
    ({"client": {"name": "X"}}, "client"),
    ({"seats": 0}, "seats"),
    ({"seats": 4}, "seats"),
    ({"answers": {"child_name": ""}}, "child_name"),
    ({"answers": {"shoe": "42"}}, "shoe"),
    ({"session": None}, "session"),
    ({"language": "fr"}, "language"),
])
def test_bad_bookings_are_400_with_field_messages_and_change_nothing(client_for, tenant_alpha, catalogue, in_tenant,
                                                                    change, field):
    with in_tenant(tenant_alpha):
        before = Booking.objects.count()
    body = group_booking(catalogue, **change)
    if body.get("session") is None:
        body.pop("session")
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    with in_tenant(tenant_alpha):
        assert Booking.objects.count() == before


def test_malformed_json_is_a_400_not_a_500(client_for, tenant_alpha, catalogue):
    response = client_for(tenant_alpha).post("/api/v1/bookings/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_a_double_submitted_booking_returns_the_first_one(client_for, tenant_alpha, catalogue, in_tenant):
    client = client_for(tenant_alpha)
    first = post_json(client, "/api/v1/bookings/", group_booking(catalogue), HTTP_IDEMPOTENCY_KEY="abc-1")
    second = post_json(client, "/api/v1/bookings/", group_booking(catalogue), HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.json()["id"] == second.json()["id"]
    with in_tenant(tenant_alpha):
        assert Booking.objects.filter(session=catalogue["session"]).count() == 1


def test_booking_an_appointment_and_losing_the_slot_race(client_for, tenant_alpha, catalogue):
    start = next_local(tenant_alpha.zone, weekday=2, hour=10).isoformat()
    body = {"service": catalogue["massage"].pk, "starts_at": start, "staff": catalogue["anna"].pk,
            "client": {"name": "Béla", "email": "bela@example.hu"}}
    client = client_for(tenant_alpha)
    assert post_json(client, "/api/v1/bookings/", body).status_code == 201
    taken = post_json(client, "/api/v1/bookings/", {**body, "client": {"name": "C", "email": "c@example.hu"}})
    assert taken.status_code == 409
    assert taken.json()["code"] == "slot_taken"
    assert taken.json()["next_free_slots"][0].startswith(start[:11] + "11:00")


def test_a_session_of_another_service_is_refused(client_for, tenant_alpha, catalogue, in_tenant):
    with in_tenant(tenant_alpha):
        other = make_session(make_service(), capacity=5)
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", group_booking(catalogue, session=other.pk))
    assert response.status_code == 400 and "session" in response.json()["fields"]


def test_another_tenants_session_cannot_be_booked_from_here(client_for, tenant_beta, tenant_alpha, catalogue,
                                                            in_tenant):
    response = post_json(client_for(tenant_beta), "/api/v1/bookings/", group_booking(catalogue))
    assert response.status_code == 404
    with in_tenant(tenant_alpha):
        assert Session.objects.get(pk=catalogue["session"].pk).seats_booked == 0


# --- managing by token ------------------------------------------------------------------------------------


@pytest.fixture
def booked(client_for, tenant_alpha, catalogue):
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", group_booking(catalogue))
    return response.json()


def test_the_manage_link_shows_the_booking(client_for, tenant_alpha, booked):
    response = client_for(tenant_alpha).get(f"/api/v1/bookings/manage/{booked['manage_token']}/")
    assert response.status_code == 200 and response.json()["id"] == booked["id"]


def test_cancelling_by_token_with_self_service_on(client_for, tenant_alpha, booked, catalogue, in_tenant):
    response = post_json(client_for(tenant_alpha), f"/api/v1/bookings/manage/{booked['manage_token']}/cancel/", {})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    with in_tenant(tenant_alpha):
        assert Session.objects.get(pk=catalogue["session"].pk).seats_booked == 0


def test_cancelling_by_token_is_refused_when_self_service_is_off(client_for, tenant_alpha, booked, catalogue,
                                                                 in_tenant):
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=catalogue["swim"].pk).update(self_service="off")
    client = client_for(tenant_alpha)
    response = post_json(client, f"/api/v1/bookings/manage/{booked['manage_token']}/cancel/", {})
    assert response.status_code == 403
    assert response.json()["code"] == "self_service_disabled"
    assert "Alpha Studio" in response.json()["detail"]
    assert client.get(f"/api/v1/bookings/manage/{booked['manage_token']}/").json()["status"] == "confirmed"


def test_an_unknown_or_foreign_token_is_a_404(client_for, tenant_beta, tenant_alpha, booked):
    assert client_for(tenant_alpha).get("/api/v1/bookings/manage/not-a-token/").status_code == 404
    foreign = post_json(client_for(tenant_beta), f"/api/v1/bookings/manage/{booked['manage_token']}/cancel/", {})
    assert foreign.status_code == 404
    assert client_for(tenant_alpha).get(f"/api/v1/bookings/manage/{booked['manage_token']}/").json()[
        "status"] == "confirmed"


def test_rescheduling_an_appointment_by_token(client_for, tenant_alpha, catalogue):
    client = client_for(tenant_alpha)
    start = next_local(tenant_alpha.zone, weekday=3, hour=9)
    created = post_json(client, "/api/v1/bookings/", {
        "service": catalogue["massage"].pk, "starts_at": start.isoformat(),
        "client": {"name": "Béla", "email": "bela@example.hu"}}).json()
    moved = post_json(client, f"/api/v1/bookings/manage/{created['manage_token']}/reschedule/",
                      {"starts_at": (start + dt.timedelta(hours=2)).isoformat()})
    assert moved.status_code == 200
    assert dt.datetime.fromisoformat(moved.json()["starts_at"]) == start + dt.timedelta(hours=2)


def test_group_bookings_cannot_be_rescheduled(client_for, tenant_alpha, booked):
    response = post_json(client_for(tenant_alpha), f"/api/v1/bookings/manage/{booked['manage_token']}/reschedule/",
                         {"starts_at": "2030-01-01T10:00:00+01:00"})
    assert response.status_code == 400


def test_the_openapi_schema_and_docs_are_served(client_for, tenant_alpha):
    client = client_for(tenant_alpha)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/bookings/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


def test_form_questions_of_each_type_appear_in_the_service(client_for, tenant_alpha, catalogue, in_tenant):
    with in_tenant(tenant_alpha):
        make_question(catalogue["swim"], "level", FormField.Type.SINGLE_CHOICE, position=5,
                      choices=[{"value": "a", "en": "Beginner", "de": "Anfänger"}])
    body = client_for(tenant_alpha).get(f"/api/v1/services/{catalogue['swim'].pk}/", HTTP_ACCEPT_LANGUAGE="de").json()
    assert body["form"][-1]["choices"] == [{"value": "a", "label": "Anfänger"}]
