"""Locks and the places counter: how a programme's capacity is decided inside a transaction.

Every operation that changes who holds a place locks, in this order: the programme row (so sign-ups,
withdrawals, offers and batch runs of one programme take turns, and waitlist numbers are handed out
without gaps or races), then the groups it reads, in primary-key order, then sign-ups and offers. The
places counter moves by increments in SQL, and the CHECK constraint `places_taken <= capacity` rejects
an over-allocation even if the rows were read without a lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from booking_core.errors import CapacityError
from booking_core.programmes.models import Programme, ProgrammeGroup


def programme_lock(programme_id: int) -> Programme:
    """Lock the programme row for the rest of the transaction and return it fresh."""
    return Programme.objects.select_for_update().get(pk=programme_id)


def groups_lock(group_ids: Iterable[int]) -> dict[int, ProgrammeGroup]:
    """Lock group rows in primary-key order; returns them by id."""
    locked = ProgrammeGroup.objects.select_for_update().filter(pk__in=list(group_ids)).order_by("pk")
    return {group.pk: group for group in locked}


def programme_groups_lock(programme_id: int, *, include_cancelled: bool = False) -> dict[int, ProgrammeGroup]:
    """Lock every group of a programme (in primary-key order); returns them by id."""
    groups = ProgrammeGroup.objects.select_for_update().filter(programme_id=programme_id).order_by("pk")
    if not include_cancelled:
        groups = groups.filter(is_cancelled=False)
    return {group.pk: group for group in groups}


def places_add(group: ProgrammeGroup, delta: int) -> None:
    """Move a locked group's counter by `delta` in SQL; the CHECK constraint refuses going over capacity."""
    if delta == 0:
        return
    try:
        # No savepoint: a violation aborts the whole operation anyway.
        with transaction.atomic(savepoint=False):
            ProgrammeGroup.objects.filter(pk=group.pk).update(places_taken=F("places_taken") + delta)
    except IntegrityError as error:
        raise CapacityError(_("This group has just filled up. Please try again."), extra={"places_free": 0}) from error
    group.places_taken += delta


_ADD_MANY_SQL = (
    "UPDATE {table} AS g SET places_taken = g.places_taken + v.delta, updated_at = now() "
    "FROM unnest(%s::bigint[], %s::integer[]) AS v(id, delta) WHERE g.id = v.id"
)


def places_add_many(groups: dict[int, ProgrammeGroup], deltas: dict[int, int]) -> None:
    """Move many locked groups' counters in one statement (a batch run touches every group)."""
    changes = {group_id: delta for group_id, delta in deltas.items() if delta}
    if not changes:
        return
    table = connection.ops.quote_name(ProgrammeGroup._meta.db_table)
    try:
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute(_ADD_MANY_SQL.format(table=table), [list(changes), list(changes.values())])
    except IntegrityError as error:
        raise CapacityError(_("A group has just filled up. Please try again.")) from error
    for group_id, delta in changes.items():
        groups[group_id].places_taken += delta
