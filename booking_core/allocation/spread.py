"""How evenly an assignment filled its groups: the figure that tests and benchmarks report for balancing.

Groups are *interchangeable* when they have the same capacity and exactly the same sign-ups accept
them (a sign-up without preferences accepts every group, so only stated preferences tell groups apart;
unknown ids in preferences are ignored). No sign-up can prefer one interchangeable group over another by
anything but rank, so the balanced strategy keeps their fill within one seat of each other (within one
household's size when households are placed) unless they already started further apart.
"""

from __future__ import annotations

from collections.abc import Iterable

from booking_core.allocation.strategies import Applicant, Assignment, GroupSlot


def interchangeable_groups(groups: Iterable[GroupSlot], applicants: Iterable[Applicant]) -> list[list[int]]:
    """Group ids partitioned into interchangeable sets, each set and the sets in configured group order."""
    ordered = sorted(groups, key=lambda group: (group.order, group.id))
    known = {group.id for group in ordered}
    accepted_by: dict[int, set[int]] = {group.id: set() for group in ordered}
    for applicant in applicants:
        for group_id in applicant.preferences or ():
            if group_id in known:
                accepted_by[group_id].add(applicant.id)
    sets: dict[tuple[int, frozenset[int]], list[int]] = {}
    for group in ordered:
        sets.setdefault((group.capacity, frozenset(accepted_by[group.id])), []).append(group.id)
    return list(sets.values())


def max_fill_spread(
    assignment: Assignment, groups: Iterable[GroupSlot], *, applicants: Iterable[Applicant] | None = None,
) -> int:
    """Largest difference in final fill (seats) within a set of interchangeable groups.

    Without `applicants` every group counts as interchangeable with every other, which gives the
    plain spread of final fill across all groups.
    """
    groups = list(groups)
    if applicants is None:
        sets = [[group.id for group in groups]]
    else:
        sets = interchangeable_groups(groups, applicants)
    spreads = [
        max(assignment.fill[group_id] for group_id in members) - min(assignment.fill[group_id] for group_id in members)
        for members in sets if members
    ]
    return max(spreads, default=0)
