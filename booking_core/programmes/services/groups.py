"""Adding, editing and removing a programme's groups, generating the sessions each group runs, and telling
the participants when their group's schedule changes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking_core.acting import Actor
from booking_core.programmes import notifications, rules
from booking_core.programmes.errors import ProgrammeError
from booking_core.programmes.models import (
    AllocationLogEntry,
    PlaceOffer,
    Programme,
    ProgrammeGroup,
    ProgrammeSession,
    SignUp,
)
from booking_core.programmes.schedule import MAX_SESSIONS_PER_GROUP, session_times
from booking_core.programmes.services.decisions import Decisions
from booking_core.programmes.services.locking import groups_lock, programme_lock
from booking_core.programmes.services.offers import offers_fill_freed_places
from booking_core.services.audit import audit_record

SCHEDULE_FIELDS = {"weekday", "start_time", "duration_minutes"}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # for the log
# Capacity has rules of its own (see group_changes.group_change_capacity); these are plain edits.
EDITABLE_FIELDS = {"name_en", "name_hu", "name_de", "location", "position", *SCHEDULE_FIELDS}


def _validated(group: ProgrammeGroup) -> ProgrammeGroup:
    try:
        group.full_clean(exclude=["programme", "places_taken"])
    except ValidationError as error:
        raise ProgrammeError(_("Please correct the highlighted fields."), fields=error.message_dict) from error
    return group


def group_sessions_generate(*, tenant, group: ProgrammeGroup, programme: Programme | None = None) -> int:
    """(Re)create the group's sessions for the programme's period; returns how many there are."""
    programme = programme or group.programme
    times = session_times(weekday=group.weekday, start_time=group.start_time, duration_minutes=group.duration_minutes,
                          first_day=programme.period_start, last_day=programme.period_end, zone=tenant.zone)
    if len(times) > MAX_SESSIONS_PER_GROUP:
        raise ProgrammeError(_("A group meets at most %(max)d times in a programme.") % {"max": MAX_SESSIONS_PER_GROUP})
    ProgrammeSession.objects.filter(group=group).delete()
    ProgrammeSession.objects.bulk_create([ProgrammeSession(group=group, starts_at=start, ends_at=end)
                                          for start, end in times])
    return len(times)


def schedule_of(group: ProgrammeGroup) -> dict:
    """When and where a group meets, as written into a schedule notice's payload."""
    return {"weekday": group.weekday, "start_time": group.start_time.isoformat(timespec="minutes"),
            "duration_minutes": group.duration_minutes, "location": group.location}


def _described(schedule: dict) -> str:
    place = f", {schedule['location']}" if schedule["location"] else ""
    return f"{_DAY_NAMES[schedule['weekday']]} {schedule['start_time']}, {schedule['duration_minutes']} min{place}"


def schedule_change_announce(*, group: ProgrammeGroup, decisions: Decisions, reason: str) -> int:
    """Tell everyone placed in the locked group, and everyone holding an open offer of a place in it, when and
    where it meets now: a log entry and a notice each (one notice per offer: it names the household), written
    by the caller's `decisions.flush()` in its transaction, so they leave through the outbox after commit.
    Returns how many sign-ups were told."""
    participants = list(SignUp.objects.select_related("client").filter(group=group, status=SignUp.Status.ALLOCATED)
                        .order_by("id"))
    schedule = schedule_of(group)
    for signup in participants:
        decisions.log(decision=AllocationLogEntry.Decision.SCHEDULE_CHANGED, rule=rules.GROUP_SCHEDULE_CHANGED,
                      signup=signup, group_id=group.pk, reason=reason, notify=notifications.SCHEDULE_CHANGED,
                      payload={"schedule": schedule})
    # A prepared offer has not reached anyone yet: its email, when released, lists the sessions as they are then.
    offer_holders = list(SignUp.objects.select_related("client").filter(
        offer__group=group, offer__status=PlaceOffer.Status.SENT, offer__expires_at__gt=decisions.now,
    ).order_by("offer_id", "id"))
    told_offers = set()
    for signup in offer_holders:
        first_of_offer = signup.offer_id not in told_offers
        told_offers.add(signup.offer_id)
        decisions.log(decision=AllocationLogEntry.Decision.SCHEDULE_CHANGED, rule=rules.GROUP_SCHEDULE_CHANGED,
                      signup=signup, group_id=group.pk, reason=reason,
                      notify=notifications.OFFER_SCHEDULE_CHANGED if first_of_offer else None,
                      payload={"schedule": schedule, "offer_id": signup.offer_id})
    return len(participants) + len(offer_holders)


def group_create(*, tenant, programme: Programme, actor: Actor, capacity: int, weekday: int, start_time,
                 **fields) -> ProgrammeGroup:
    """Add a weekly group to a programme, with its sessions for the period. If people are waiting, the
    new places are offered to them at once, in waitlist order."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ProgrammeError(_("Unknown group fields."), fields={name: [_("Unknown field.")] for name in unknown})
    group = _validated(ProgrammeGroup(programme=programme, capacity=capacity, weekday=weekday, start_time=start_time,
                                      **fields))
    with transaction.atomic():
        programme = programme_lock(programme.pk)
        group.programme = programme
        group.save()
        group_sessions_generate(tenant=tenant, group=group, programme=programme)
        audit_record(actor=actor, action="programme_group.created", obj=group, after=group.snapshot())
        if programme.signups.filter(status=SignUp.Status.WAITLISTED).exists():
            group = groups_lock([group.pk])[group.pk]
            decisions = Decisions(programme=programme, actor=actor, now=timezone.now())
            offers_fill_freed_places(tenant=tenant, programme=programme, group=group, decisions=decisions,
                                     freed_reason="group.created")
            decisions.flush()
    return group


def group_update(*, tenant, group: ProgrammeGroup, actor: Actor, **changes) -> ProgrammeGroup:
    """Rename, relocate, reorder or reschedule a group (its sessions follow); capacity has its own service.
    Participants placed in it are told a new weekday, time, duration or place, in the same transaction."""
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ProgrammeError(_("Change the capacity with its own action; other fields cannot be edited here."),
                             fields={name: [_("Not editable here.")] for name in sorted(unknown)})
    with transaction.atomic():
        programme = programme_lock(group.programme_id)  # programme, then group: the order everyone locks in
        group = ProgrammeGroup.objects.select_for_update().get(pk=group.pk)
        group.programme = programme
        if group.is_cancelled:
            raise ProgrammeError(_("This group is cancelled."))
        before, schedule_before = group.snapshot(), schedule_of(group)
        for name, value in changes.items():
            setattr(group, name, value)
        _validated(group).save()
        if any(before[name] != group.snapshot()[name] for name in SCHEDULE_FIELDS):
            group_sessions_generate(tenant=tenant, group=group, programme=programme)
        if schedule_of(group) != schedule_before:
            decisions = Decisions(programme=programme, actor=actor, now=timezone.now())
            schedule_change_announce(group=group, decisions=decisions,
                                     reason=f"{_described(schedule_before)} -> {_described(schedule_of(group))}")
            decisions.flush()
        audit_record(actor=actor, action="programme_group.updated", obj=group, before=before, after=group.snapshot())
    return group


def _has_had_participants(group: ProgrammeGroup) -> bool:
    return bool(group.places_taken) or SignUp.objects.filter(group=group).exists() \
        or PlaceOffer.objects.filter(group=group).exists() \
        or AllocationLogEntry.objects.filter(group=group, signup__isnull=False).exists()


def group_delete(*, group: ProgrammeGroup, actor: Actor) -> None:
    """Remove a group nobody was ever placed in or offered; otherwise cancel it (which re-allocates)."""
    with transaction.atomic():
        # Checked under the programme's and the group's locks (the order every sign-up takes them in): a
        # sign-up at the same moment either came first, and the deletion is refused, or waits and finds
        # the group gone. Checked before the locks, a sign-up in between ended the deletion in a 500.
        programme_lock(group.programme_id)
        group = groups_lock([group.pk]).get(group.pk)
        if group is None:
            return  # deleted at the same moment
        if _has_had_participants(group):
            raise ProgrammeError(_("People have had places in this group; cancel it instead."), code="protected")
        audit_record(actor=actor, action="programme_group.deleted", obj=group, before=group.snapshot())
        group.delete()
