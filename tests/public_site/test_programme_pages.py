"""Programmes on the booking site: the home page's third section, a programme's page, the sign-up form, the
participant's status page and the place-offer page (the links in the programme emails)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking_core.acting import Actor
from booking_core.programmes.models import PlaceOffer, Programme, SignUp
from booking_core.programmes.services.signups import signup_withdraw
from tests.conftest import real_queries
from tests.programmes.factories import make_group, make_programme, one
from tests.public_site.conftest import text_of

# Their programmes run in December 2026 (tests/programmes/factories.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("programmes_month_clock")]


@pytest.fixture
def swimming(tenant_alpha, in_tenant):
    """Alpha's open programme for December 2026 (immediate, fast fill): Mondays 17:00 (1 place, taken) and
    Wednesdays 17:00 (3 places); a required question; a draft and a closed programme besides."""
    with in_tenant(tenant_alpha):
        programme = make_programme(slug="swimming-december", name_en="Swimming in December",
                                   name_hu="Decemberi úszás", name_de="Schwimmen im Dezember",
                                   description_en="Weekly lessons for children.", price_amount=12000,
                                   offer_validity_hours=24)
        monday = make_group(programme, 1, name_en="Mondays", location="Pool A")
        wednesday = make_group(programme, 3, weekday=2, location="Pool B")
        programme.form_fields.create(key="age", field_type="number", label_en="Age", label_hu="Életkor",
                                     label_de="Alter", required=True)
        taken = one(tenant_alpha, programme, [monday.pk], answers={"age": 8})
        make_programme(slug="draft", is_published=False)
        make_programme(slug="closed", open_now=False)
    connection.set_schema_to_public()
    return {"programme": programme, "monday": monday, "wednesday": wednesday, "taken": taken}


def signup_form(**overrides) -> dict:
    data = {"name": "Kiss Dóra", "email": "dora@example.hu", "phone": "", "attendee_1": "Anna",
            "keep_together": "on", "preference_mode": "any", "answer_age": "7", "language": "en"}
    data.update(overrides)
    return data


def signups_of(tenant, in_tenant, email="dora@example.hu") -> list[SignUp]:
    with in_tenant(tenant):
        return list(SignUp.objects.filter(client__email=email).select_related("group").order_by("id"))


def state(tenant, in_tenant) -> tuple:
    with in_tenant(tenant):
        return (sorted(SignUp.objects.values_list("id", "status", "group_id", "offer_id")),
                sorted(PlaceOffer.objects.values_list("id", "status")),
                sorted(Programme.objects.values_list("slug", "groups__places_taken"), key=str))


SIGNUP = "/p/swimming-december/signup/"


# --- home and programme pages -------------------------------------------------------------------------------


def test_home_lists_open_programmes_in_a_section_of_their_own(client_for, tenant_alpha, site, swimming):
    # when
    response = client_for(tenant_alpha).get("/?lang=en")
    # then: after appointments and group sessions; drafts and closed programmes are not there
    html = response.content.decode()
    programmes = html.split('id="programme-heading"')[1]
    assert 'id="group-heading"' in html.split('id="programme-heading"')[0]
    assert re.findall(r'data-programme="([\w-]+)"', html) == ["swimming-december"]
    assert 'data-service="swimming"' not in programmes
    card = text_of(response).split("Programmes", 1)[1]
    assert "Swimming in December Weekly lessons for children. Price: €120 per participant" in card
    assert "Period: Dec. 1, 2026 to Dec. 31, 2026" in card
    assert 'href="/p/swimming-december/?lang=en"' in programmes


def test_home_shows_programmes_even_when_nothing_else_can_be_booked(client_for, tenant_alpha, swimming):
    text = text_of(client_for(tenant_alpha).get("/?lang=en"))
    assert "Nothing can be booked online at the moment." not in text
    assert "Swimming in December" in text


def test_the_programme_page_shows_groups_sessions_places_window_and_how_places_are_given(client_for, tenant_alpha,
                                                                                          swimming):
    # when
    response = client_for(tenant_alpha).get("/p/swimming-december/?lang=en")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    monday, wednesday = swimming["monday"], swimming["wednesday"]
    assert re.findall(r'data-group="(\d+)" data-state="(\w+)"', html) == [(str(monday.pk), "full"),
                                                                          (str(wednesday.pk), "open")]
    monday_card = text.split("Mondays", 1)[1].split("Wednesday 5 p.m.")[0]
    assert "Weekly: Monday, 5 p.m. · 1 hour" in monday_card and "Pool A" in monday_card
    assert "Full: new sign-ups join the waitlist" in monday_card and "4 sessions" in monday_card
    assert "3 places left" in text and "5 sessions" in text
    assert "Mon, Dec. 7, 2026, 5 p.m.–6 p.m." in text  # the sessions, in the tenant's zone
    assert "Times are shown in Europe/Budapest time." in text
    assert 'data-window="open"' in html and "Sign-up is open until" in text
    assert 'href="/p/swimming-december/signup/?lang=en"' in html
    assert ("Groups are filled one after another: each participant gets a place in the first group, in their "
            "order of preference, that still has room.") in text
    assert "Places are given out as soon as you sign up." in text


def test_a_batch_programme_explains_its_lottery_and_shows_sizes_not_places_left(client_for, tenant_alpha,
                                                                                in_tenant):
    with in_tenant(tenant_alpha):
        programme = make_programme(slug="camp", allocation_mode=Programme.AllocationMode.BATCH,
                                   order_mode=Programme.OrderMode.LOTTERY, strategy=Programme.Strategy.BALANCED,
                                   returning_priority_enabled=True)
        make_group(programme, 6)
    connection.set_schema_to_public()
    response = client_for(tenant_alpha).get("/p/camp/?lang=en")
    text = text_of(response)
    assert 'data-state="allocated_at_close"' in response.content.decode()
    assert "6 places, given out when sign-up closes" in text
    assert "Groups are kept evenly filled" in text
    assert "in an order drawn by lot, so signing up early gives no advantage" in text
    assert "Participants of the previous period are served first." in text


def test_the_window_says_when_it_opens_or_that_it_closed(client_for, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        soon = make_programme(slug="soon", signup_opens_at=timezone.now() + dt.timedelta(days=2))
        make_group(soon)
        make_group(make_programme(slug="over", open_now=False))
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    soon_page, over_page = client.get("/p/soon/?lang=en"), client.get("/p/over/?lang=en")
    assert 'data-window="not_open_yet"' in soon_page.content.decode() and "Sign-up opens on" in text_of(soon_page)
    assert 'data-window="closed"' in over_page.content.decode() and "Sign-up closed on" in text_of(over_page)
    for page in (soon_page, over_page):
        assert "/signup/" not in page.content.decode()
    assert client.get("/p/over/signup/?lang=en")["Location"] == "/p/over/?lang=en"


def test_drafts_unknown_and_other_tenants_programmes_are_404(client_for, tenant_alpha, tenant_beta, swimming):
    assert client_for(tenant_alpha).get("/p/draft/").status_code == 404
    assert client_for(tenant_alpha).get("/p/no-such-programme/").status_code == 404
    assert client_for(tenant_beta).get("/p/swimming-december/").status_code == 404
    assert client_for(tenant_beta).get(SIGNUP).status_code == 404


def test_the_programme_page_speaks_hungarian(client_for, tenant_alpha, swimming):
    response = client_for(tenant_alpha).get("/p/swimming-december/?lang=hu")
    text = text_of(response)
    assert "Decemberi úszás" in text and "120\u00a0€" in text
    assert "Mon, Dec. 7" not in text and "hétfő" in text  # dates in Hungarian
    assert "Jelentkezés" in text


# --- signing up ---------------------------------------------------------------------------------------------------


def test_the_sign_up_form_asks_for_everything_the_programme_needs(client_for, tenant_alpha, swimming):
    html = client_for(tenant_alpha).get(f"{SIGNUP}?lang=en").content.decode()
    for name in ("name", "email", "phone", "attendee_1", "attendee_6", "keep_together", "preference_mode",
                 "choice_1", "choice_2", "answer_age", "language"):
        assert f'name="{name}"' in html, name
    assert 'name="choice_3"' not in html  # two groups, two ranks
    choice_1 = html.split('name="choice_1"')[1].split("</select>")[0]
    assert re.findall(r'<option value="(\d*)"', choice_1) == ["", str(swimming["monday"].pk),
                                                                str(swimming["wednesday"].pk)]


def test_signing_up_one_person_for_any_group_places_them_at_once(client_for, tenant_alpha, swimming, in_tenant):
    client = client_for(tenant_alpha)
    # when
    response = client.post(f"{SIGNUP}?lang=en", signup_form(attendee_1="", language="de"))
    # then: the contact takes part; Monday is full, so Wednesday; the emails in German
    [signup] = signups_of(tenant_alpha, in_tenant)
    assert response.status_code == 302
    assert response["Location"] == f"/programmes/signups/{signup.token}/?done=signed_up&lang=en"
    assert (signup.attendee_name, signup.status, signup.group_id, signup.preferences, signup.language) == (
        "", "allocated", swimming["wednesday"].pk, [], "de")
    assert [(answer["key"], answer["value"]) for answer in signup.answers] == [("age", "7")]
    page = client.get(response["Location"])
    text = text_of(page)
    assert "Thank you for signing up!" in text
    assert 'data-status="allocated"' in page.content.decode()
    assert "Kiss Dóra has a place in the group “Wednesday 5 p.m.”." in text
    assert "5 sessions" in text and "Wed, Dec. 2, 2026, 5 p.m.–6 p.m." in text


def test_a_household_signs_up_together_with_ranked_groups(client_for, tenant_alpha, swimming, in_tenant):
    client = client_for(tenant_alpha)
    wednesday, monday = swimming["wednesday"].pk, swimming["monday"].pk
    # when: two children, Wednesday first, then Monday, together
    response = client.post(f"{SIGNUP}?lang=en", signup_form(
        attendee_2="Ben", preference_mode="ranked", choice_1=str(wednesday), choice_2=str(monday)))
    # then
    anna, ben = signups_of(tenant_alpha, in_tenant)
    assert response.status_code == 302
    assert [(s.attendee_name, s.status, s.group_id, s.preferences) for s in (anna, ben)] == [
        ("Anna", "allocated", wednesday, [wednesday, monday]), ("Ben", "allocated", wednesday, [wednesday, monday])]
    assert anna.household_key and anna.household_key == ben.household_key
    page = client.get(response["Location"])
    together = page.content.decode().split('id="together-heading"')[1]
    assert f'href="/programmes/signups/{ben.token}/?lang=en">Ben</a>' in together
    assert 'data-status="allocated"' in together


def test_a_full_group_puts_the_sign_up_on_the_waitlist_with_its_position(client_for, tenant_alpha, swimming,
                                                                        in_tenant):
    client = client_for(tenant_alpha)
    monday = swimming["monday"]
    # when: Monday only, which is full
    response = client.post(f"{SIGNUP}?lang=en", signup_form(preference_mode="ranked", choice_1=str(monday.pk)))
    # then
    [signup] = signups_of(tenant_alpha, in_tenant)
    assert signup.status == "waitlisted"
    page = client.get(response["Location"])
    html, text = page.content.decode(), text_of(page)
    assert 'data-status="waitlisted"' in html and 'data-waitlist-position="1"' in html
    assert "Waiting for a place in: Mondays" in text
    assert "Every group you can attend is full." in text
    assert f'action="/programmes/signups/{signup.token}/withdraw/?lang=en"' in html


def test_missing_or_refused_details_are_shown_next_to_their_fields(client_for, tenant_alpha, swimming, in_tenant):
    client = client_for(tenant_alpha)
    wednesday = str(swimming["wednesday"].pk)
    # when: no age; ranked but no group; then a group twice; then the same name twice
    missing = client.post(f"{SIGNUP}?lang=en", signup_form(answer_age="", preference_mode="ranked"))
    twice = client.post(f"{SIGNUP}?lang=en", signup_form(preference_mode="ranked", choice_1=wednesday,
                                                        choice_2=wednesday))
    same_name = client.post(f"{SIGNUP}?lang=en", signup_form(attendee_2="anna"))
    # then
    html = missing.content.decode()
    assert missing.status_code == 200
    assert re.search(r'id="id_answer_age_error"[^>]*>\s*<li>This field is required.</li>', html)
    assert re.search(r'id="id_choice_1_error"[^>]*>\s*<li>Choose at least one group, or pick', html)
    assert re.search(r'id="id_choice_2_error"[^>]*>\s*<li>You chose this group already.</li>',
                     twice.content.decode())
    assert same_name.status_code == 400
    assert re.search(r'id="id_attendee_1_error"[^>]*>\s*<li>Duplicate name.</li>', same_name.content.decode())
    assert "Everyone you sign up needs a different name." in text_of(same_name)
    assert signups_of(tenant_alpha, in_tenant) == []


def test_a_double_submit_signs_up_once_and_says_so_kindly(client_for, tenant_alpha, swimming, in_tenant):
    client = client_for(tenant_alpha)
    first = client.post(f"{SIGNUP}?lang=en", signup_form())
    second = client.post(f"{SIGNUP}?lang=en", signup_form())
    assert first.status_code == 302
    assert second.status_code == 409
    assert 'data-refusal="already_signed_up"' in second.content.decode()
    assert "Already signed up for this programme: Anna." in text_of(second)
    assert len(signups_of(tenant_alpha, in_tenant)) == 1


def test_a_sign_up_after_the_window_closed_is_refused_plainly(client_for, tenant_alpha, swimming, in_tenant):
    client = client_for(tenant_alpha)
    assert client.get(f"{SIGNUP}?lang=en").status_code == 200
    with in_tenant(tenant_alpha):
        Programme.objects.filter(slug="swimming-december").update(signup_closes_at=timezone.now())
    connection.set_schema_to_public()
    before = state(tenant_alpha, in_tenant)
    response = client.post(f"{SIGNUP}?lang=en", signup_form())
    assert response.status_code == 409
    assert "Sign-up has closed." in text_of(response)
    assert state(tenant_alpha, in_tenant) == before


def test_the_sign_up_form_speaks_german(client_for, tenant_alpha, swimming):
    text = text_of(client_for(tenant_alpha).get(f"{SIGNUP}?lang=de"))
    assert "Schwimmen im Dezember" in text and "Alter" in text
    assert "Anmelden" in text
    assert "Wer nimmt teil?" in text


# --- the status page and withdrawing -------------------------------------------------------------------------------


def test_the_status_page_speaks_the_sign_ups_language(client_for, tenant_alpha, swimming, in_tenant):
    with in_tenant(tenant_alpha):
        signup = one(tenant_alpha, Programme.objects.get(slug="swimming-december"), answers={"age": 9}, language="hu")
    connection.set_schema_to_public()
    response = client_for(tenant_alpha).get(f"/programmes/signups/{signup.token}/")
    assert '<html lang="hu">' in response.content.decode()
    text = text_of(response)
    assert "Decemberi úszás" in text
    assert "A jelentkezésed" in text


def test_a_pending_sign_up_says_when_places_are_given_out(client_for, tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        programme = make_programme(slug="batch", allocation_mode=Programme.AllocationMode.BATCH)
        make_group(programme)
        signup = one(tenant_alpha, programme)
    connection.set_schema_to_public()
    response = client_for(tenant_alpha).get(f"/programmes/signups/{signup.token}/?lang=en")
    assert 'data-status="pending"' in response.content.decode()
    assert "Places are given out when sign-up closes (" in text_of(response)
    assert "Places are allocated when the sign-up window closes." in text_of(response)  # the rule's explanation


def test_withdrawing_frees_the_place_for_the_next_one_waiting(client_for, tenant_alpha, swimming, in_tenant):
    client = client_for(tenant_alpha)
    monday = swimming["monday"]
    client.post(f"{SIGNUP}?lang=en", signup_form(preference_mode="ranked", choice_1=str(monday.pk)))
    [waiting] = signups_of(tenant_alpha, in_tenant)
    taken = swimming["taken"]
    # when: a GET of the withdraw address changes nothing; the POST withdraws, a second one too
    assert client.get(f"/programmes/signups/{taken.token}/withdraw/").status_code == 302
    assert signups_of(tenant_alpha, in_tenant, taken.client.email)[0].status == "allocated"
    response = client.post(f"/programmes/signups/{taken.token}/withdraw/?lang=en")
    again = client.post(f"/programmes/signups/{taken.token}/withdraw/?lang=en")
    # then
    assert response.status_code == again.status_code == 302
    assert response["Location"] == f"/programmes/signups/{taken.token}/?done=withdrawn&lang=en"
    page = client.get(response["Location"])
    assert "The sign-up is withdrawn." in text_of(page) and 'data-status="withdrawn"' in page.content.decode()
    assert "Withdraw this sign-up" not in text_of(page)
    # and the one waiting for Monday is offered the place, linked from their status page
    with in_tenant(tenant_alpha):
        offer = PlaceOffer.objects.get(signups=waiting)
    waiting_page = client.get(f"/programmes/signups/{waiting.token}/?lang=en")
    assert "A place is free for you!" in text_of(waiting_page)
    assert f'href="/programmes/offers/{offer.token}/?lang=en"' in waiting_page.content.decode()


# --- place offers ------------------------------------------------------------------------------------------------


@pytest.fixture
def place_offer(tenant_alpha, swimming, in_tenant):
    """Monday's place offered to a German participant waiting for it."""
    with in_tenant(tenant_alpha):
        programme = Programme.objects.get(slug="swimming-december")
        waiting = one(tenant_alpha, programme, [swimming["monday"].pk], answers={"age": 6}, language="de",
                      attendees=["Lena"])
        signup_withdraw(tenant=tenant_alpha, signup=swimming["taken"], actor=Actor.client("x@example.com"))
        offer = PlaceOffer.objects.get(signups=waiting)
    connection.set_schema_to_public()
    assert offer.status == "sent"
    return offer, waiting


def test_the_offer_page_shows_the_place_and_the_deadline(client_for, tenant_alpha, place_offer):
    offer, waiting = place_offer
    response = client_for(tenant_alpha).get(f"/programmes/offers/{offer.token}/")
    html, text = response.content.decode(), text_of(response)
    assert '<html lang="de">' in html
    assert "Schwimmen im Dezember" in text and "Mondays" in text and "Pool A" in text and "Lena" in text
    assert f'data-expires-at="{offer.expires_at.astimezone(tenant_alpha.zone).isoformat()}"' in html
    assert "(Europe/Budapest)" in text
    assert f'action="/programmes/offers/{offer.token}/accept/?lang=de"' in html
    assert f'action="/programmes/offers/{offer.token}/decline/?lang=de"' in html
    assert "Ein Platz für Sie" in text


def test_accepting_the_place_allocates_it_once(client_for, tenant_alpha, swimming, place_offer, in_tenant):
    offer, waiting = place_offer
    client = client_for(tenant_alpha)
    # when: a GET first (mail scanners), then two clicks
    assert client.get(f"/programmes/offers/{offer.token}/accept/").status_code == 302
    assert signups_of(tenant_alpha, in_tenant, waiting.client.email)[0].status == "waitlisted"
    first = client.post(f"/programmes/offers/{offer.token}/accept/?lang=en")
    second = client.post(f"/programmes/offers/{offer.token}/accept/?lang=en")
    # then
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/programmes/signups/{waiting.token}/?done=accepted&lang=en"
    [signup] = signups_of(tenant_alpha, in_tenant, waiting.client.email)
    assert (signup.status, signup.group_id) == ("allocated", swimming["monday"].pk)
    page = client.get(first["Location"])
    assert "You accepted the place: it is yours." in text_of(page)
    assert "Lena has a place in the group “Mondays”." in text_of(page)


def test_declining_ends_the_sign_up_and_says_why(client_for, tenant_alpha, place_offer, in_tenant):
    offer, waiting = place_offer
    client = client_for(tenant_alpha)
    response = client.post(f"/programmes/offers/{offer.token}/decline/?lang=en")
    assert response["Location"] == f"/programmes/offers/{offer.token}/?done=declined&lang=en"
    assert "You declined the offer." in text_of(client.get(response["Location"]))
    status_page = client.get(f"/programmes/signups/{waiting.token}/?lang=en")
    assert 'data-status="not_allocated"' in status_page.content.decode()
    assert "You declined the place offered to you." in text_of(status_page)  # the rule's explanation
    # and accepting afterwards explains instead of failing
    late = client.post(f"/programmes/offers/{offer.token}/accept/?lang=en")
    assert late.status_code == 409 and "This offer is no longer open." in text_of(late)


def test_an_expired_offer_explains_itself(client_for, tenant_alpha, place_offer, in_tenant):
    offer, _waiting = place_offer
    with in_tenant(tenant_alpha):
        PlaceOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    connection.set_schema_to_public()
    before = state(tenant_alpha, in_tenant)
    client = client_for(tenant_alpha)
    page = client.get(f"/programmes/offers/{offer.token}/?lang=en")
    late = client.post(f"/programmes/offers/{offer.token}/accept/?lang=en")
    assert "This offer has expired" in text_of(page) and "Accept the place" not in text_of(page)
    assert late.status_code == 409 and "This offer has expired." in text_of(late)
    assert state(tenant_alpha, in_tenant) == before


def test_a_prepared_place_offer_does_not_exist_for_the_participant(client_for, tenant_alpha, swimming, in_tenant):
    with in_tenant(tenant_alpha):
        programme = Programme.objects.get(slug="swimming-december")
        Programme.objects.filter(pk=programme.pk).update(offer_auto_send="off")
        programme.refresh_from_db()
        waiting = one(tenant_alpha, programme, [swimming["monday"].pk], answers={"age": 6})
        signup_withdraw(tenant=tenant_alpha, signup=swimming["taken"], actor=Actor.client("x@example.com"))
        offer = PlaceOffer.objects.get(signups=waiting)
    connection.set_schema_to_public()
    assert offer.status == "prepared"
    client = client_for(tenant_alpha)
    before = state(tenant_alpha, in_tenant)
    assert client.get(f"/programmes/offers/{offer.token}/").status_code == 404
    assert client.post(f"/programmes/offers/{offer.token}/accept/").status_code == 404
    assert f"/programmes/offers/{offer.token}/" not in client.get(
        f"/programmes/signups/{waiting.token}/").content.decode()
    assert state(tenant_alpha, in_tenant) == before


def test_another_tenants_programme_links_do_not_exist_here(client_for, tenant_alpha, tenant_beta, place_offer,
                                                            in_tenant):
    offer, waiting = place_offer
    beta = client_for(tenant_beta)
    before = state(tenant_alpha, in_tenant)
    for path in (f"/programmes/signups/{waiting.token}/", f"/programmes/offers/{offer.token}/"):
        assert beta.get(path).status_code == 404, path
    for path in (f"/programmes/signups/{waiting.token}/withdraw/", f"/programmes/offers/{offer.token}/accept/",
                 f"/programmes/offers/{offer.token}/decline/", SIGNUP):
        assert beta.post(path, signup_form()).status_code == 404, path
    assert state(tenant_alpha, in_tenant) == before


def test_programme_pages_take_a_fixed_number_of_queries(client_for, tenant_alpha, swimming, place_offer, in_tenant):
    offer, waiting = place_offer
    client = client_for(tenant_alpha)
    paths = {"home": "/?lang=en", "programme": "/p/swimming-december/?lang=en", "signup": f"{SIGNUP}?lang=en",
             "status": f"/programmes/signups/{waiting.token}/?lang=en",
             "offer": f"/programmes/offers/{offer.token}/?lang=en"}

    def counts() -> dict[str, int]:
        result = {}
        for name, path in paths.items():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200, path
            result[name] = len(real_queries(captured))
        return result

    counts()  # the tenant's host is resolved once, then remembered
    few = counts()
    # when: more groups, sign-ups and programmes
    with in_tenant(tenant_alpha):
        programme = Programme.objects.get(slug="swimming-december")
        for weekday in (1, 3, 4, 5):
            make_group(programme, 2, weekday=weekday)
        for _ in range(4):
            one(tenant_alpha, programme, answers={"age": 10})
        for number in range(3):
            make_group(make_programme(slug=f"more-{number}"))
    connection.set_schema_to_public()
    many = counts()
    # then: the same queries however much there is (the catalogue's three are counted inside a test transaction)
    assert many == few
    budget = {"home": 3 + 1, "programme": 5, "signup": 5, "status": 5, "offer": 3}
    assert {name: count <= budget[name] for name, count in few.items()} == dict.fromkeys(budget, True), few
