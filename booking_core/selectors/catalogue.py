"""Reads of the catalogue (services, their forms and staff) for the booking site and the API.

Every booking page and booking request needs the service and its form, and the catalogue changes a few
times a day, so each process keeps the tenant's active services in memory. A per-tenant *catalogue
generation* in Redis, moved after every committed change (see booking_core.apps), invalidates them;
it is read at most once a second per process, which costs far less than the three queries it saves.
"""

from __future__ import annotations

import threading
import time

import redis
from django.db import connection, transaction
from django.db.models import Prefetch

from allot.redis import get_redis, key
from booking_core.errors import BookingNotFoundError
from booking_core.models import FormField, Service, StaffMember

_lock = threading.Lock()
# schema -> (generation, services, when the generation was last checked)
_cache: dict[str, tuple[bytes, list[Service], float]] = {}
# Other processes' catalogue changes are noticed within this many seconds (as tenant changes are); a change
# made by this process is seen at once. Checking Redis on every request showed up in the booking profile.
REVALIDATE_SECONDS = 1.0


def _generation_key(schema_name: str) -> str:
    return key("catalogue", schema_name, "generation")


def _load_services() -> list[Service]:
    return list(
        Service.objects.filter(is_active=True).prefetch_related(
            Prefetch("form_fields", queryset=FormField.objects.order_by("position", "id")),
            Prefetch("staff_members", queryset=StaffMember.objects.filter(is_active=True).order_by("name", "id")),
        )
    )


def services_for_clients() -> list[Service]:
    """Active services with their form questions and active staff, in display order."""
    schema_name = connection.schema_name
    if connection.in_atomic_block:
        return _load_services()  # inside a transaction, see its own uncommitted changes
    cached = _cache.get(schema_name)
    now = time.monotonic()
    if cached is not None and now - cached[2] < REVALIDATE_SECONDS:
        return cached[1]
    try:
        generation = get_redis().get(_generation_key(schema_name)) or b"0"
    except redis.RedisError:
        return _load_services()
    if cached is not None and cached[0] == generation:
        with _lock:
            _cache[schema_name] = (generation, cached[1], now)
        return cached[1]
    services = _load_services()
    with _lock:
        _cache[schema_name] = (generation, services, now)
    return services


def _find(predicate) -> Service:
    service = next((service for service in services_for_clients() if predicate(service)), None)
    if service is None:
        raise BookingNotFoundError("No such service.")
    return service


def service_get_for_clients(*, service_id=None, slug: str | None = None) -> Service:
    """One active service, by id or slug; anything else (inactive, unknown, another tenant's) is a 404."""
    if slug is not None:
        return _find(lambda service: service.slug == slug)
    try:
        wanted = int(service_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such service.") from None
    return _find(lambda service: service.pk == wanted)


def staff_get_for_clients(*, service: Service, staff_id) -> StaffMember:
    """An active staff member who gives `service` (from the service's prefetched staff); anything else is a 404."""
    try:
        wanted = int(staff_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such staff member.") from None
    staff = next((member for member in service.staff_members.all() if member.pk == wanted), None)
    if staff is None:
        raise BookingNotFoundError("No such staff member.")
    return staff


def service_get_for_operator(*, service_id) -> Service:
    """Any service of this tenant (inactive ones included) for staff; an unknown id is a 404."""
    try:
        wanted = int(service_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such service.") from None
    service = Service.objects.filter(pk=wanted).first()
    if service is None:
        raise BookingNotFoundError("No such service.")
    return service


def services_for_operator() -> list[Service]:
    """Every service of this tenant (inactive ones included), in the catalogue's order, for staff."""
    return list(Service.objects.order_by("position", "id"))


def staff_for_operator() -> list[StaffMember]:
    """Every staff member of this tenant (inactive ones included), by name, for staff."""
    return list(StaffMember.objects.order_by("name", "id"))


def staff_get_for_operator(*, staff_id) -> StaffMember:
    """Any staff member of this tenant (inactive ones included) for staff; an unknown id is a 404."""
    try:
        wanted = int(staff_id)
    except (TypeError, ValueError):
        raise BookingNotFoundError("No such staff member.") from None
    staff = StaffMember.objects.filter(pk=wanted).first()
    if staff is None:
        raise BookingNotFoundError("No such staff member.")
    return staff


def staff_ids_of_user(*, user_id: int) -> list[int]:
    """The staff member(s) whose calendar is this member's (at most one)."""
    return list(StaffMember.objects.filter(user_id=user_id).values_list("pk", flat=True))


def staff_linked_users() -> dict[int, StaffMember]:
    """Member user id -> the staff member whose calendar is theirs."""
    return {member.user_id: member for member in StaffMember.objects.filter(user_id__isnull=False)}


def catalogue_changed() -> None:
    """Tell every process that this tenant's catalogue changed (after the change commits)."""
    schema_name = connection.schema_name

    def publish():
        with _lock:
            _cache.pop(schema_name, None)
        try:
            get_redis().incr(_generation_key(schema_name))
        except redis.RedisError:
            # Other processes keep their copy until Redis is back; bookings still validate in the lock.
            pass

    transaction.on_commit(publish)


def forget_local_catalogues() -> None:
    """Tests roll back catalogue changes that never reach Redis."""
    with _lock:
        _cache.clear()
