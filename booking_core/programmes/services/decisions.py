"""Recording decisions: sign-up rows, the allocation log and the participant's notice, written together.

Every service that decides something about a sign-up goes through a `Decisions` recorder: it collects log
entries and notices while the service works under its locks, and `flush()` writes them in bulk at the end
of the same transaction. `assignment_apply` turns the result of a strategy (booking_core.allocation) into
rows: placed sign-ups take a place in their group, the others wait (when some group could still take
them) or are told why not.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from booking_core import events
from booking_core.acting import Actor
from booking_core.allocation import Assignment
from booking_core.programmes import notifications, rules
from booking_core.programmes.bulk_rows import copy_rows, qualified_table, reserve_ids
from booking_core.programmes.models import AllocationLogEntry, AllocationRun, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services.locking import places_add_many

Decision = AllocationLogEntry.Decision
Status = SignUp.Status


@dataclass(slots=True)
class SignUpRow:
    """A sign-up as a batch run handles it: what the strategy reads and a decision writes, with the
    participant's contact, loaded in one query without model instances (a run decides 10,000 at once)."""

    pk: int
    preferences: list[int]
    language: str
    email: str
    created_at: dt.datetime
    status: str = Status.PENDING
    group_id: int | None = None
    waitlist_number: int | None = None
    status_rule: str = ""
    status_reason: str = ""
    decided_at: dt.datetime | None = None
    withdrawn_at: dt.datetime | None = None
    offer_id: int | None = None


def _contact(signup) -> tuple[str, str]:
    if isinstance(signup, SignUpRow):
        return signup.email, signup.language
    return signup.client.email, signup.language


@dataclass
class Decisions:
    """Log entries and notices of one operation, written by `flush()` inside its transaction."""

    programme: Programme
    actor: Actor
    now: dt.datetime
    run: AllocationRun | None = None
    # (signup id, group id, decision, rule, reason): plain tuples, a batch run makes 10,000 of them
    entries: list[tuple] = field(default_factory=list)
    notices: dict[int, notifications.Notice] = field(default_factory=dict)  # index in entries -> notice

    def log(self, *, decision: str, rule: str, reason: str = "", signup: SignUp | SignUpRow | None = None,
            group_id: int | None = None, notify: str | None = None, payload: dict | None = None) -> None:
        self.entries.append((signup.pk if signup is not None else None, group_id, decision, rule, reason[:300]))
        if notify and signup is not None:
            recipient, language = _contact(signup)
            self.notices[len(self.entries) - 1] = notifications.Notice(
                event_type=notify, signup_id=signup.pk, recipient=recipient, language=language,
                payload={"group_id": group_id, "rule": rule, **(payload or {})},
            )

    def flush(self) -> None:
        """Write the log entries and notices, and announce the change (`events.ProgrammeChanged`)."""
        if not self.entries:
            return
        ids = reserve_ids(AllocationLogEntry, len(self.entries))
        programme_id, run_id = self.programme.pk, self.run.pk if self.run else None
        strategy, actor_label = self.programme.strategy, self.actor.label[:200]
        copy_rows(qualified_table(AllocationLogEntry), LOG_COLUMNS, (
            (entry_id, programme_id, run_id, signup_id, group_id, decision, strategy, rule, reason, actor_label,
             self.now)
            for entry_id, (signup_id, group_id, decision, rule, reason) in zip(ids, self.entries, strict=True)))
        notifications.outbox_write_notices([(ids[index], notice) for index, notice in self.notices.items()])
        self.entries, self.notices = [], {}
        events.publish(events.ProgrammeChanged(programme_id=programme_id))


LOG_COLUMNS = ("id", "programme_id", "run_id", "signup_id", "group_id", "decision", "strategy", "rule", "reason",
               "actor_label", "created_at")


_UPDATE_SIGNUPS_SQL = (
    "UPDATE {table} AS s SET status = v.status, group_id = v.group_id, waitlist_number = v.waitlist_number, "
    "status_rule = v.status_rule, status_reason = v.status_reason, decided_at = v.decided_at, "
    "withdrawn_at = v.withdrawn_at, offer_id = v.offer_id, updated_at = now() "
    "FROM unnest(%s::bigint[], %s::text[], %s::bigint[], %s::integer[], %s::text[], %s::text[], "
    "%s::timestamptz[], %s::timestamptz[], %s::bigint[]) "
    "AS v(id, status, group_id, waitlist_number, status_rule, status_reason, decided_at, withdrawn_at, offer_id) "
    "WHERE s.id = v.id"
)


def signups_save(signups: Iterable[SignUp]) -> None:
    """Write the decision fields of many sign-ups in one statement (a batch run decides thousands)."""
    signups = list(signups)
    if not signups:
        return
    columns = [[], [], [], [], [], [], [], [], []]
    for signup in signups:
        for column, value in zip(columns, (
            signup.pk, signup.status, signup.group_id, signup.waitlist_number, signup.status_rule,
            signup.status_reason[:300], signup.decided_at, signup.withdrawn_at, signup.offer_id,
        ), strict=True):
            column.append(value)
    table = connection.ops.quote_name(SignUp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SIGNUPS_SQL.format(table=table), columns)


def decide(signup: SignUp, *, status: str, rule: str, reason: str, now: dt.datetime, group_id: int | None = None,
           waitlist_number: int | None = None) -> None:
    """Set a sign-up's decision fields in memory (saved by `signups_save`)."""
    signup.status = status
    signup.group_id = group_id
    signup.waitlist_number = waitlist_number
    signup.status_rule = rule
    signup.status_reason = reason[:300]
    signup.decided_at = now


def waitlist_numbers(programme: Programme, count: int) -> list[int]:
    """The next `count` waitlist numbers of the locked programme (saved with it)."""
    first = programme.next_waitlist_number
    programme.next_waitlist_number += count
    Programme.objects.filter(pk=programme.pk).update(next_waitlist_number=programme.next_waitlist_number)
    return list(range(first, first + count))


def front_of_waitlist(programme: Programme, count: int) -> list[int]:
    """Numbers ahead of everyone waiting: for participants who lost a place they already had."""
    lowest = (SignUp.objects.filter(programme=programme, status=Status.WAITLISTED)
              .order_by("waitlist_number").values_list("waitlist_number", flat=True).first())
    start = min(lowest if lowest is not None else 1, 1) - count
    return list(range(start, start + count))


def acceptable_live_groups(signup: SignUp, live_group_ids: set[int]) -> set[int]:
    return live_group_ids if not signup.preferences else set(signup.preferences) & live_group_ids


def assignment_apply(
    *, decisions: Decisions, groups: dict[int, ProgrammeGroup], signups: dict[int, SignUp | SignUpRow],
    assignment: Assignment,
    placed_decision: str = Decision.ALLOCATED, cause: str = "", waitlist_front: bool = False,
) -> Counter:
    """Write a strategy's assignment: places, waitlist numbers, statuses, log entries, notices.

    `cause` names the rule that made the allocation necessary (a cancelled group, a smaller capacity);
    it is recorded as the sign-up's rule and the strategy's rule goes into the reason. Returns how many
    sign-ups ended in each status.
    """
    now, programme = decisions.now, decisions.programme
    live_ids = {group_id for group_id, group in groups.items() if not group.is_cancelled}
    waiting = [decision for decision in assignment.decisions if decision.group_id is None
               and decision.rule in rules.WAITING_RULES
               and acceptable_live_groups(signups[decision.applicant_id], live_ids)]
    numbers = iter(front_of_waitlist(programme, len(waiting)) if waitlist_front
                   else waitlist_numbers(programme, len(waiting)))
    waiting_ids = {decision.applicant_id for decision in waiting}
    deltas: Counter = Counter()
    outcome: Counter = Counter()
    for decision in assignment.decisions:
        signup = signups[decision.applicant_id]
        rule = cause or decision.rule  # what the participant is told: why they moved, if they did
        reason = f"after {cause}: {decision.reason}" if cause else decision.reason
        if decision.group_id is not None:
            decide(signup, status=Status.ALLOCATED, rule=rule, reason=reason, now=now, group_id=decision.group_id)
            deltas[decision.group_id] += 1
            decisions.log(decision=placed_decision, rule=decision.rule, reason=reason, signup=signup,
                          group_id=decision.group_id, notify=notifications.ALLOCATED, payload={"cause": cause})
        elif decision.applicant_id in waiting_ids:
            decide(signup, status=Status.WAITLISTED, rule=rule, reason=reason, now=now, waitlist_number=next(numbers))
            decisions.log(decision=Decision.WAITLISTED, rule=decision.rule, reason=reason, signup=signup,
                          notify=notifications.WAITLISTED, payload={"cause": cause})
        else:
            if not cause:
                rule = decision.rule if decision.rule not in rules.WAITING_RULES else rules.NO_ACCEPTABLE_GROUP
            decide(signup, status=Status.NOT_ALLOCATED, rule=rule, reason=reason, now=now)
            decisions.log(decision=Decision.NOT_ALLOCATED, rule=decision.rule, reason=reason, signup=signup,
                          notify=notifications.NOT_ALLOCATED, payload={"cause": cause})
        outcome[signup.status] += 1
    places_add_many(groups, deltas)
    signups_save(signups[decision.applicant_id] for decision in assignment.decisions)
    return outcome
