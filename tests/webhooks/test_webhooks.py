"""Outgoing webhooks, driven through the back office and the booking services, delivered to a real HTTP
receiver that verifies the Standard Webhooks signature: written in the change's transaction, retried on the
schedule with the same event id, switched off after failing again and again, signed by both secrets during a
rotation, never sent into a private network."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from allot.outbox import delivery, relay
from allot.outbox.models import OutboxMessage
from booking_core.models import Booking, WebhookDelivery, WebhookEndpoint
from booking_core.services.bookings import booking_cancel, booking_create_group
from tests.factories import OPERATOR, client_details, make_session
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "webhook-event.schema.json").read_text())


def _webhook_rows():
    return OutboxMessage.objects.filter(queue=OutboxMessage.Queue.WEBHOOK).order_by("id")


def _deliver_all(tenant, in_tenant) -> list[str]:
    outcomes = []
    with in_tenant(tenant):
        for row_id in list(_webhook_rows().filter(status__in=["pending", "failed"]).values_list("id", flat=True)):
            outcomes.append(delivery.deliver(row_id))
    connection.set_schema_to_public()
    return outcomes


def _book(tenant, in_tenant, session=None, email="lena@example.de"):
    with in_tenant(tenant):
        booking = booking_create_group(tenant=tenant, session=session or make_session(capacity=5), seats=2,
                                       client=client_details("Lena Vogel", email), actor=OPERATOR)
    connection.set_schema_to_public()
    return booking


def test_a_booking_reaches_the_endpoint_signed_and_described(receiver, add_endpoint, tenant_alpha, in_tenant):
    # given: an endpoint registered in the back office (the secret was shown once)
    endpoint_id, secret = add_endpoint(receiver)
    # when: a booking commits and its delivery runs
    booking = _book(tenant_alpha, in_tenant)
    assert _deliver_all(tenant_alpha, in_tenant) == ["sent"]
    # then: the receiver verified the signature and got the versioned event
    [received] = receiver.received
    assert received.verified
    event = received.event
    assert event["type"] == "booking.created" and event["version"] == "2026-12-01"
    assert event["id"] == received.headers["webhook-id"] and event["id"].startswith("evt_")
    assert event["organisation"] == {"slug": "alpha", "name": "Alpha Studio"}
    assert event["data"]["id"] == booking.pk and event["data"]["seats"] == 2
    assert event["data"]["client"]["email"] == "lena@example.de"
    jsonschema.validate(event, SCHEMA)
    # and the delivery log shows it
    with in_tenant(tenant_alpha):
        [logged] = WebhookDelivery.objects.filter(endpoint_id=endpoint_id)
        assert (logged.event_type, logged.response_status, logged.succeeded, logged.attempt) == (
            "booking.created", 200, True, 1)
    page = add_endpoint.owner.get(f"/office/webhooks/{endpoint_id}/")
    assert page.status_code == 200 and event["id"] in page.content.decode()
    assert secret not in page.content.decode()


def test_no_event_leaves_for_a_change_that_rolled_back(receiver, add_endpoint, tenant_alpha, in_tenant):
    add_endpoint(receiver)
    with in_tenant(tenant_alpha):
        session = make_session(capacity=5)
        with pytest.raises(RuntimeError), transaction.atomic():
            booking_create_group(tenant=tenant_alpha, session=session, seats=1, client=client_details(),
                                 actor=OPERATOR)
            raise RuntimeError("the request failed after booking")
    connection.set_schema_to_public()
    assert not _webhook_rows().exists()


def test_an_endpoint_gets_only_the_events_it_subscribes_to(receiver, add_endpoint, tenant_alpha, in_tenant):
    add_endpoint(receiver, events=["booking.cancelled"])
    booking = _book(tenant_alpha, in_tenant)
    assert not _webhook_rows().exists()
    with in_tenant(tenant_alpha):
        booking_cancel(tenant=tenant_alpha, booking=Booking.objects.get(pk=booking.pk), actor=OPERATOR,
                       reason="Ill")
    connection.set_schema_to_public()
    _deliver_all(tenant_alpha, in_tenant)
    assert [item.event["type"] for item in receiver.received] == ["booking.cancelled"]
    assert receiver.received[0].event["data"]["status"] == "cancelled"


def test_a_receiver_that_is_down_gets_the_event_later_with_the_same_id(receiver, add_endpoint, tenant_alpha,
                                                                       in_tenant):
    add_endpoint(receiver)
    receiver.status = 503
    _book(tenant_alpha, in_tenant)
    start = timezone.now()
    # when: the first attempt fails
    assert _deliver_all(tenant_alpha, in_tenant) == ["failed"]
    row = _webhook_rows().get()
    # then: it is tried again after about 5 seconds (±10% jitter)
    assert dt.timedelta(seconds=4) <= row.next_attempt_at - start <= dt.timedelta(seconds=7)
    # when: the receiver is back and the retry is due
    receiver.status = 200
    with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1)):
        assert _deliver_all(tenant_alpha, in_tenant) == ["sent"]
    # then: two attempts with one event id; the log has both
    assert len(set(receiver.event_ids())) == 1 and len(receiver.received) == 2
    with in_tenant(tenant_alpha):
        assert list(WebhookDelivery.objects.order_by("attempt").values_list("attempt", "response_status",
                                                                              "succeeded")) == [
            (1, 503, False), (2, 200, True)]


def test_the_retries_last_about_three_days_then_the_delivery_is_dead(receiver, add_endpoint, tenant_alpha,
                                                                      in_tenant, settings):
    settings.ALLOT_WEBHOOK_DISABLE_AFTER_FAILURES = 1000
    add_endpoint(receiver)
    receiver.status = 500
    _book(tenant_alpha, in_tenant)
    start = timezone.now()
    outcomes = []
    with time_machine.travel(start, tick=False) as clock:
        while (row := _webhook_rows().get()).status != "dead":
            clock.move_to(max(row.next_attempt_at, timezone.now()))
            outcomes += _deliver_all(tenant_alpha, in_tenant)
        spent = timezone.now() - start
    assert outcomes == ["failed"] * 9 + ["dead"]
    assert dt.timedelta(hours=65) <= spent <= dt.timedelta(hours=85)


def test_an_endpoint_that_keeps_failing_is_switched_off_and_the_owner_told(receiver, add_endpoint, tenant_alpha,
                                                                            in_tenant, settings):
    settings.ALLOT_WEBHOOK_DISABLE_AFTER_FAILURES = 3
    endpoint_id, _secret = add_endpoint(receiver)
    receiver.status = 500
    for n in range(4):
        _book(tenant_alpha, in_tenant, email=f"client{n}@example.com")
    outcomes = _deliver_all(tenant_alpha, in_tenant)
    # then: three failures switch it off; what was still waiting is dropped (it can be redelivered)
    assert outcomes == ["failed", "failed", "failed", "cancelled"]
    with in_tenant(tenant_alpha):
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
        assert not endpoint.is_enabled and "3 failed deliveries" in endpoint.disabled_reason
    connection.set_schema_to_public()
    mail = OutboxMessage.objects.get(event_type="webhook_endpoint_disabled")
    assert mail.recipient == "alpha_owner@example.com"
    # and new events are not written for it at all
    _book(tenant_alpha, in_tenant, email="later@example.com")
    assert _webhook_rows().count() == 4
    # when: the owner switches it back on, and delivers a missed event again by hand
    receiver.status = 200
    owner = add_endpoint.owner
    response = owner.post(f"/office/webhooks/{endpoint_id}/", {"url": receiver.url, "description": "CRM",
                                                                "is_enabled": "on"})
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        failed = WebhookDelivery.objects.filter(endpoint_id=endpoint_id).order_by("id").first()
    assert owner.post(f"/office/webhooks/{endpoint_id}/deliveries/{failed.pk}/redeliver/").status_code == 302
    _deliver_all(tenant_alpha, in_tenant)
    assert receiver.received[-1].event_id == failed.event_id and receiver.received[-1].verified


def test_during_a_rotation_both_secrets_sign_and_afterwards_only_the_new_one(receiver, add_endpoint, tenant_alpha,
                                                                            in_tenant):
    endpoint_id, old_secret = add_endpoint(receiver)
    page = add_endpoint.owner.post(f"/office/webhooks/{endpoint_id}/rotate/")
    new_secret = page.content.decode().split('id="webhook-secret">')[1].split("<")[0]
    assert new_secret != old_secret
    only_old, only_new = WebhookReceiver(secrets=[old_secret]), WebhookReceiver(secrets=[new_secret])
    _book(tenant_alpha, in_tenant)
    _deliver_all(tenant_alpha, in_tenant)
    signed = receiver.received[0]
    assert len(signed.headers["webhook-signature"].split(" ")) == 2
    for check in (only_old, only_new):
        check._record(signed.headers, signed.body)
        assert check.received[-1].verified
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        _book(tenant_alpha, in_tenant, email="next-day@example.com")
        _deliver_all(tenant_alpha, in_tenant)
        later = receiver.received[-1]
        assert len(later.headers["webhook-signature"].split(" ")) == 1
        only_old._record(later.headers, later.body)
        only_new._record(later.headers, later.body)
        assert (only_old.received[-1].verified, only_new.received[-1].verified) == (False, True)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "https://127.0.0.1/hook", "https://10.1.2.3/hook", "https://192.168.0.10/",
    "https://169.254.169.254/latest/meta-data/", "https://[::1]/hook", "https://localhost/hook",
    "https://100.64.0.1/", "https://[::ffff:127.0.0.1]/", "ftp://example.com/", "https://user:pw@8.8.8.8/",
])
def test_addresses_inside_private_networks_are_refused(add_endpoint, member_client, tenant_alpha, in_tenant,
                                                       settings, url):
    settings.ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    owner = member_client(tenant_alpha, "alpha_owner")
    response = owner.post("/office/webhooks/", {"url": url, "description": "metadata"})
    assert response.status_code == 400
    assert response.context["form"].errors["url"]
    with in_tenant(tenant_alpha):
        assert not WebhookEndpoint.objects.exists()


def test_an_address_that_turned_private_is_refused_at_delivery(receiver, add_endpoint, tenant_alpha, in_tenant,
                                                               settings):
    endpoint_id, _secret = add_endpoint(receiver)
    _book(tenant_alpha, in_tenant)
    settings.ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert _deliver_all(tenant_alpha, in_tenant) == ["failed"]
    assert receiver.received == []
    with in_tenant(tenant_alpha):
        logged = WebhookDelivery.objects.get(endpoint_id=endpoint_id)
        # (plain http is refused first: outside development only https goes out)
        assert logged.response_status is None and "internet" in logged.error


def test_a_test_event_goes_to_the_endpoint_whatever_it_subscribes_to(receiver, add_endpoint, tenant_alpha,
                                                                     in_tenant):
    endpoint_id, _secret = add_endpoint(receiver, events=["booking.cancelled"])
    assert add_endpoint.owner.post(f"/office/webhooks/{endpoint_id}/test/").status_code == 302
    _deliver_all(tenant_alpha, in_tenant)
    assert [(item.event["type"], item.verified) for item in receiver.received] == [("webhook.test", True)]


def test_a_slow_endpoint_holds_only_a_few_of_its_tenants_rows_and_no_email(receiver, add_endpoint, tenant_alpha,
                                                                           in_tenant):
    add_endpoint(receiver)
    for n in range(8):
        _book(tenant_alpha, in_tenant, email=f"many{n}@example.com")
    claimed = relay.claim(tenant_alpha.schema_name, timezone.now() + dt.timedelta(seconds=1))
    queues = [queue for _row, queue in claimed]
    assert queues.count("webhook") == relay.WEBHOOK_TENANT_INFLIGHT
    assert queues.count("transactional") == 8  # the confirmations are not held back


def test_only_owners_and_admins_manage_webhooks_and_other_tenants_ids_are_404(receiver, add_endpoint, member_client,
                                                                            tenant_alpha, tenant_beta, in_tenant):
    endpoint_id, _secret = add_endpoint(receiver)
    staff = member_client(tenant_alpha, "alpha_staff")
    assert staff.get("/office/webhooks/").status_code == 403
    assert staff.post(f"/office/webhooks/{endpoint_id}/test/").status_code == 403
    beta_owner = member_client(tenant_beta, "beta_owner")
    assert beta_owner.get(f"/office/webhooks/{endpoint_id}/").status_code == 404
    assert beta_owner.post(f"/office/webhooks/{endpoint_id}/delete/").status_code == 404
    with in_tenant(tenant_alpha):
        assert WebhookEndpoint.objects.filter(pk=endpoint_id).exists()
    assert add_endpoint.owner.post(f"/office/webhooks/{endpoint_id}/deliveries/999999/redeliver/").status_code == 404


def test_bad_input_is_refused_next_to_the_field(member_client, tenant_alpha, in_tenant):
    owner = member_client(tenant_alpha, "alpha_owner")
    response = owner.post("/office/webhooks/", {"url": "not a url", "event_types": ["booking.exploded"]})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"url", "event_types"}
    with in_tenant(tenant_alpha):
        assert not WebhookEndpoint.objects.exists()
