"""Booking an appointment: service → date → time → who → the service's form → review → confirmation."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking_core.models import AvailabilityOverride, Booking, Service, TimeOff
from booking_core.services.bookings import booking_create_individual
from tests.conftest import real_queries
from tests.factories import OPERATOR, client_details, make_service, make_staff
from tests.public_site.conftest import start_parameter, text_of

pytestmark = pytest.mark.django_db


def book_url(site, start=None, staff=None, lang="en") -> str:
    url = f"/s/massage/book/?start={start_parameter(start or site.start)}&lang={lang}"
    return url + (f"&staff={staff.pk}" if staff else "")


def answers(**overrides) -> dict:
    data = {"name": "Kiss Dóra", "email": "dora@example.hu", "phone": "+36 30 123 4567", "answer_topic": "neck",
            "answer_notes": "Left side hurts", "answer_consent": "on", "idempotency_key": "web-test-key-1",
            "step": "review"}
    data.update(overrides)
    return data


def confirm(data: dict) -> dict:
    """What the review page posts back: every value as a hidden field, and step=confirm."""
    return {**data, "answer_consent": "True", "step": "confirm"}


def booked(tenant, in_tenant) -> list[Booking]:
    """The bookings the client of these tests (dora@example.hu) has at the tenant."""
    with in_tenant(tenant):
        return list(Booking.objects.filter(client__email="dora@example.hu"))


def take(tenant, in_tenant, site, start, staff):
    with in_tenant(tenant):
        booking_create_individual(tenant=tenant, service=site.massage, starts_at=start, staff=staff,
                                  client=client_details(), answers={"topic": "back", "consent": True}, actor=OPERATOR)
    connection.set_schema_to_public()


# --- date and time -----------------------------------------------------------------------------------------


def test_days_with_free_times_lead_to_their_times_and_booked_out_days_to_their_waitlist(client_for, tenant_alpha,
                                                                                          site, in_tenant):
    # given: the Wednesday is fully booked for both staff members
    wednesday = site.start.date()
    for hour in (9, 10, 11):
        for member in (site.anna, site.max):
            take(tenant_alpha, in_tenant, site, site.start.replace(hour=hour), member)
    # when
    html = client_for(tenant_alpha).get(f"/s/massage/?month={wednesday:%Y-%m}&lang=en").content.decode()
    # then: weekdays with free times are links to their times
    tuesday, saturday = wednesday - dt.timedelta(days=1), wednesday + dt.timedelta(days=3)
    assert f'data-day="{tuesday.isoformat()}"' in html
    assert f'href="/s/massage/day/{tuesday.isoformat()}/?lang=en"' in html
    # the booked-out Wednesday leads to its day page (which offers the waitlist), marked apart and said so
    assert f'data-day="{wednesday.isoformat()}"' not in html
    assert re.search(rf'<a href="/s/massage/day/{wednesday.isoformat()}/\?lang=en" class="full" '
                     rf'data-full-day="{wednesday.isoformat()}" aria-label="Wednesday, [^"]+{wednesday.year}: '
                     rf'full – join the waitlist">{wednesday.day}</a>', html)
    assert "Crossed-out days are fully booked: pick one to join its waitlist." in html
    # and the weekend, when nobody works, is plain text
    assert f'data-day="{saturday.isoformat()}"' not in html and f'data-full-day="{saturday.isoformat()}"' not in html
    assert re.search(rf'<span aria-label="[^"]+{saturday.year}: no free times">{saturday.day}</span>', html)


def test_a_booked_out_day_leads_to_a_day_page_that_offers_the_waitlist(client_for, tenant_alpha, site, in_tenant):
    # given: Anna is booked all Wednesday; Max is not
    for hour in (9, 10, 11):
        take(tenant_alpha, in_tenant, site, site.start.replace(hour=hour), site.anna)
    client = client_for(tenant_alpha)
    wednesday = site.start.date().isoformat()
    # when: the client filters by Anna
    calendar = client.get(f"/s/massage/?month={site.start:%Y-%m}&staff={site.anna.pk}&lang=en").content.decode()
    day = client.get(f"/s/massage/day/{wednesday}/?staff={site.anna.pk}&lang=en").content.decode()
    anyone = client.get(f"/s/massage/?month={site.start:%Y-%m}&lang=en").content.decode()
    # then: Anna's Wednesday is booked out and its page offers her waitlist; with anyone, it has free times
    assert f'href="/s/massage/day/{wednesday}/?staff={site.anna.pk}&amp;lang=en" class="full"' in calendar
    assert f'href="/s/massage/day/{wednesday}/waitlist/?staff={site.anna.pk}&amp;lang=en"' in day
    assert f'data-day="{wednesday}"' in anyone


def test_days_off_and_time_off_are_not_booked_out(client_for, tenant_alpha, site, in_tenant):
    # given: the Wednesday is a day off for Anna (an override) and Max is away (time off)
    wednesday = site.start.date()
    with in_tenant(tenant_alpha):
        AvailabilityOverride.objects.create(staff=site.anna, date=wednesday)
        TimeOff.objects.create(staff=site.max, starts_at=site.start - dt.timedelta(hours=4),
                               ends_at=site.start + dt.timedelta(hours=8))
    connection.set_schema_to_public()
    # when
    html = client_for(tenant_alpha).get(f"/s/massage/?month={wednesday:%Y-%m}&lang=en").content.decode()
    # then: nothing to wait for on that day
    assert re.search(rf'<span aria-label="[^"]+{wednesday.year}: no free times">{wednesday.day}</span>', html)
    assert f'data-full-day="{wednesday.isoformat()}"' not in html


def test_the_calendar_takes_the_same_queries_however_many_days_are_booked_out(client_for, tenant_alpha, site,
                                                                             in_tenant):
    client = client_for(tenant_alpha)
    path = f"/s/massage/?month={site.start:%Y-%m}&lang=en"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(real_queries(captured))

    queries()  # the tenant's host is resolved once, then remembered
    few = queries()
    # given: three booked-out days, days off and time off
    with in_tenant(tenant_alpha):
        for days in (0, 1, 2):
            for hour in (9, 10, 11):
                for member in (site.anna, site.max):
                    booking_create_individual(
                        tenant=tenant_alpha, service=site.massage, staff=member,
                        starts_at=site.start.replace(hour=hour) + dt.timedelta(days=days), client=client_details(),
                        answers={"topic": "back", "consent": True}, actor=OPERATOR)
            AvailabilityOverride.objects.create(staff=site.anna, date=site.start.date() - dt.timedelta(days=days + 1))
            TimeOff.objects.create(staff=site.max, starts_at=site.start - dt.timedelta(days=days + 1),
                                   ends_at=site.start - dt.timedelta(days=days + 1, hours=-1))
    connection.set_schema_to_public()
    # when
    many = queries()
    # then: the catalogue (3 queries inside a test transaction) and the staff calendars, loaded once for the
    # free and the booked-out days (1: working hours, overrides, bookings, offers and time off together)
    assert many == few == 4


def test_a_day_lists_its_free_times_in_the_tenants_zone_and_names_the_zone(client_for, tenant_alpha, site):
    # when: the page is in Hungarian
    response = client_for(tenant_alpha).get(f"/s/massage/day/{site.start.date().isoformat()}/?lang=hu")
    # then: 9:00, 10:00 and 11:00 Budapest time (08:00… UTC in winter, 07:00… in summer)
    html = response.content.decode()
    times = re.findall(r'data-start="([^"]+)">([^<]+)</a>', html)
    expected_utc = [start_parameter(site.start.replace(hour=hour)) for hour in (9, 10, 11)]
    assert times == list(zip(expected_utc, ["09:00", "10:00", "11:00"], strict=True))
    assert "Europe/Budapest" in text_of(response)
    assert 'aria-current="date"' in html


def test_times_are_written_the_english_way_in_english(client_for, tenant_alpha, site):
    # when
    html = client_for(tenant_alpha).get(f"/s/massage/day/{site.start.date().isoformat()}/?lang=en").content.decode()
    # then
    assert re.findall(r'data-start="[^"]+">([^<]+)</a>', html) == ["9 a.m.", "10 a.m.", "11 a.m."]


def test_the_staff_filter_is_inside_what_htmx_swaps_so_it_keeps_the_month_shown(client_for, tenant_alpha, site):
    # when: a month is shown (htmx swaps #picker for it)
    html = client_for(tenant_alpha).get(f"/s/massage/?month={site.start:%Y-%m}&lang=en").content.decode()
    # then: the filter comes with it and asks for that month; focus goes to the month's heading
    picker = html.split('<div id="picker" data-focus="date-heading">')[1]
    assert f'<input type="hidden" name="month" value="{site.start:%Y-%m}">' in picker.split("</form>")[0]
    assert 'id="staff-filter"' in picker
    assert '<script src="/static/public_site/site.js" defer></script>' in html


# --- who -------------------------------------------------------------------------------------------------------


def test_choosing_who_comes_after_the_time_and_offers_only_who_is_free(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    day_path = f"/s/massage/day/{site.start.date().isoformat()}/?lang=en"
    # given: both are free at 10:00
    assert f'href="/s/massage/who/?start={start_parameter(site.start).replace(":", "%3A")}&amp;lang=en"' in (
        client.get(day_path).content.decode())
    who = client.get(f"/s/massage/who/?start={start_parameter(site.start)}&lang=en")
    assert re.findall(r'name="staff" value="(\d*)"', who.content.decode()) == ["", str(site.anna.pk), str(site.max.pk)]
    # when: Anna is booked at 10:00
    take(tenant_alpha, in_tenant, site, site.start, site.anna)
    # then: the time leads straight to the form, and the "who" step is skipped
    links = dict((start, href) for href, start in re.findall(r'href="([^"]+)" data-start="([^"]+)"',
                                                              client.get(day_path).content.decode()))
    assert links[start_parameter(site.start)].startswith("/s/massage/book/")
    assert links[start_parameter(site.start.replace(hour=11))].startswith("/s/massage/who/")
    skipped = client.get(f"/s/massage/who/?start={start_parameter(site.start)}&lang=en")
    assert skipped.status_code == 302
    assert skipped["Location"] == f"/s/massage/book/?start={start_parameter(site.start).replace(':', '%3A')}&lang=en"


def test_services_without_staff_choice_never_ask_who(client_for, tenant_alpha, site, in_tenant):
    # given
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(staff_choice_enabled=False)
    client = client_for(tenant_alpha)
    # when
    day = client.get(f"/s/massage/day/{site.start.date().isoformat()}/?lang=en").content.decode()
    chosen = client.get(book_url(site, staff=site.anna))
    # then
    assert 'id="staff-filter"' not in day
    assert "/s/massage/who/" not in day
    assert chosen.status_code == 302 and chosen["Location"] == "/s/massage/?lang=en"


def test_filtering_by_staff_shows_only_their_days_and_skips_the_who_step(client_for, tenant_alpha, site, in_tenant):
    # given: Max does not work on Wednesdays any more
    with in_tenant(tenant_alpha):
        site.max.working_hours.filter(weekday=2).delete()
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    # when
    html = client.get(f"/s/massage/?month={site.start:%Y-%m}&staff={site.max.pk}&lang=en").content.decode()
    day = client.get(f"/s/massage/day/{(site.start - dt.timedelta(days=1)).date().isoformat()}/"
                     f"?staff={site.max.pk}&lang=en").content.decode()
    # then
    assert f'data-day="{site.start.date().isoformat()}"' not in html
    assert f"&amp;staff={site.max.pk}&amp;lang=en" in day.split('id="times"')[1]
    assert "/s/massage/who/" not in day


# --- the form, the review, the booking ---------------------------------------------------------------------------


def test_the_form_asks_the_services_own_questions_in_the_chosen_language(client_for, tenant_alpha, site):
    # when
    response = client_for(tenant_alpha).get(book_url(site, staff=site.anna, lang="hu"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'name="(answer_[a-z_]+)"', html) == ["answer_topic", "answer_topic", "answer_notes",
                                                              "answer_consent"]
    assert "<legend>Mire figyeljünk?" in html
    assert "Hát</label>" in html and "Nyak</label>" in html
    assert "Elfogadom a házirendet" in html
    assert re.search(r'name="idempotency_key" value="web-[\w-]{20,}"', html)
    assert "Anna" in text_of(response)


def test_missing_answers_are_shown_next_to_their_fields_and_tied_to_them(client_for, tenant_alpha, site, in_tenant):
    # when
    response = client_for(tenant_alpha).post(book_url(site), answers(name="", answer_topic="", answer_consent=""))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<ul class="errorlist" id="id_name_error"><li>This field is required.</li></ul>\s*'
                     r'<input type="text" name="name"[^>]*aria-invalid="true" aria-describedby="id_name_error"', html)
    assert re.search(r'<fieldset aria-describedby="id_answer_topic_error">', html)
    assert 'id="id_answer_consent_error"' in html
    assert "Please correct the marked fields." in text_of(response)
    assert re.findall(r'<li><a href="#([\w-]+)">', html) == ["id_name", "id_answer_topic", "id_answer_consent"]
    assert not booked(tenant_alpha, in_tenant)


def test_the_review_shows_everything_and_booking_confirms_it(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    # when: the form is sent for review
    review = client.post(book_url(site, staff=site.anna), answers())
    # then
    assert review.status_code == 200
    text = text_of(review)
    assert "Review your booking" in text
    assert "Massage" in text and "Anna" in text and "€60" in text and "Kiss Dóra" in text
    assert "What should we focus on? Neck" in text and "I accept the house rules Yes" in text
    assert 'name="answer_notes" value="Left side hurts"' in review.content.decode()
    assert not booked(tenant_alpha, in_tenant)

    # when: the client confirms
    response = client.post(book_url(site, staff=site.anna), confirm(answers()))
    # then
    assert response.status_code == 302
    with in_tenant(tenant_alpha):
        booking = Booking.objects.select_related("client").get(client__email="dora@example.hu")
    assert response["Location"] == f"/b/{booking.manage_token}/done/?lang=en"
    assert (booking.staff_id, booking.starts_at, booking.status, booking.language, booking.source) == (
        site.anna.pk, site.start, "confirmed", "en", "web")
    assert (booking.client.name, booking.client.email, booking.idempotency_key) == (
        "Kiss Dóra", "dora@example.hu", "web-test-key-1")
    assert {answer["key"]: answer["value"] for answer in booking.answers} == {
        "topic": "neck", "notes": "Left side hurts", "consent": True}
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "You are booked! A confirmation is on its way to dora@example.hu." in text_of(done)
    assert f'href="/b/{booking.manage_token}/calendar.ics?lang=en"' in done.content.decode()


def test_changing_the_details_from_the_review_keeps_what_was_entered(client_for, tenant_alpha, site, in_tenant):
    # when
    response = client_for(tenant_alpha).post(book_url(site), confirm(answers()) | {"step": "edit"})
    # then
    html = response.content.decode()
    assert 'name="name" value="Kiss Dóra"' in html
    assert re.search(r'value="neck"[^>]*checked', html)
    assert not booked(tenant_alpha, in_tenant)


def test_a_time_taken_in_the_meantime_gives_a_clear_message_and_the_next_free_times(
    client_for, tenant_alpha, site, in_tenant
):
    client = client_for(tenant_alpha)
    # given: the client reviewed 10:00 with Anna, then someone else booked Anna at 10:00
    assert client.post(book_url(site, staff=site.anna), answers()).status_code == 200
    take(tenant_alpha, in_tenant, site, site.start, site.anna)
    # when
    response = client.post(book_url(site, staff=site.anna), confirm(answers()))
    # then: no error page, a message and Anna's next free times, the answers kept
    assert response.status_code == 409
    text = text_of(response)
    assert "This time is no longer available" in text
    assert "The next free times" in text
    html = response.content.decode()
    next_start = start_parameter(site.start.replace(hour=11))
    assert f'data-start="{next_start}"' in html
    assert 'name="answer_notes" value="Left side hurts"' in html
    assert not booked(tenant_alpha, in_tenant)
    # when: the client takes the next free time
    alternative = re.search(rf'formaction="([^"]+)" class="button--secondary" data-start="{next_start}"', html)
    review = client.post(alternative.group(1).replace("&amp;", "&"), confirm(answers()) | {"step": "review"})
    # then: straight back to the review, at 11:00
    assert review.status_code == 200
    assert "Review your booking" in text_of(review)
    assert "11 a.m.–noon" in text_of(review)


def test_a_time_that_became_too_soon_on_the_review_page_offers_the_next_free_times(client_for, tenant_alpha, site,
                                                                                    in_tenant):
    client = client_for(tenant_alpha)
    # given: the client reviewed 10:00; then the time came within the service's notice (here: the notice grew)
    assert client.post(book_url(site), answers()).status_code == 200
    notice = site.start - timezone.now() + dt.timedelta(minutes=30)
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(min_notice_minutes=notice // dt.timedelta(minutes=1))
    connection.set_schema_to_public()
    # when
    response = client.post(book_url(site), confirm(answers()))
    # then: the page for a time that is gone, with the next free times (the same day's 11:00 is bookable)
    assert response.status_code == 409
    text = text_of(response)
    assert "This time is no longer available" in text and "This time is too soon to book." in text
    assert "Too soon to book." not in text.replace("This time is too soon to book.", "")
    assert f'data-start="{start_parameter(site.start.replace(hour=11))}"' in response.content.decode()
    assert not booked(tenant_alpha, in_tenant)


def test_opening_the_form_for_a_time_that_is_gone_says_so(client_for, tenant_alpha, site, in_tenant):
    # given
    take(tenant_alpha, in_tenant, site, site.start, site.anna)
    # when
    response = client_for(tenant_alpha).get(book_url(site, staff=site.anna))
    # then
    assert response.status_code == 409
    assert "This time is no longer available" in text_of(response)


def test_submitting_twice_books_once(client_for, tenant_alpha, site, in_tenant):
    client = client_for(tenant_alpha)
    # when: the confirm button is pressed twice (or the page is resubmitted)
    first = client.post(book_url(site), confirm(answers()))
    second = client.post(book_url(site), confirm(answers()))
    # then
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert len(booked(tenant_alpha, in_tenant)) == 1


# --- malformed addresses ----------------------------------------------------------------------------------------


def test_a_malformed_choice_starts_over_and_unknown_things_are_404(client_for, tenant_alpha, site):
    client = client_for(tenant_alpha)
    assert client.get("/s/massage/book/?start=tomorrow&lang=en")["Location"] == "/s/massage/?lang=en"
    assert client.get("/s/massage/book/?lang=en")["Location"] == "/s/massage/?lang=en"
    assert client.get(book_url(site) + "&staff=999999").status_code == 404
    assert client.get("/s/no-such-service/").status_code == 404
    assert client.get("/s/massage/day/not-a-day/").status_code == 404
    assert client.get("/s/swimming/day/2030-01-01/").status_code == 404


def test_another_tenants_service_does_not_exist_here(client_for, tenant_alpha, tenant_beta, site, in_tenant):
    assert client_for(tenant_beta).get("/s/massage/").status_code == 404
    assert client_for(tenant_beta).post(book_url(site), confirm(answers())).status_code == 404
    assert not booked(tenant_alpha, in_tenant)
    with in_tenant(tenant_beta):
        assert not Booking.objects.exists()


def test_a_service_that_needs_approval_says_the_booking_is_received_not_confirmed(client_for, tenant_alpha, site,
                                                                                   in_tenant):
    # given
    with in_tenant(tenant_alpha):
        Service.objects.filter(pk=site.massage.pk).update(requires_approval=True)
    connection.set_schema_to_public()
    client = client_for(tenant_alpha)
    # when
    review = client.post(book_url(site), answers())
    done = client.get(client.post(book_url(site), confirm(answers()))["Location"])
    # then
    assert "The organisation confirms this booking personally" in text_of(review)
    assert "Booking received" in text_of(done)
    assert 'data-status="pending"' in done.content.decode()
    assert [booking.status for booking in booked(tenant_alpha, in_tenant)] == ["pending"]


# --- the night the clocks go back --------------------------------------------------------------------------------


def next_autumn_change(zone) -> dt.date:
    """The next last Sunday of October (when Europe's clocks go back) at least two days ahead."""
    today = dt.datetime.now(zone).date()
    for year in (today.year, today.year + 1):
        last_sunday = dt.date(year, 10, 31) - dt.timedelta(days=(dt.date(year, 10, 31).weekday() + 1) % 7)
        if last_sunday > today + dt.timedelta(days=1):
            return last_sunday
    raise AssertionError("unreachable")


@pytest.fixture
def night_service(tenant_alpha, in_tenant):
    """Appointments on the hour from midnight to 6:00 on Sundays, bookable until past the next autumn change."""
    change = next_autumn_change(tenant_alpha.zone)
    with in_tenant(tenant_alpha):
        service = make_service(Service.Kind.INDIVIDUAL, slug="night", name_en="Night", duration_minutes=60,
                               slot_interval_minutes=60, min_notice_minutes=0,
                               # a week past the change plus a margin: the horizon ends at this time of day
                               horizon_days=(change - dt.date.today()).days + 9)
        make_staff(service, name="Nora", hours=((0, 6),), weekdays=[6])
    connection.set_schema_to_public()
    return change


def test_on_the_night_the_clocks_go_back_the_hour_that_happens_twice_names_its_zone(client_for, tenant_alpha,
                                                                                    night_service):
    # when
    html = client_for(tenant_alpha).get(f"/s/night/day/{night_service.isoformat()}/?lang=hu").content.decode()
    # then: 2:00 summer time and 2:00 winter time, an hour apart; the other hours as always
    times = re.findall(r'data-start="([^"]+)">([^<]+)</a>', html)
    # (in UTC: adding hours to a local time would add wall-clock hours)
    midnight = dt.datetime.combine(night_service, dt.time(0), tzinfo=tenant_alpha.zone).astimezone(dt.UTC)
    assert times == [
        (start_parameter(midnight + dt.timedelta(hours=hours)), label)
        for hours, label in enumerate(["00:00", "01:00", "02:00 CEST", "02:00 CET", "03:00", "04:00", "05:00"])]


def test_the_booking_form_says_which_of_the_two_hours_was_chosen(client_for, tenant_alpha, night_service):
    # given: the two appointments at 2:00
    midnight = dt.datetime.combine(night_service, dt.time(0), tzinfo=tenant_alpha.zone).astimezone(dt.UTC)
    summer, winter = midnight + dt.timedelta(hours=2), midnight + dt.timedelta(hours=3)
    client = client_for(tenant_alpha)
    # when
    summer_page = text_of(client.get(f"/s/night/book/?start={start_parameter(summer)}&lang=hu"))
    winter_page = text_of(client.get(f"/s/night/book/?start={start_parameter(winter)}&lang=hu"))
    # then
    assert "02:00 CEST–02:00 CET" in summer_page
    assert "02:00 CET–03:00" in winter_page and "CEST" not in winter_page


def test_a_week_later_times_carry_no_zone(client_for, tenant_alpha, night_service):
    day = night_service + dt.timedelta(days=7)
    html = client_for(tenant_alpha).get(f"/s/night/day/{day.isoformat()}/?lang=hu").content.decode()
    assert [label for _start, label in re.findall(r'data-start="([^"]+)">([^<]+)</a>', html)] == [
        "00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]
