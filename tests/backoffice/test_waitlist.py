"""The back office's waitlist pages through HTTP: the overview of sessions and appointment days with someone
waiting, each queue ranked as offers are prepared, and the operator's decisions on it (release, release all,
skip, withdraw, an offer by hand). Refusals are messages and change nothing; another tenant's ids are 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from allot.outbox.models import OutboxMessage
from booking_core.models import Offer, Service, WaitlistEntry
from booking_core.services.bookings import booking_cancel, booking_create_individual
from tests.backoffice.clock import at
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff
from tests.waitlist.helpers import fill, join

pytestmark = pytest.mark.django_db




@pytest.fixture
def queue(tenant_alpha, in_tenant):
    """A full swimming session on the 12th (offers wait for an operator) with two clients waiting; one
    booking is cancelled, so the first in line has a prepared offer."""
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Swimming", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=2, starts_at=at(12, 10))
        first_booking, _second = fill(tenant_alpha, session, [1, 1])
        first = join(tenant_alpha, session)
        second = join(tenant_alpha, session)
        booking_cancel(tenant=tenant_alpha, booking=first_booking, actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=first)
        assert offer.status == "prepared"
    connection.set_schema_to_public()
    return {"session": session, "first": first, "second": second, "offer": offer}


def status_of(tenant, in_tenant, model, pk) -> str:
    with in_tenant(tenant):
        return model.objects.get(pk=pk).status


def offer_emails(tenant, in_tenant, entry) -> int:
    with in_tenant(tenant):
        return OutboxMessage.objects.filter(recipient=entry.client.email, event_type="waitlist.offer").count()


# --- access -----------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client_for, tenant_alpha, queue):
    for path in ("/office/waitlist/", f"/office/waitlist/session/{queue['session'].pk}/"):
        response = client_for(tenant_alpha).get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_another_organisations_session_offer_and_entry_are_404s(member_client, tenant_beta, tenant_alpha,
                                                                in_tenant, queue):
    beta = member_client(tenant_beta, "beta_owner")
    assert beta.get("/office/waitlist/").status_code == 200
    assert beta.get(f"/office/waitlist/session/{queue['session'].pk}/").status_code == 404
    assert beta.post(f"/office/waitlist/session/{queue['session'].pk}/release/").status_code == 404
    for action in ("release", "skip", "withdraw"):
        assert beta.post(f"/office/waitlist/offers/{queue['offer'].pk}/{action}/").status_code == 404
    assert beta.post(f"/office/waitlist/entries/{queue['second'].pk}/offer/").status_code == 404
    # nothing changed on alpha
    assert status_of(tenant_alpha, in_tenant, Offer, queue["offer"].pk) == "prepared"


def test_actions_need_post(owner, queue):
    assert owner.get(f"/office/waitlist/offers/{queue['offer'].pk}/release/").status_code == 405


# --- pages ------------------------------------------------------------------------------------------------


def test_the_overview_lists_the_session_with_its_counts_and_the_nav_links_here(owner, queue):
    response = owner.get("/office/waitlist/")
    assert response.status_code == 200
    (session,) = response.context["sessions"]
    assert (session.pk, session.waiting, session.prepared, session.sent) == (queue["session"].pk, 2, 1, 0)
    html = response.content.decode()
    assert f'href="/office/waitlist/session/{queue["session"].pk}/"' in html
    assert 'href="/office/waitlist/" aria-current="page"' in html
    assert " style=" not in html and "<script>" not in html


def test_the_overview_leaves_out_past_and_quiet_sessions(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Quiet")
        make_session(service, capacity=2, starts_at=at(12, 10))
    assert owner.get("/office/waitlist/").context["sessions"] == []


def test_the_overview_costs_a_fixed_number_of_queries(owner, tenant_alpha, in_tenant, queue,
                                                      django_assert_max_num_queries):
    with in_tenant(tenant_alpha):
        for hour in (11, 12, 13):
            session = make_session(queue["session"].service, capacity=1, starts_at=at(13, hour))
            fill(tenant_alpha, session, [1])
            join(tenant_alpha, session)
    connection.set_schema_to_public()
    with django_assert_max_num_queries(20):
        assert len(owner.get("/office/waitlist/").context["sessions"]) == 4


def test_the_session_queue_is_ranked_with_source_status_and_activity(owner, queue):
    response = owner.get(f"/office/waitlist/session/{queue['session'].pk}/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.ranked.position, row.entry.pk) for row in rows] == [(1, queue["first"].pk), (2, queue["second"].pk)]
    assert rows[0].open_offer.pk == queue["offer"].pk
    html = response.content.decode()
    assert queue["first"].client.name in html and "sent 0 · seen 0 · clicked 0" in html
    assert "Capacity 2: 1 booked, 1 held for offers, 0 free." in html
    assert f'action="/office/waitlist/offers/{queue["offer"].pk}/release/"' in html
    assert f'action="/office/waitlist/offers/{queue["offer"].pk}/skip/"' in html
    assert f'action="/office/waitlist/entries/{queue["second"].pk}/offer/"' in html
    assert f'action="/office/waitlist/session/{queue["session"].pk}/release/"' in html


# --- actions ----------------------------------------------------------------------------------------------


def test_releasing_sends_the_offer_email_once(owner, tenant_alpha, in_tenant, queue):
    offer = queue["offer"]
    response = owner.post(f"/office/waitlist/offers/{offer.pk}/release/", follow=True)
    assert response.redirect_chain[-1][0] == f"/office/waitlist/session/{queue['session'].pk}/"
    assert "The offer is on its way to" in response.content.decode()
    assert status_of(tenant_alpha, in_tenant, Offer, offer.pk) == "sent"
    assert offer_emails(tenant_alpha, in_tenant, queue["first"]) == 1
    # the sent offer is shown with a withdraw button, not a release one
    html = response.content.decode()
    assert f'/office/waitlist/offers/{offer.pk}/release/' not in html
    assert f'action="/office/waitlist/offers/{offer.pk}/withdraw/"' in html


def test_release_all_sends_every_prepared_offer_of_the_session(owner, tenant_alpha, in_tenant, queue):
    response = owner.post(f"/office/waitlist/session/{queue['session'].pk}/release/", follow=True)
    assert "1 offer is on its way." in response.content.decode()
    assert status_of(tenant_alpha, in_tenant, Offer, queue["offer"].pk) == "sent"
    assert offer_emails(tenant_alpha, in_tenant, queue["first"]) == 1
    # and again: nothing left to release
    again = owner.post(f"/office/waitlist/session/{queue['session'].pk}/release/", follow=True)
    assert "No offer was waiting for release." in again.content.decode()
    assert offer_emails(tenant_alpha, in_tenant, queue["first"]) == 1


def test_skipping_passes_the_place_to_the_next_candidate(owner, tenant_alpha, in_tenant, queue):
    response = owner.post(f"/office/waitlist/offers/{queue['offer'].pk}/skip/", follow=True)
    assert "is skipped for this place" in response.content.decode()
    assert status_of(tenant_alpha, in_tenant, Offer, queue["offer"].pk) == "skipped"
    assert status_of(tenant_alpha, in_tenant, WaitlistEntry, queue["first"].pk) == "waiting"
    with in_tenant(tenant_alpha):
        assert Offer.objects.get(entry=queue["second"]).status == "prepared"
    assert offer_emails(tenant_alpha, in_tenant, queue["second"]) == 0


def test_a_refused_action_is_a_message_and_changes_nothing(owner, tenant_alpha, in_tenant, queue):
    # given: the offer is skipped already
    owner.post(f"/office/waitlist/offers/{queue['offer'].pk}/skip/")
    # when: an outdated page still releases it
    response = owner.post(f"/office/waitlist/offers/{queue['offer'].pk}/release/", follow=True)
    # then
    assert response.status_code == 200
    assert "Only prepared offers can be released." in response.content.decode()
    assert status_of(tenant_alpha, in_tenant, Offer, queue["offer"].pk) == "skipped"
    assert offer_emails(tenant_alpha, in_tenant, queue["first"]) == 0


def test_withdrawing_a_sent_offer_frees_the_place_and_an_offer_by_hand_takes_it(owner, tenant_alpha, in_tenant,
                                                                                queue):
    offer, session = queue["offer"], queue["session"]
    owner.post(f"/office/waitlist/offers/{offer.pk}/release/")
    # when: withdrawn
    response = owner.post(f"/office/waitlist/offers/{offer.pk}/withdraw/", follow=True)
    assert "is withdrawn" in response.content.decode()
    assert status_of(tenant_alpha, in_tenant, Offer, offer.pk) == "withdrawn"
    assert status_of(tenant_alpha, in_tenant, WaitlistEntry, queue["first"].pk) == "waiting"
    # when: the operator offers the freed seat to the second in line by hand
    made = owner.post(f"/office/waitlist/entries/{queue['second'].pk}/offer/", {"session": session.pk}, follow=True)
    assert "A place is offered to" in made.content.decode()
    with in_tenant(tenant_alpha):
        by_hand = Offer.objects.get(entry=queue["second"])
        assert (by_hand.status, by_hand.made_by_operator, by_hand.session_id) == ("sent", True, session.pk)
    assert offer_emails(tenant_alpha, in_tenant, queue["second"]) == 1


def test_an_offer_by_hand_into_a_full_session_is_refused(owner, tenant_alpha, in_tenant, queue):
    # the only free seat is held by the prepared offer to the first in line
    response = owner.post(f"/office/waitlist/entries/{queue['second'].pk}/offer/",
                          {"session": queue["session"].pk}, follow=True)
    assert "seats are free in this session" in response.content.decode() or \
        "seat is free in this session" in response.content.decode()
    with in_tenant(tenant_alpha):
        assert not Offer.objects.filter(entry=queue["second"]).exists()


# --- an appointment day -----------------------------------------------------------------------------------


@pytest.fixture
def day_queue(tenant_alpha, in_tenant):
    """A massage on the 12th with one free hour (10:00) booked; a client waits for that day; the booking is
    cancelled, so the waiting client has a prepared offer for 10:00."""
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", duration_minutes=60,
                               offer_auto_send=Service.OfferRelease.OFF)
        anna = make_staff(massage, name="Anna", hours=((10, 11),))
        booking = booking_create_individual(tenant=tenant_alpha, service=massage, staff=anna, starts_at=at(12, 10),
                                            language="en", client=client_details("Kiss Dóra", "dora@example.hu"),
                                            actor=OPERATOR)
        entry = join(tenant_alpha, None, service=massage, date_from=dt.date(2026, 6, 12),
                     date_to=dt.date(2026, 6, 12))
        booking_cancel(tenant=tenant_alpha, booking=booking, actor=OPERATOR, reason="Ill")
        offer = Offer.objects.get(entry=entry)
    connection.set_schema_to_public()
    return {"massage": massage, "anna": anna, "entry": entry, "offer": offer}


def test_the_day_queue_is_listed_shown_and_released_all_at_once(owner, tenant_alpha, in_tenant, day_queue):
    massage = day_queue["massage"]
    overview = owner.get("/office/waitlist/")
    (day,) = overview.context["days"]
    assert (day.service.pk, day.day, day.waiting, day.prepared) == (massage.pk, dt.date(2026, 6, 12), 1, 1)
    page_url = f"/office/waitlist/service/{massage.pk}/2026-06-12/"
    assert f'href="{page_url}"' in overview.content.decode()
    page = owner.get(page_url)
    assert [row.entry.pk for row in page.context["rows"]] == [day_queue["entry"].pk]
    released = owner.post(f"{page_url}release/", follow=True)
    assert released.redirect_chain[-1][0] == page_url
    assert status_of(tenant_alpha, in_tenant, Offer, day_queue["offer"].pk) == "sent"
    assert offer_emails(tenant_alpha, in_tenant, day_queue["entry"]) == 1


def test_a_day_that_is_no_date_is_a_404(owner, day_queue):
    assert owner.get(f"/office/waitlist/service/{day_queue['massage'].pk}/2026-13-40/").status_code == 404


def test_an_offer_by_hand_on_a_day_needs_a_time_and_a_free_one(owner, tenant_alpha, in_tenant, day_queue):
    entry, offer = day_queue["entry"], day_queue["offer"]
    owner.post(f"/office/waitlist/offers/{offer.pk}/withdraw/")
    url = f"/office/waitlist/entries/{entry.pk}/offer/"
    # without a time: refused, nothing made
    missing = owner.post(url, {"staff": day_queue["anna"].pk}, follow=True)
    assert "This field is required." in missing.content.decode()
    # at a time Anna does not work: refused by the service
    taken = owner.post(url, {"staff": day_queue["anna"].pk, "time": "15:00"}, follow=True)
    assert "This time is not free." in taken.content.decode()
    with in_tenant(tenant_alpha):
        assert Offer.objects.filter(entry=entry).count() == 1
    # at the free 10:00: made and sent
    made = owner.post(url, {"staff": day_queue["anna"].pk, "time": "10:00"}, follow=True)
    assert "A place is offered to" in made.content.decode()
    with in_tenant(tenant_alpha):
        assert Offer.objects.filter(entry=entry, status="sent", made_by_operator=True).count() == 1


def test_the_session_queue_costs_the_same_queries_for_2_or_12_candidates(owner, tenant_alpha, in_tenant, queue,
                                                                       django_assert_max_num_queries):
    url = f"/office/waitlist/session/{queue['session'].pk}/"
    with django_assert_max_num_queries(20) as few:
        assert len(owner.get(url).context["rows"]) == 2
    with in_tenant(tenant_alpha):
        for _ in range(10):
            join(tenant_alpha, queue["session"])
    connection.set_schema_to_public()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(owner.get(url).context["rows"]) == 12


def test_the_audit_log_names_the_member_who_released(owner, tenant_alpha, in_tenant, queue):
    from booking_core.models import AuditEntry

    owner.post(f"/office/waitlist/offers/{queue['offer'].pk}/release/")
    with in_tenant(tenant_alpha):
        labels = set(AuditEntry.objects.filter(action__startswith="offer.").values_list("actor_label", flat=True))
    assert "alpha_owner@example.com" in labels


# --- revenue protection -------------------------------------------------------------------------------------


def test_the_figures_count_a_refilled_seat_and_its_revenue_in_the_chosen_period(owner, tenant_alpha, in_tenant,
                                                                                queue):
    from booking_core.waitlist.services.offers import offer_accept

    owner.post(f"/office/waitlist/offers/{queue['offer'].pk}/release/")
    with in_tenant(tenant_alpha):
        offer_accept(offer=Offer.objects.get(pk=queue["offer"].pk))
    connection.set_schema_to_public()
    # the default period (the last 30 days) includes today
    default = owner.get("/office/waitlist/figures/")
    assert default.status_code == 200
    assert (default.context["total"].seats_refilled, default.context["total"].offers_accepted) == (1, 1)
    from django.utils.html import escape

    from public_site.formatting import format_price
    assert escape(format_price(2500, "EUR")) in default.content.decode()
    # a period before today counts nothing
    earlier = owner.get("/office/waitlist/figures/?date_from=2026-05-01&date_to=2026-06-09")
    assert earlier.context["total"].seats_refilled == 0


def test_a_bad_period_is_refused_next_to_the_field(owner):
    response = owner.get("/office/waitlist/figures/?date_from=2026-06-10&date_to=2026-06-01")
    assert response.status_code == 400
    assert "The end date must not be before the start date." in response.content.decode()
    assert "total" not in response.context


def test_a_session_wanted_by_a_date_range_entry_is_listed_and_queued(owner, tenant_alpha, in_tenant):
    # given: a full session on the 12th, and a client waiting for any session of the service from the 11th to
    # the 13th
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Pilates", offer_auto_send=Service.OfferRelease.OFF)
        session = make_session(service, capacity=1, starts_at=at(12, 10))
        fill(tenant_alpha, session, [1])
        entry = join(tenant_alpha, None, service=service, date_from=dt.date(2026, 6, 11),
                     date_to=dt.date(2026, 6, 13))
    connection.set_schema_to_public()
    (listed,) = owner.get("/office/waitlist/").context["sessions"]
    assert (listed.pk, listed.waiting) == (session.pk, 1)
    rows = owner.get(f"/office/waitlist/session/{session.pk}/").context["rows"]
    assert [row.entry.pk for row in rows] == [entry.pk]


def test_an_offer_by_hand_without_a_session_is_refused(owner, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        service = make_service(name_en="Pilates")
        entry = join(tenant_alpha, None, service=service, date_from=dt.date(2026, 6, 11),
                     date_to=dt.date(2026, 6, 13))
    connection.set_schema_to_public()
    response = owner.post(f"/office/waitlist/entries/{entry.pk}/offer/", follow=True)
    assert "Pick the session to offer." in response.content.decode()
    with in_tenant(tenant_alpha):
        assert not Offer.objects.filter(entry=entry).exists()


def test_another_organisations_service_day_is_a_404(member_client, tenant_alpha, tenant_beta, in_tenant, day_queue):
    beta = member_client(tenant_beta, "beta_owner")
    url = f"/office/waitlist/service/{day_queue['massage'].pk}/2026-06-12/"
    assert beta.get(url).status_code == 404
    assert beta.post(f"{url}release/").status_code == 404
    assert status_of(tenant_alpha, in_tenant, Offer, day_queue["offer"].pk) == "prepared"
