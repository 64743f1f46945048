"""Example programmes for a demo tenant: the same groups and the same sign-ups under each strategy, so fast
fill and balanced can be compared side by side, plus a batch programme waiting for its lottery run.
Idempotent: skipped when already there."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from booking_core.acting import Actor
from booking_core.programmes.models import Programme
from booking_core.programmes.schedule import add_months
from booking_core.programmes.services.groups import group_create
from booking_core.programmes.services.programmes import form_field_create, programme_create
from booking_core.programmes.services.signups import signup_create
from booking_core.services.bookings import ClientDetails

DEMO = Actor.system("demo data")
SLUGS = ["swimming-fast-fill", "swimming-balanced", "tennis-camp-lottery"]

PARENTS = [ClientDetails(name, f"{login}@example.com") for name, login in (
    ("Kiss Dóra", "dora.kiss"), ("Jonas Weber", "jonas.weber"), ("Emma Clarke", "emma.clarke"),
    ("Nagy Bence", "bence.nagy"), ("Lena Fischer", "lena.fischer"), ("Tóth Réka", "reka.toth"),
    ("Paul Schneider", "paul.schneider"), ("Sophie Martin", "sophie.martin"), ("Varga Ádám", "adam.varga"),
    ("Mia Wagner", "mia.wagner"), ("Horváth Eszter", "eszter.horvath"), ("Noah Becker", "noah.becker"))]
CHILDREN = ["Anna", "Ben", "Cili", "Dani", "Emil", "Flóra", "Gábor", "Hanna", "Ida", "Jakab", "Kata", "Lili",
            "Márk", "Nóra"]


def _programme(tenant, *, slug: str, strategy: str, mode: str, names: tuple[str, str, str], order_mode="arrival"):
    today = timezone.now().astimezone(tenant.zone).date()
    first = add_months(today.replace(day=1), 1)
    last = add_months(first, 1) - dt.timedelta(days=1)
    huf = tenant.default_language == "hu"
    programme = programme_create(
        tenant=tenant, actor=DEMO, slug=slug, name_en=names[0], name_hu=names[1], name_de=names[2],
        description_en="Weekly lessons for children aged 6-12, four to five sessions a month.",
        description_hu="Heti foglalkozások 6-12 éves gyerekeknek, havonta négy-öt alkalom.",
        description_de="Wöchentlicher Unterricht für Kinder von 6 bis 12 Jahren, vier bis fünf Termine im Monat.",
        period_start=first, period_end=last, signup_opens_at=timezone.now() - dt.timedelta(days=2),
        signup_closes_at=timezone.now() + dt.timedelta(days=12), price_amount=2400000 if huf else 9600,
        price_currency="HUF" if huf else "EUR", strategy=strategy, allocation_mode=mode, order_mode=order_mode,
        min_group_size=4, returning_priority_enabled=True, is_published=True,
    )
    form_field_create(programme=programme, actor=DEMO, key="swimmer_level", field_type="single_choice", position=1,
                      required=True, label_en="Can the child swim?", label_hu="Tud úszni a gyerek?",
                      label_de="Kann das Kind schwimmen?",
                      choices=[{"value": "no", "en": "Not yet", "hu": "Még nem", "de": "Noch nicht"},
                               {"value": "yes", "en": "Yes", "hu": "Igen", "de": "Ja"}])
    for position, (weekday, hour, label) in enumerate([(0, 17, "Monday"), (2, 17, "Wednesday"), (4, 16, "Friday")]):
        group_create(tenant=tenant, programme=programme, actor=DEMO, capacity=6, weekday=weekday,
                     start_time=dt.time(hour), duration_minutes=45, position=position, location="Pool A",
                     name_en=f"{label} {hour}:00")
    return programme


def _sign_up_everyone(tenant, programme: Programme) -> None:
    groups = list(programme.groups.order_by("position").values_list("pk", flat=True))
    children = iter(CHILDREN)
    for index, parent in enumerate(PARENTS):
        # A third rank their groups, one family of two signs up together, the rest take any group.
        preferences = [groups[index % 3], groups[(index + 1) % 3]] if index % 3 == 1 else None
        attendees = [next(children), next(children)] if index == 4 else [next(children, parent.name)]
        signup_create(tenant=tenant, programme=programme, client=parent, attendees=attendees, preferences=preferences,
                      answers={"swimmer_level": "yes" if index % 2 else "no"}, language=tenant.default_language,
                      actor=DEMO)


def seed(tenant) -> None:
    if Programme.objects.filter(slug__in=SLUGS).exists():
        return
    fast = _programme(tenant, slug=SLUGS[0], strategy=Programme.Strategy.FAST_FILL,
                      mode=Programme.AllocationMode.IMMEDIATE,
                      names=("Swimming (fast fill)", "Úszás (gyors feltöltés)", "Schwimmen (schnelle Füllung)"))
    balanced = _programme(tenant, slug=SLUGS[1], strategy=Programme.Strategy.BALANCED,
                          mode=Programme.AllocationMode.IMMEDIATE,
                          names=("Swimming (balanced)", "Úszás (kiegyenlített)", "Schwimmen (ausgeglichen)"))
    lottery = _programme(tenant, slug=SLUGS[2], strategy=Programme.Strategy.BALANCED,
                         mode=Programme.AllocationMode.BATCH, order_mode=Programme.OrderMode.LOTTERY,
                         names=("Tennis camp (lottery)", "Teniszedzés (sorsolás)", "Tenniscamp (Losverfahren)"))
    for programme in (fast, balanced, lottery):
        _sign_up_everyone(tenant, programme)
