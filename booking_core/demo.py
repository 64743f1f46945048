"""Example catalogue and bookings for a demo tenant (idempotent: skipped when already there)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from booking_core.acting import Actor
from booking_core.models import FormField, Service, Session
from booking_core.services.bookings import (
    ClientDetails,
    booking_cancel,
    booking_create_group,
    booking_create_individual,
)
from booking_core.services.catalogue import form_field_create, service_create, staff_create, working_hours_create
from booking_core.services.sessions import sessions_create_weekly
from booking_core.waitlist.services.entries import waitlist_entry_set_priority, waitlist_join

DEMO = Actor.system("demo data")

CLIENTS = [
    ClientDetails("Kiss Dóra", "dora.kiss@example.com", "+36 30 111 2233"),
    ClientDetails("Jonas Weber", "jonas.weber@example.com"),
    ClientDetails("Emma Clarke", "emma.clarke@example.com"),
    ClientDetails("Nagy Bence", "bence.nagy@example.com"),
    ClientDetails("Lena Fischer", "lena.fischer@example.com"),
]
WAITING = [
    (ClientDetails("Tóth Anna", "anna.toth@example.com"), 3),  # a family of three
    (ClientDetails("Paul Schmidt", "paul.schmidt@example.com"), 1),
    (ClientDetails("Sophie Brown", "sophie.brown@example.com"), 1),
    (ClientDetails("Varga Péter", "peter.varga@example.com"), 2),
]


def _first_monday(tenant) -> dt.date:
    """Every demo date hangs off the first Monday after today in the tenant's zone, at fixed local hours, so the
    data has the same shape whatever the hour, weekday or date the seed runs at: the group classes run Monday,
    Wednesday and Friday evenings from that Monday, the workshop on the Saturday of that week, the
    consultations on that Monday morning."""
    today = timezone.now().astimezone(tenant.zone).date()
    return today + dt.timedelta(days=7 - today.weekday())


def _individual(tenant) -> Service:
    service = service_create(
        actor=DEMO, kind=Service.Kind.INDIVIDUAL, slug="consultation", position=1,
        name_en="Personal consultation", name_hu="Személyes konzultáció", name_de="Persönliche Beratung",
        description_en="One hour, one to one, with the coach of your choice.",
        description_hu="Egy óra négyszemközt, az általad választott edzővel.",
        description_de="Eine Stunde unter vier Augen mit dem Coach deiner Wahl.",
        duration_minutes=60, price_amount=1500000 if tenant.default_language == "hu" else 6000,
        price_currency="HUF" if tenant.default_language == "hu" else "EUR",
        buffer_after_minutes=15, slot_interval_minutes=30, min_notice_minutes=120, horizon_days=60,
    )
    form_field_create(service=service, actor=DEMO, key="topic", field_type=FormField.Type.SINGLE_CHOICE, position=1,
                      required=True, label_en="What would you like to work on?", label_hu="Miben segíthetünk?",
                      label_de="Woran möchtest du arbeiten?",
                      choices=[{"value": "technique", "en": "Technique", "hu": "Technika", "de": "Technik"},
                               {"value": "fitness", "en": "Fitness", "hu": "Erőnlét", "de": "Fitness"}])
    form_field_create(service=service, actor=DEMO, key="notes", field_type=FormField.Type.LONG_TEXT, position=2,
                      label_en="Anything we should know?", label_hu="Van, amit tudnunk kell?",
                      label_de="Sollten wir etwas wissen?")
    for name in ("Anna Horváth", "Max Bauer"):
        member = staff_create(actor=DEMO, name=name, services=[service])
        for weekday in range(5):
            working_hours_create(staff=member, actor=DEMO, weekday=weekday, start_time=dt.time(9),
                                 end_time=dt.time(17))
    return service


def _group(tenant) -> Service:
    service = service_create(
        actor=DEMO, kind=Service.Kind.GROUP, slug="group-class", position=2,
        name_en="Group class", name_hu="Csoportos óra", name_de="Gruppenstunde",
        description_en="A friendly group of up to 12. Bring your family: book up to 3 seats.",
        description_hu="Legfeljebb 12 fős baráti csoport. Hozd a családot: egyszerre 3 helyet is foglalhatsz.",
        description_de="Eine freundliche Gruppe mit bis zu 12 Personen. Bis zu 3 Plätze pro Buchung.",
        duration_minutes=60, price_amount=250000 if tenant.default_language == "hu" else 1500,
        price_currency="HUF" if tenant.default_language == "hu" else "EUR",
        max_seats_per_booking=3, min_notice_minutes=60, horizon_days=60,
    )
    form_field_create(service=service, actor=DEMO, key="consent", field_type=FormField.Type.CHECKBOX, position=1,
                      required=True, label_en="I accept the house rules", label_hu="Elfogadom a házirendet",
                      label_de="Ich akzeptiere die Hausordnung")
    monday = _first_monday(tenant)
    sessions_create_weekly(service=service, zone=tenant.zone, first_date=monday,
                           last_date=monday + dt.timedelta(days=20), weekdays=[0, 2, 4], start_time=dt.time(18),
                           capacity=12, location="Studio 1", actor=DEMO)
    return service


def _workshop(tenant) -> None:
    """A small workshop whose waitlist offers wait for staff to release them: the prepared-offer flow."""
    service = service_create(
        actor=DEMO, kind=Service.Kind.GROUP, slug="workshop", position=3,
        name_en="Weekend workshop", name_hu="Hétvégi műhely", name_de="Wochenend-Workshop",
        description_en="Six places, popular: join the waitlist when it is full.",
        description_hu="Hat hely, népszerű: ha betelt, iratkozz fel a várólistára.",
        description_de="Sechs Plätze, beliebt: Wenn er voll ist, trag dich in die Warteliste ein.",
        duration_minutes=120, price_amount=900000 if tenant.default_language == "hu" else 4500,
        price_currency="HUF" if tenant.default_language == "hu" else "EUR",
        max_seats_per_booking=3, min_notice_minutes=60, horizon_days=60, offer_validity_hours=24,
        offer_auto_send=Service.OfferRelease.OFF,
    )
    saturday = _first_monday(tenant) + dt.timedelta(days=5)
    sessions = sessions_create_weekly(service=service, zone=tenant.zone, first_date=saturday,
                                      last_date=saturday + dt.timedelta(days=7), weekdays=[5],
                                      start_time=dt.time(10), capacity=6, location="Studio 2", actor=DEMO)
    full = sessions[0]
    bookings = [booking_create_group(tenant=tenant, session=full, seats=seats, client=details, actor=DEMO,
                                     language=tenant.default_language)
                for details, seats in zip(CLIENTS, [2, 2, 1, 1], strict=False)]
    entries = [waitlist_join(tenant=tenant, service=service, session=full, seats=seats, client=details, actor=DEMO,
                             language=tenant.default_language)
               for details, seats in WAITING]
    waitlist_entry_set_priority(entry=entries[2], priority=5, reason="Missed last month's workshop", actor=DEMO)
    # Two seats free up: the family of three does not fit and keeps its place; offers wait for release.
    booking_cancel(tenant=tenant, booking=bookings[0], actor=DEMO, reason="Moved away")


def seed(tenant) -> None:
    if Service.objects.filter(slug__in=["consultation", "group-class"]).exists():
        return
    individual, group = _individual(tenant), _group(tenant)
    _workshop(tenant)
    sessions = list(Session.objects.filter(service=group).order_by("starts_at"))
    # The first session is almost full; the next has a few bookings.
    for details, seats in zip(CLIENTS, [3, 3, 3, 2], strict=False):
        booking_create_group(tenant=tenant, session=sessions[0], seats=seats, client=details, actor=DEMO,
                             answers={"consent": True}, language=tenant.default_language)
    for details in CLIENTS[:2]:
        booking_create_group(tenant=tenant, session=sessions[1], seats=1, client=details, actor=DEMO,
                             answers={"consent": True}, language=tenant.default_language)
    monday = _first_monday(tenant)
    for offset, details in enumerate(CLIENTS[2:4]):
        booking_create_individual(
            tenant=tenant, service=individual, client=details, actor=DEMO, answers={"topic": "technique"},
            starts_at=dt.datetime.combine(monday, dt.time(10 + 2 * offset), tzinfo=tenant.zone),
            language=tenant.default_language,
        )
