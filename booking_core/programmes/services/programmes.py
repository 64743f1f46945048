"""Creating and editing programmes and their sign-up forms, and rolling a programme on to the next period."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.subscriptions.programme_limits import programme_limit_require
from booking_core.acting import Actor
from booking_core.allocation import new_lottery_seed
from booking_core.programmes.due import programme_window_pending, programmes_note_due
from booking_core.programmes.errors import ProgrammeError
from booking_core.programmes.models import Programme, ProgrammeFormField, SignUp
from booking_core.programmes.schedule import shift_local, shift_period
from booking_core.programmes.services.decisions import Decisions
from booking_core.programmes.services.groups import group_create, group_sessions_generate, schedule_change_announce
from booking_core.programmes.services.locking import programme_groups_lock, programme_lock
from booking_core.services.audit import audit_record

# Settings that decide how places are given out; frozen once the decisions they govern have been made.
ALLOCATION_SETTINGS = {"strategy", "allocation_mode", "order_mode", "lottery_seed", "returning_priority_enabled"}


def as_json(instance) -> dict:
    values = {field.attname: field.value_from_object(instance) for field in instance._meta.concrete_fields}
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def _validated(instance, *, exclude: list[str] | None = None):
    try:
        # A programme's CHECK constraints are also in its clean(), there with the field they concern.
        instance.full_clean(exclude=exclude, validate_constraints=not isinstance(instance, Programme))
    except ValidationError as error:
        raise ProgrammeError(_("Please correct the highlighted fields."), fields=error.message_dict) from error
    return instance


def programme_create(*, tenant, actor: Actor, **fields) -> Programme:
    """Add a programme; its lottery seed is drawn now when it allocates by lottery, so a preview can be replayed."""
    programme_limit_require(tenant=tenant)
    programme = Programme(**fields)
    if programme.order_mode == Programme.OrderMode.LOTTERY and programme.lottery_seed is None:
        programme.lottery_seed = new_lottery_seed()
    _validated(programme)
    with transaction.atomic():
        programme.save()
        audit_record(actor=actor, action="programme.created", obj=programme, after=as_json(programme))
        if programme_window_pending(programme):
            programmes_note_due(programme.signup_closes_at)
    return programme


def _allocation_started(programme: Programme) -> bool:
    if programme.is_batch:
        return programme.allocated_at is not None
    return programme.signups.exclude(status=SignUp.Status.PENDING).exists()


def programme_update(*, tenant, programme: Programme, actor: Actor, **changes) -> Programme:
    """Change a programme. How places are allocated cannot change once places have been allocated, and
    the allocation mode not once anyone has signed up; a new period regenerates the groups' sessions and
    tells everyone placed in them, in the same transaction."""
    changed = {name for name, value in changes.items() if getattr(programme, name) != value}
    frozen = changed & ALLOCATION_SETTINGS
    if frozen and _allocation_started(programme):
        raise ProgrammeError(_("Places have been allocated by these settings; they can no longer change."),
                             fields={name: [_("Frozen after allocation.")] for name in sorted(frozen)})
    if "allocation_mode" in changed and programme.signups.exists():
        raise ProgrammeError(_("People have signed up; the allocation mode can no longer change."),
                             fields={"allocation_mode": [_("Has sign-ups.")]})
    with transaction.atomic():
        programme = programme_lock(programme.pk)
        before = as_json(programme)
        period_before = (programme.period_start, programme.period_end)
        for name, value in changes.items():
            setattr(programme, name, value)
        if programme.order_mode == Programme.OrderMode.LOTTERY and programme.lottery_seed is None:
            programme.lottery_seed = new_lottery_seed()
        _validated(programme)
        programme.save()
        if (programme.period_start, programme.period_end) != period_before:
            decisions = Decisions(programme=programme, actor=actor, now=timezone.now())
            reason = (f"period {period_before[0]}..{period_before[1]} -> "
                      f"{programme.period_start}..{programme.period_end}")
            for group in programme_groups_lock(programme.pk, include_cancelled=True).values():
                group_sessions_generate(tenant=tenant, group=group, programme=programme)
                if not group.is_cancelled:
                    schedule_change_announce(group=group, decisions=decisions, reason=reason)
            decisions.flush()
        audit_record(actor=actor, action="programme.updated", obj=programme, before=before, after=as_json(programme))
        if programme_window_pending(programme):
            programmes_note_due(programme.signup_closes_at)
    return programme


def programme_delete(*, programme: Programme, actor: Actor) -> None:
    """Remove a programme nobody signed up for; otherwise unpublish it instead."""
    if programme.signups.exists():
        raise ProgrammeError(_("People have signed up for this programme; unpublish it instead."), code="protected")
    with transaction.atomic():
        audit_record(actor=actor, action="programme.deleted", obj=programme, before=as_json(programme))
        programme.delete()


def programme_roll_over(*, tenant, programme: Programme, actor: Actor, slug: str | None = None,
                        names: dict[str, str] | None = None, months: int = 1,
                        returning_priority_enabled: bool | None = None) -> Programme:
    """Copy a programme with its groups and form to the period `months` later, as an unpublished draft.

    The sign-up window and the period move by calendar months on the tenant's wall clock. The copy
    points back at this programme, so its current participants count as returning: with
    `returning_priority_enabled` (copied unless given) they are served first when they sign up again.
    """
    if months < 1:
        raise ProgrammeError(_("Roll over by at least one month."), fields={"months": [_("Too small.")]})
    zone = tenant.zone
    period_start, period_end = shift_period(programme.period_start, programme.period_end, months)
    base_slug = slug or f"{programme.slug}-{period_start:%Y-%m}"
    fields = {
        name: getattr(programme, name) for name in (
            "name_en", "name_hu", "name_de", "description_en", "description_hu", "description_de", "price_amount",
            "price_currency", "strategy", "allocation_mode", "order_mode", "batch_runs_at_close", "min_group_size",
            "returning_priority_enabled", "offer_auto_send", "offer_validity_hours")
    }
    fields.update({f"name_{code}": text for code, text in (names or {}).items() if code in ("en", "hu", "de")})
    if returning_priority_enabled is not None:
        fields["returning_priority_enabled"] = returning_priority_enabled
    if Programme.objects.filter(slug=base_slug).exists():
        raise ProgrammeError(_("A programme with this slug exists; give the copy another one."),
                             fields={"slug": [_("Already used.")]})
    with transaction.atomic():
        copy = programme_create(
            tenant=tenant, actor=actor, slug=base_slug, period_start=period_start, period_end=period_end,
            signup_opens_at=shift_local(programme.signup_opens_at, zone, months),
            signup_closes_at=shift_local(programme.signup_closes_at, zone, months),
            previous_programme=programme, is_published=False, **fields,
        )
        for group in programme.groups.filter(is_cancelled=False).order_by("position", "id"):
            group_create(tenant=tenant, programme=copy, actor=actor, **{
                name: getattr(group, name) for name in (
                    "name_en", "name_hu", "name_de", "weekday", "start_time", "duration_minutes", "location",
                    "capacity", "position")})
        ProgrammeFormField.objects.bulk_create([
            ProgrammeFormField(**{**{field.attname: getattr(question, field.attname)
                                     for field in ProgrammeFormField._meta.concrete_fields if not field.primary_key},
                                  "programme_id": copy.pk})
            for question in programme.form_fields.all()
        ])
        audit_record(actor=actor, action="programme.rolled_over", obj=copy, after={"from": programme.pk})
    return copy


def form_field_create(*, programme: Programme, actor: Actor, **fields) -> ProgrammeFormField:
    """Add a question to a programme's sign-up form."""
    # Validated with its programme, so a second question with the same key is a field error (the unique
    # constraint on programme and key), not an IntegrityError.
    question = _validated(ProgrammeFormField(programme=programme, **fields))
    with transaction.atomic():
        question.save()
        audit_record(actor=actor, action="programme_form_field.created", obj=question, after=as_json(question))
    return question


def form_field_update(*, question: ProgrammeFormField, actor: Actor, **changes) -> ProgrammeFormField:
    """Change a question; answers already given keep their own copy of label and value."""
    before = as_json(question)
    for name, value in changes.items():
        setattr(question, name, value)
    _validated(question)
    with transaction.atomic():
        question.save()
        audit_record(actor=actor, action="programme_form_field.updated", obj=question, before=before,
                     after=as_json(question))
    return question


def form_field_delete(*, question: ProgrammeFormField, actor: Actor) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="programme_form_field.deleted", obj=question, before=as_json(question))
        question.delete()

