"""Abuse limits on the public API: requests that book, join a waitlist or sign up count per address and per
email address on each tenant, valid or not; 429 with Retry-After and a JSON body saying when to retry; bookings
by an address that never confirmed anything are capped per hour. (The test settings switch the limits off; the
`public_rate_limits` fixture turns them on with the production defaults and freezes their clock.)"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.utils import timezone

from booking_core.models import Booking, Service
from tests.factories import make_service, make_session

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


@pytest.fixture
def swim(tenant_alpha, in_tenant):
    """A group service with a roomy session on alpha."""
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.GROUP, name_en="Swimming", max_seats_per_booking=3)
        session = make_session(service, capacity=50, starts_in_days=5)
    connection.set_schema_to_public()
    return {"service": service, "session": session}


def booking_body(swim, email="dora@example.hu", **overrides) -> dict:
    body = {"service": swim["service"].pk, "session": swim["session"].pk, "seats": 1,
            "client": {"name": "Kiss Dóra", "email": email}, "answers": {}}
    body.update(overrides)
    return body


def post_json(client, path, data, address=ADDRESS):
    return client.post(path, json.dumps(data), content_type="application/json", REMOTE_ADDR=address)


def bookings_count(tenant, in_tenant) -> int:
    with in_tenant(tenant):
        return Booking.objects.count()


def test_the_21st_booking_request_from_an_address_is_429_with_when_to_retry(client_for, tenant_alpha, swim,
                                                                              in_tenant, public_rate_limits):
    client = client_for(tenant_alpha)
    # given: 20 requests in 10 minutes from one address (ALLOT_RATE_LIMIT_BOOKINGS_PER_IP, 20/10m), invalid ones
    # (no seats, malformed JSON, an unknown service) counting as much as valid ones
    for number in range(20):
        if number % 4 == 0:
            response = client.post("/api/v1/bookings/", "{not json", content_type="application/json",
                                   REMOTE_ADDR=ADDRESS)
        elif number % 4 == 1:
            response = post_json(client, "/api/v1/bookings/", booking_body(swim, seats=0))
        elif number % 4 == 2:
            response = post_json(client, "/api/v1/bookings/", booking_body(swim, service=999999))
        else:
            response = post_json(client, "/api/v1/bookings/", booking_body(swim, email=f"c{number}@example.com"))
        assert response.status_code in (201, 400, 404), (number, response.content)
        public_rate_limits.advance(15)
    before = bookings_count(tenant_alpha, in_tenant)
    # when: the 21st, a valid booking, 5 minutes into the window
    refused = post_json(client, "/api/v1/bookings/", booking_body(swim, email="new@example.com"))
    # then
    assert refused.status_code == 429
    assert refused["Retry-After"] == "300"
    assert refused.json() == {"detail": "Too many requests. Try again in 300 seconds.", "code": "throttled",
                              "retry_after": 300}
    assert bookings_count(tenant_alpha, in_tenant) == before
    # and another address is not affected
    assert post_json(client, "/api/v1/bookings/", booking_body(swim, email="new@example.com"),
                     address="203.0.113.8").status_code == 201
    # when the window is over
    public_rate_limits.advance(300)
    # then
    assert post_json(client, "/api/v1/bookings/", booking_body(swim, email="other@example.com")).status_code == 201


def test_one_email_address_is_limited_whatever_the_address_it_comes_from(client_for, tenant_alpha, swim,
                                                                         public_rate_limits):
    client = client_for(tenant_alpha)
    # given: 10 requests for one email address within the hour (ALLOT_RATE_LIMIT_BOOKINGS_PER_EMAIL, 10/h), from
    # ten addresses, all refused as invalid (nothing booked, so only the per-request limits count)
    for number in range(10):
        response = post_json(client, "/api/v1/bookings/", booking_body(swim, email="Victim@Example.com", seats=0),
                             address=f"198.51.100.{number}")
        assert response.status_code == 400
    # when: the 11th, from yet another address, written another way
    refused = post_json(client, "/api/v1/bookings/", booking_body(swim, email=" victim@example.com"),
                        address="198.51.100.99")
    # then
    assert refused.status_code == 429 and refused.json()["retry_after"] == 3600
    # and the same address, joining a waitlist, shares the count: mail to it is what is limited
    refused = post_json(client, "/api/v1/waitlist/", {"service": swim["service"].pk, "seats": 1, "answers": {},
                                                      "client": {"name": "V", "email": "victim@example.com"}},
                        address="198.51.100.98")
    assert refused.status_code == 429


def test_limits_are_per_tenant(client_for, tenant_alpha, tenant_beta, swim, in_tenant, public_rate_limits):
    # given: an address that used up its requests on alpha
    public_rate_limits.set(bookings_per_ip="2/10m")
    alpha = client_for(tenant_alpha)
    for _ in range(2):
        post_json(alpha, "/api/v1/bookings/", booking_body(swim, seats=0))
    assert post_json(alpha, "/api/v1/bookings/", booking_body(swim, seats=0)).status_code == 429
    # when: the same address on beta
    with in_tenant(tenant_beta):
        beta_swim = {"service": make_service(Service.Kind.GROUP, max_seats_per_booking=3)}
        beta_swim["session"] = make_session(beta_swim["service"], capacity=10)
    connection.set_schema_to_public()
    response = post_json(client_for(tenant_beta), "/api/v1/bookings/", booking_body(beta_swim))
    # then
    assert response.status_code == 201


def test_an_address_that_never_confirmed_anything_gets_three_bookings_an_hour(client_for, tenant_alpha, swim,
                                                                              in_tenant, public_rate_limits):
    client = client_for(tenant_alpha)
    # given: three bookings in an hour by an address new to alpha (ALLOT_RATE_LIMIT_UNCONFIRMED_EMAIL, 3/h)
    for number in range(3):
        assert post_json(client, "/api/v1/bookings/", booking_body(swim, email="fresh@example.com"),
                         address=f"198.51.100.{number}").status_code == 201
        public_rate_limits.advance(60)
    # when: a fourth
    refused = post_json(client, "/api/v1/bookings/", booking_body(swim, email="fresh@example.com"),
                        address="198.51.100.50")
    # then: refused until the hour is over; nothing booked
    assert refused.status_code == 429 and refused["Retry-After"] == str(3600 - 180)
    assert bookings_count(tenant_alpha, in_tenant) == 3
    # when the client confirms one booking ("I am coming", from the emailed link)
    with in_tenant(tenant_alpha):
        Booking.objects.filter(client__email="fresh@example.com").update(client_confirmed_at=timezone.now())
    # then the cap no longer applies to them
    assert post_json(client, "/api/v1/bookings/", booking_body(swim, email="FRESH@example.com"),
                     address="198.51.100.51").status_code == 201


def test_refused_bookings_do_not_use_up_the_cap_of_unconfirmed_addresses(client_for, tenant_alpha, swim,
                                                                         public_rate_limits):
    client = client_for(tenant_alpha)
    for _ in range(5):
        assert post_json(client, "/api/v1/bookings/", booking_body(swim, email="fresh@example.com", seats=9),
                         ).status_code == 400
    for _ in range(3):
        assert post_json(client, "/api/v1/bookings/", booking_body(swim, email="fresh@example.com")).status_code == 201


def test_waitlist_joins_and_programme_sign_ups_count_with_bookings(client_for, tenant_alpha, swim,
                                                                   public_rate_limits):
    client = client_for(tenant_alpha)
    public_rate_limits.set(bookings_per_ip="3/10m")
    assert post_json(client, "/api/v1/bookings/", booking_body(swim, seats=0)).status_code == 400
    assert post_json(client, "/api/v1/waitlist/", {"service": swim["service"].pk}).status_code == 400
    assert post_json(client, "/api/v1/programmes/999999/signups/", {}).status_code == 404
    for path in ("/api/v1/bookings/", "/api/v1/waitlist/", "/api/v1/programmes/999999/signups/"):
        refused = post_json(client, path, {})
        assert (refused.status_code, refused["Retry-After"]) == (429, "600"), path


def test_actions_behind_emailed_links_are_limited_per_address(client_for, tenant_alpha, swim, public_rate_limits):
    client = client_for(tenant_alpha)
    public_rate_limits.set(manage_per_ip="2/10m")
    token = "x" * 32
    assert post_json(client, f"/api/v1/bookings/manage/{token}/cancel/", {}).status_code == 404
    assert post_json(client, f"/api/v1/offers/{token}/accept/", {}).status_code == 404
    for path in (f"/api/v1/bookings/manage/{token}/reschedule/", f"/api/v1/waitlist/{token}/leave/",
                 f"/api/v1/offers/{token}/decline/", f"/api/v1/programmes/signups/{token}/withdraw/",
                 f"/api/v1/programmes/offers/{token}/accept/", f"/api/v1/programmes/offers/{token}/decline/"):
        assert post_json(client, path, {}).status_code == 429, path
    # reading a booking by its link is not limited
    assert client.get(f"/api/v1/bookings/manage/{token}/", REMOTE_ADDR=ADDRESS).status_code == 404


def test_switched_off_nothing_is_limited(client_for, tenant_alpha, swim, public_rate_limits, settings):
    settings.ALLOT_PUBLIC_RATE_LIMITS = {}  # what ALLOT_RATE_LIMITS_ENABLED=0 gives
    client = client_for(tenant_alpha)
    statuses = {post_json(client, "/api/v1/bookings/", booking_body(swim, email="same@example.com")).status_code
                for _ in range(25)}
    assert statuses == {201}


def test_what_counts_as_an_address_that_confirmed_something(tenant_alpha, tenant_beta, swim, in_tenant):
    from booking_core.programmes.models import PlaceOffer
    from booking_core.public_limits import email_has_confirmed
    from booking_core.services.bookings import booking_create_group
    from tests.factories import OPERATOR, client_details
    from tests.programmes.factories import make_group, make_programme, one, person

    def booked(email, **changes):
        booking = booking_create_group(tenant=tenant_alpha, session=swim["session"], seats=1,
                                       client=client_details(email=email), answers={}, actor=OPERATOR)
        Booking.objects.filter(pk=booking.pk).update(**changes)

    with in_tenant(tenant_alpha):
        # given
        booked("plain@example.com")  # booked, by staff or by anyone: proves nothing about the address
        booked("coming@example.com", client_confirmed_at=timezone.now())  # "I am coming", from the emailed link
        booked("came@example.com", status=Booking.Status.ATTENDED)
        booked("offered@example.com", source=Booking.Source.WAITLIST)  # an offer taken by its emailed link
        programme = make_programme()
        group = make_group(programme)
        signup = one(tenant_alpha, programme, who=person(email="placed@example.com"))
        offer = PlaceOffer.objects.create(programme=programme, group=group, status=PlaceOffer.Status.ACCEPTED,
                                          prepared_at=timezone.now())
        signup.offer = offer
        signup.save(update_fields=["offer"])
        # then
        assert not email_has_confirmed("plain@example.com")
        assert not email_has_confirmed("nobody@example.com")
        assert email_has_confirmed("Coming@Example.com")
        assert email_has_confirmed("came@example.com")
        assert email_has_confirmed("offered@example.com")
        assert email_has_confirmed("placed@example.com")
    # and on another tenant, the same address is new
    with in_tenant(tenant_beta):
        assert not email_has_confirmed("coming@example.com")


def test_the_api_description_documents_the_429_where_limits_apply(client_for, tenant_alpha):
    schema = client_for(tenant_alpha).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    limited = {path for path, operations in schema["paths"].items()
               if "429" in operations.get("post", {}).get("responses", {})}
    assert limited == {
        "/api/v1/bookings/", "/api/v1/bookings/manage/{token}/cancel/", "/api/v1/bookings/manage/{token}/reschedule/",
        "/api/v1/waitlist/", "/api/v1/waitlist/{token}/leave/", "/api/v1/offers/{token}/accept/",
        "/api/v1/offers/{token}/decline/", "/api/v1/programmes/{programme_id}/signups/",
        "/api/v1/programmes/signups/{token}/withdraw/", "/api/v1/programmes/offers/{token}/accept/",
        "/api/v1/programmes/offers/{token}/decline/",
    }
    too_many = schema["paths"]["/api/v1/bookings/"]["post"]["responses"]["429"]
    assert set(too_many["content"]["application/json"]["schema"]["properties"]) == {"detail", "code", "retry_after"}
    assert "Retry-After" in too_many["headers"]
