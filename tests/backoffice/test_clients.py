"""The back office's clients: the list with search, a client's page with their bookings, waitlist entries and
programme sign-ups, and merging a duplicate into a client (one transaction, one audit entry, never across
tenants, never with themselves)."""

from __future__ import annotations

import pytest
from django.db import connection

from booking_core.acting import Actor
from booking_core.models import AuditEntry, Booking, Client, Session, WaitlistEntry
from booking_core.programmes.models import SignUp
from booking_core.services.bookings import booking_create_group
from booking_core.waitlist.services.entries import waitlist_join
from tests.backoffice.clock import at
from tests.factories import OPERATOR, client_details, make_service, make_session
from tests.waitlist.helpers import fill

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant_alpha, in_tenant):
    """Dóra twice (dora@ with a yoga booking and a waitlist entry for a full session, d.kiss@ with a pilates
    booking and a programme sign-up), and Péter with a booking."""
    from tests.programmes.factories import make_group, make_programme, person, sign_up

    with in_tenant(tenant_alpha):
        yoga = make_session(make_service(name_en="Yoga"), capacity=5, starts_at=at(12, 18))
        pilates = make_session(make_service(name_en="Pilates"), capacity=5, starts_at=at(13, 9))
        full = make_session(make_service(name_en="Spinning"), capacity=1, starts_at=at(14, 9))
        fill(tenant_alpha, full, [1])
        dora_yoga = booking_create_group(tenant=tenant_alpha, session=yoga, seats=1,
                                         client=client_details("Kiss Dóra", "dora@example.com"), actor=OPERATOR)
        dora_twice = booking_create_group(tenant=tenant_alpha, session=pilates, seats=1,
                                          client=client_details("Dóra Kiss", "d.kiss@example.com"), actor=OPERATOR)
        peter = booking_create_group(tenant=tenant_alpha, session=yoga, seats=1,
                                     client=client_details("Nagy Péter", "peter@example.com"), actor=OPERATOR)
        dora = Client.objects.get(email="dora@example.com")
        duplicate = Client.objects.get(email="d.kiss@example.com")
        entry = waitlist_join(tenant=tenant_alpha, service=full.service, session=Session.objects.get(pk=full.pk),
                              seats=1, client=client_details("Kiss Dóra", "dora@example.com"),
                              actor=Actor.client("dora@example.com"))
        programme = make_programme()
        make_group(programme, capacity=5)
        signups = sign_up(tenant_alpha, programme, who=person("Dóra Kiss", "d.kiss@example.com"))
    connection.set_schema_to_public()
    return {"dora": dora, "duplicate": duplicate, "dora_yoga": dora_yoga, "dora_twice": dora_twice, "peter": peter,
            "entry": entry, "signups": signups}


def test_the_list_searches_name_email_and_phone(owner, people):
    response = owner.get("/office/clients/")
    assert response.status_code == 200
    names = [client.name for client in response.context["page"].object_list]
    assert {"Kiss Dóra", "Dóra Kiss", "Nagy Péter"} <= set(names)
    found = owner.get("/office/clients/", {"q": "kiss dóra"})
    assert [c.email for c in found.context["page"].object_list] == ["dora@example.com"]
    assert [c.email for c in owner.get("/office/clients/", {"q": "D.KISS"}).context["page"].object_list] == [
        "d.kiss@example.com"]
    assert [c.email for c in owner.get("/office/clients/", {"q": "PETER@"}).context["page"].object_list] == [
        "peter@example.com"]
    assert f'href="/office/clients/{people["dora"].pk}/"' in found.content.decode()


def test_a_long_search_is_refused_next_to_the_field(owner, people):
    response = owner.get("/office/clients/", {"q": "x" * 201})
    assert response.status_code == 400 and "q" in response.context["form"].errors
    assert "field--error" in response.content.decode()


def test_a_clients_page_shows_their_bookings_waitlist_entries_and_signups(owner, people):
    response = owner.get(f"/office/clients/{people['duplicate'].pk}/")
    assert response.status_code == 200
    assert [b.pk for b in response.context["bookings"]] == [people["dora_twice"].pk]
    assert len(response.context["signups"]) == 1
    html = response.content.decode()
    assert f'href="/office/bookings/{people["dora_twice"].pk}/"' in html and "d.kiss@example.com" in html
    dora = owner.get(f"/office/clients/{people['dora'].pk}/")
    assert [e.pk for e in dora.context["waitlist_entries"]] == [people["entry"].pk]
    # a booking's page links to its client
    booking_page = owner.get(f"/office/bookings/{people['dora_yoga'].pk}/").content.decode()
    assert f'href="/office/clients/{people["dora"].pk}/"' in booking_page


def test_merging_moves_everything_to_the_kept_client_in_one_audited_step(owner, people, tenant_alpha, in_tenant):
    dora, duplicate = people["dora"], people["duplicate"]
    response = owner.post(f"/office/clients/{dora.pk}/merge/", {"duplicate": duplicate.pk, "confirm": "on"},
                          follow=True)
    assert response.status_code == 200
    assert "is merged into" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert not Client.objects.filter(pk=duplicate.pk).exists()
        assert Booking.objects.get(pk=people["dora_twice"].pk).client_id == dora.pk
        assert SignUp.objects.filter(client=dora).count() == 1
        assert WaitlistEntry.objects.get(pk=people["entry"].pk).client_id == dora.pk
        entry = AuditEntry.objects.get(object_type="client", object_id=dora.pk, action="client.merged")
        assert entry.before["merged"]["email"] == "d.kiss@example.com"
        assert entry.after["moved"]["booking_core.booking"] == 1
        assert entry.actor_label == "alpha_owner@example.com"
        assert Booking.objects.get(pk=people["peter"].pk).client.email == "peter@example.com"
    page = owner.get(f"/office/clients/{dora.pk}/")
    assert sorted(b.pk for b in page.context["bookings"]) == sorted([people["dora_yoga"].pk, people["dora_twice"].pk])


def test_merging_a_client_with_themselves_or_without_confirmation_changes_nothing(owner, people, tenant_alpha,
                                                                                   in_tenant):
    dora = people["dora"]
    itself = owner.post(f"/office/clients/{dora.pk}/merge/", {"duplicate": dora.pk, "confirm": "on"})
    assert itself.status_code == 400 and "duplicate" in itself.context["merge_form"].errors
    unconfirmed = owner.post(f"/office/clients/{dora.pk}/merge/", {"duplicate": people["duplicate"].pk})
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.context["merge_form"].errors
    nonsense = owner.post(f"/office/clients/{dora.pk}/merge/", {"duplicate": "abc", "confirm": "on"})
    assert nonsense.status_code == 400 and "field--error" in nonsense.content.decode()
    with in_tenant(tenant_alpha):
        assert Client.objects.filter(pk__in=[dora.pk, people["duplicate"].pk]).count() == 2
        assert not AuditEntry.objects.filter(action="client.merged").exists()


def test_another_tenants_client_is_a_404_and_cannot_be_merged(owner, member_client, people, tenant_beta, in_tenant,
                                                              tenant_alpha):
    with in_tenant(tenant_beta):
        session = make_session(make_service(name_en="Schwimmen"), capacity=3, starts_at=at(12, 10))
        booking_create_group(tenant=tenant_beta, session=session, seats=1,
                             client=client_details("Beta Client", "beta@example.com"), actor=OPERATOR)
        beta_client = Client.objects.get(email="beta@example.com")
    connection.set_schema_to_public()
    unknown = max(beta_client.pk, people["peter"].client_id) + 1000
    assert owner.get(f"/office/clients/{unknown}/").status_code == 404
    assert owner.post(f"/office/clients/{unknown}/merge/", {"duplicate": people["dora"].pk,
                                                            "confirm": "on"}).status_code == 404
    refused = owner.post(f"/office/clients/{people['dora'].pk}/merge/", {"duplicate": unknown, "confirm": "on"})
    assert refused.status_code == 400 and "duplicate" in refused.context["merge_form"].errors
    beta_page = owner.get(f"/office/clients/{beta_client.pk}/")
    assert beta_page.status_code == 404 or "Beta Client" not in beta_page.content.decode()
    with in_tenant(tenant_beta):
        assert Client.objects.filter(pk=beta_client.pk).exists()
    with in_tenant(tenant_alpha):
        assert Client.objects.filter(pk=people["dora"].pk).exists()
