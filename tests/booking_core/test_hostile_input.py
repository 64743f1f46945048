"""Hostile input found by fuzzing the served OpenAPI schema: each is a clear 400 that changes nothing, never a 500."""

import datetime as dt
import json

import pytest

from booking_core.models import Booking, Service, Session
from tests.factories import make_question, make_service, make_session, make_staff, next_local

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        swim = make_service(Service.Kind.GROUP, name_en="Swimming", max_seats_per_booking=3)
        make_question(swim, "notes", required=False)
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", duration_minutes=60,
                               slot_interval_minutes=60)
        anna = make_staff(massage, name="Anna", hours=((9, 12),))
        session = make_session(swim, capacity=4, location="Pool A")
    return {"swim": swim, "massage": massage, "anna": anna, "session": session}


def post_json(client, path, data, **headers):
    return client.post(path, data if isinstance(data, str) else json.dumps(data), content_type="application/json",
                       **headers)


def group_booking(catalogue, **overrides) -> dict:
    body = {"service": catalogue["swim"].pk, "session": catalogue["session"].pk, "seats": 1,
            "client": {"name": "Kiss Dóra", "email": "dora@example.hu"}, "answers": {"notes": "none"}}
    return {**body, **overrides}


def live_bookings(tenant, in_tenant) -> int:
    with in_tenant(tenant):
        return Booking.objects.count()


# --- dates at the edge of the calendar -------------------------------------------------------------------


@pytest.mark.parametrize("query", ["from=9999-12-31", "from=0001-01-01&to=0001-01-07", "from=9999-12-25",
                                   "to=9999-12-31", "from=3000-01-01"])
def test_slots_at_the_edge_of_the_calendar_are_400(client_for, tenant_alpha, catalogue, query):
    # when
    response = client_for(tenant_alpha).get(f"/api/v1/services/{catalogue['massage'].pk}/slots/?{query}")
    # then
    assert response.status_code == 400
    assert set(response.json()["fields"]) <= {"from", "to"}


@pytest.mark.parametrize("query", ["from=9999-12-31", "from=0001-01-01&to=0001-01-07", "to=9999-12-31"])
def test_sessions_at_the_edge_of_the_calendar_are_400(client_for, tenant_alpha, catalogue, query):
    response = client_for(tenant_alpha).get(f"/api/v1/services/{catalogue['swim'].pk}/sessions/?{query}")
    assert response.status_code == 400
    assert set(response.json()["fields"]) <= {"from", "to"}


def test_the_last_allowed_day_is_an_empty_answer_not_an_error(client_for, tenant_alpha, catalogue):
    response = client_for(tenant_alpha).get(f"/api/v1/services/{catalogue['massage'].pk}/slots/?from=2999-12-31")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/operator/bookings/", "/api/v1/operator/sessions/"])
@pytest.mark.parametrize("value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31",
                                   "0001-01-01"])
def test_operator_time_filters_at_the_edge_of_the_calendar_are_400(api_key_client, tenant_alpha, catalogue, path,
                                                                    value):
    response = api_key_client(tenant_alpha).get(path, {"from": value})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["from"]


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30"])
def test_booking_site_day_pages_at_the_edge_of_the_calendar_are_not_errors(client_for, tenant_alpha, catalogue,
                                                                           day):
    client = client_for(tenant_alpha)
    slug = catalogue["massage"].slug
    assert client.get(f"/s/{slug}/day/{day}/").status_code in (200, 404)
    assert client.get(f"/s/{slug}/day/{day}/waitlist/").status_code == 404


def test_a_booking_at_the_edge_of_the_calendar_is_400_and_books_nothing(client_for, tenant_alpha, catalogue,
                                                                      in_tenant):
    body = {"service": catalogue["massage"].pk, "starts_at": "9999-12-31T23:00:00-23:59",
            "client": {"name": "Béla", "email": "bela@example.hu"}}
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", body)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["starts_at"]
    assert live_bookings(tenant_alpha, in_tenant) == 0


# --- integers within their column --------------------------------------------------------------------------


@pytest.mark.parametrize("capacity", [3_000_000_000, 2**63, -1, 0])
def test_a_capacity_out_of_the_columns_range_is_400_and_changes_nothing(api_key_client, tenant_alpha, catalogue,
                                                                       in_tenant, capacity):
    session = catalogue["session"]
    response = post_json(api_key_client(tenant_alpha), f"/api/v1/operator/sessions/{session.pk}/capacity/",
                         {"capacity": capacity})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["capacity"]
    with in_tenant(tenant_alpha):
        assert Session.objects.get(pk=session.pk).capacity == 4


@pytest.mark.parametrize("overrides", [{"seats": 3_000_000_000}, {"session": 2**63}, {"service": 2**64},
                                       {"staff": 10**30}])
def test_numbers_out_of_range_in_a_booking_are_400_and_book_nothing(client_for, tenant_alpha, catalogue, in_tenant,
                                                                    overrides):
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", group_booking(catalogue, **overrides))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == list(overrides)
    assert live_bookings(tenant_alpha, in_tenant) == 0


@pytest.mark.parametrize("session", ["9223372036854775808", "9" * 5000])
def test_an_id_filter_beyond_any_id_finds_nothing(api_key_client, tenant_alpha, catalogue, session):
    response = api_key_client(tenant_alpha).get("/api/v1/operator/bookings/", {"session": session})
    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_every_integer_a_client_sends_has_bounds_in_the_openapi_schema(client_for, tenant_alpha):
    # given the schema the API serves
    schema = client_for(tenant_alpha).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    unbounded = []

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "integer" and not node.get("readOnly") and not (
                    "maximum" in node and "minimum" in node):
                unbounded.append(where)
            for name, child in node.items():
                walk(child, f"{where}.{name}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    # then every integer in a request body has a minimum and a maximum
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            walk(component, name)
    assert unbounded == [], "\n".join(unbounded)


# --- a time without an offset --------------------------------------------------------------------------------


def test_a_booking_time_without_an_offset_is_read_in_the_organisations_zone(client_for, tenant_alpha, catalogue,
                                                                            in_tenant):
    # given ten o'clock next Wednesday in Budapest, sent without an offset
    local = next_local(tenant_alpha.zone, weekday=2, hour=10)
    body = {"service": catalogue["massage"].pk, "starts_at": local.replace(tzinfo=None).isoformat(),
            "staff": catalogue["anna"].pk, "client": {"name": "Béla", "email": "bela@example.hu"}}
    # when
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", body)
    # then it is booked at ten o'clock Budapest time, as the operator filters read the same text
    assert response.status_code == 201
    assert dt.datetime.fromisoformat(response.json()["starts_at"]) == local
    with in_tenant(tenant_alpha):
        assert Booking.objects.get().starts_at == local


def test_operator_filters_read_a_time_without_an_offset_in_the_organisations_zone(api_key_client, tenant_alpha,
                                                                                  catalogue, in_tenant):
    # given a session at 10:00 Budapest time
    local = next_local(tenant_alpha.zone, weekday=2, hour=10)
    with in_tenant(tenant_alpha):
        make_session(catalogue["swim"], starts_at=local)
    client = api_key_client(tenant_alpha)
    naive = local.replace(tzinfo=None)
    # when filtering from 10:00 and from 10:01 without offsets, then only the first finds it
    found = client.get("/api/v1/operator/sessions/", {"from": naive.isoformat(), "service": catalogue["swim"].pk})
    later = client.get("/api/v1/operator/sessions/",
                       {"from": (naive + dt.timedelta(minutes=1)).isoformat(), "service": catalogue["swim"].pk})
    assert [session["starts_at"] for session in found.json()["results"]][:1] == [
        local.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")]
    assert all(dt.datetime.fromisoformat(session["starts_at"]) > local for session in later.json()["results"])


def test_an_operator_session_time_without_an_offset_is_read_in_the_organisations_zone(api_key_client, tenant_alpha,
                                                                                      catalogue):
    local = next_local(tenant_alpha.zone, weekday=4, hour=18)
    response = post_json(api_key_client(tenant_alpha), "/api/v1/operator/sessions/",
                         {"service": catalogue["swim"].pk, "starts_at": local.replace(tzinfo=None).isoformat(),
                          "capacity": 5})
    assert response.status_code == 201
    assert dt.datetime.fromisoformat(response.json()["starts_at"]) == local


def test_the_rule_for_times_without_an_offset_is_in_the_openapi_schema(client_for, tenant_alpha):
    schema = client_for(tenant_alpha).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    booking = schema["components"]["schemas"]["BookingCreateRequest"]["properties"]["starts_at"]
    assert "read in the organisation's time zone" in booking["description"]
    assert "read in the organisation's time zone" in schema["info"]["description"]
    parameters = schema["paths"]["/api/v1/operator/bookings/"]["get"]["parameters"]
    assert "read in the organisation's time zone" in next(p for p in parameters if p["name"] == "from")["description"]


@pytest.mark.parametrize("local", ["2027-03-28T02:30:00", "2027-10-31T02:30:00"])
def test_a_local_time_skipped_or_repeated_by_the_clocks_is_400(client_for, tenant_alpha, catalogue, in_tenant,
                                                               local):
    # 2027-03-28 02:30 does not exist in Budapest, 2027-10-31 02:30 happens twice
    body = {"service": catalogue["massage"].pk, "starts_at": local,
            "client": {"name": "Béla", "email": "bela@example.hu"}}
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", body)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["starts_at"]
    assert live_bookings(tenant_alpha, in_tenant) == 0


@pytest.mark.parametrize("service", [2**63, 10**30, 0])
def test_a_related_id_out_of_range_is_400(api_key_client, tenant_alpha, catalogue, service):
    response = post_json(api_key_client(tenant_alpha), "/api/v1/operator/sessions/",
                         {"service": service, "starts_at": "2027-01-01T10:00:00Z", "capacity": 5})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["service"]


@pytest.mark.parametrize("path", ["/api/v1/operator/bookings/", "/api/v1/operator/sessions/"])
def test_an_operator_filter_at_a_repeated_local_time_is_400(api_key_client, tenant_alpha, path):
    # 2027-10-31 02:30 happens twice in Budapest
    response = api_key_client(tenant_alpha).get(path, {"from": "2027-10-31T02:30:00"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["from"]


# --- deeply nested JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/bookings/", "/api/v1/waitlist/", "/api/v1/operator/services/"])
def test_deeply_nested_json_is_400_on_any_json_endpoint(client_for, api_key_client, tenant_alpha, catalogue,
                                                        in_tenant, path):
    # given a 4 KB body of 2,000 nested lists
    body = "[" * 2000 + "]" * 2000
    client = api_key_client(tenant_alpha) if "operator" in path else client_for(tenant_alpha)
    # when
    response = post_json(client, path, body)
    # then
    assert response.status_code == 400
    assert response.json()["detail"] == "JSON nested too deeply (at most 32 levels)."
    assert live_bookings(tenant_alpha, in_tenant) == 0


def test_json_nested_a_little_too_deep_for_the_parser_limit_is_400_too(client_for, tenant_alpha, catalogue):
    answers = {"notes": "x"}
    for _level in range(40):
        answers = {"notes": answers}
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", group_booking(catalogue, answers=answers))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON nested too deeply")


# --- NUL characters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [
    {"answers": {"notes": "a\u0000b"}},
    {"answers": {"no\u0000tes": "ab"}},
    {"client": {"name": "Kiss\u0000 Dóra", "email": "dora@example.hu"}},
    {"idempotency_key": "k\u0000"},
])
def test_a_nul_character_anywhere_in_a_booking_is_400_and_books_nothing(client_for, tenant_alpha, catalogue,
                                                                        in_tenant, overrides):
    response = post_json(client_for(tenant_alpha), "/api/v1/bookings/", group_booking(catalogue, **overrides))
    assert response.status_code == 400
    assert "NUL" in json.dumps(response.json())
    assert live_bookings(tenant_alpha, in_tenant) == 0


def test_a_nul_character_in_a_form_encoded_body_is_400(api_key_client, tenant_alpha, catalogue, in_tenant):
    response = api_key_client(tenant_alpha).post("/api/v1/operator/services/",
                                                 {"slug": "nul", "name_en": "a\u0000b", "kind": "group"})
    assert response.status_code == 400
    with in_tenant(tenant_alpha):
        assert not Service.objects.filter(slug="nul").exists()


def test_answers_with_a_nul_character_are_refused_by_the_service_itself(tenant_alpha, catalogue, in_tenant):
    from booking_core.errors import BookingError
    from booking_core.services.answers import answers_validate

    with in_tenant(tenant_alpha), pytest.raises(BookingError) as refused:
        answers_validate(service=catalogue["swim"], answers={"notes": "a\x00b"}, language="en")
    assert list(refused.value.fields) == ["notes"]


@pytest.mark.parametrize("query", ["client_email=a%00b", "client_email=%00"])
def test_a_nul_character_in_an_operator_filter_is_400(api_key_client, tenant_alpha, catalogue, query):
    response = api_key_client(tenant_alpha).get(f"/api/v1/operator/bookings/?{query}")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["client_email"]
