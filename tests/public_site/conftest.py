"""A small catalogue on tenant alpha (Europe/Budapest): an appointment with two staff members and its own
questions, and a group service with an open, an almost full and a full session."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape

import pytest
from django.db import connection

from booking_core.models import FormField, Service, Session, StaffMember
from booking_core.services.bookings import booking_create_group
from tests.factories import OPERATOR, client_details, make_question, make_service, make_session, make_staff, next_local


@dataclass
class Site:
    massage: Service
    anna: StaffMember
    max: StaffMember
    swim: Service
    open_session: Session
    few_left_session: Session
    full_session: Session
    # A Wednesday 10:00 in Budapest, two weeks ahead: both staff members are free then.
    start: dt.datetime


def build_site(tenant) -> Site:
    massage = make_service(
        Service.Kind.INDIVIDUAL, slug="massage", name_en="Massage", name_hu="Masszázs", name_de="Massage",
        description_en="An hour of deep relaxation.", description_hu="Egy óra mély ellazulás.",
        description_de="Eine Stunde tiefe Entspannung.", duration_minutes=60, slot_interval_minutes=60,
        price_amount=6000, price_currency="EUR", min_notice_minutes=0, horizon_days=60,
    )
    anna = make_staff(massage, name="Anna", hours=((9, 12),), weekdays=range(5))
    max_ = make_staff(massage, name="Max", hours=((9, 12),), weekdays=range(5))
    make_question(massage, "topic", FormField.Type.SINGLE_CHOICE, required=True, position=1,
                  label_en="What should we focus on?", label_hu="Mire figyeljünk?",
                  label_de="Worauf sollen wir achten?",
                  choices=[{"value": "back", "en": "Back", "hu": "Hát", "de": "Rücken"},
                           {"value": "neck", "en": "Neck", "hu": "Nyak", "de": "Nacken"}])
    make_question(massage, "notes", FormField.Type.LONG_TEXT, position=2, label_en="Anything else?",
                  label_hu="Még valami?", label_de="Sonst noch etwas?")
    make_question(massage, "consent", FormField.Type.CHECKBOX, required=True, position=3,
                  label_en="I accept the house rules", label_hu="Elfogadom a házirendet",
                  label_de="Ich akzeptiere die Hausordnung")
    swim = make_service(
        Service.Kind.GROUP, slug="swimming", name_en="Swimming", name_hu="Úszás", name_de="Schwimmen",
        description_en="Small groups in the big pool.", price_amount=1500, price_currency="EUR",
        max_seats_per_booking=3, min_notice_minutes=0, horizon_days=60,
    )
    make_question(swim, "child_name", required=True, label_en="Child's name", label_hu="Gyermek neve",
                  label_de="Name des Kindes")
    open_session = make_session(swim, capacity=10, starts_in_days=5, location="Pool A")
    few_left = make_session(swim, capacity=10, starts_in_days=6, location="Pool A")
    full = make_session(swim, capacity=2, starts_in_days=7, location="Pool B")
    booking_create_group(tenant=tenant, session=few_left, seats=3, client=client_details(),
                         answers={"child_name": "Ada"}, actor=OPERATOR)
    for _ in range(2):
        booking_create_group(tenant=tenant, session=few_left, seats=3, client=client_details(),
                             answers={"child_name": "Ben"}, actor=OPERATOR)
    booking_create_group(tenant=tenant, session=full, seats=2, client=client_details(),
                         answers={"child_name": "Cy"}, actor=OPERATOR)
    start = next_local(tenant.zone, weekday=2, hour=10, weeks_ahead=2)
    return Site(massage, anna, max_, swim, open_session, few_left, full, start)


@pytest.fixture
def site(tenant_alpha, in_tenant) -> Site:
    with in_tenant(tenant_alpha):
        built = build_site(tenant_alpha)
    connection.set_schema_to_public()
    return built


def text_of(response) -> str:
    """The page's visible text, roughly: tags removed, entities decoded, spaces collapsed (no-break spaces kept)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def start_parameter(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")
