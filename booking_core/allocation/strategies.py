"""Allocating places in monthly programmes: who goes into which group, decided by a pure function.

Many people sign up for a programme at once, so the choice must be fair, explainable and repeatable:
`allocate()` takes the groups and the sign-ups in the order they are to be served (see
`booking_core.allocation.ordering.fair_order`) and returns one `Decision` per sign-up, each with a
machine-readable rule and a plain reason. Nothing here touches Django or the database; the services
that persist an assignment lock the groups themselves.

Terms, precisely:

- A group's *room* is `capacity - taken - seats placed so far` (never below zero); its *position* is
  its place in configured group order, `(order, id)`, so equal `order` values are broken by id.
- A sign-up *accepts* the groups named in its preferences that exist (unknown ids are ignored); no
  preferences (None or empty) accepts every group. The *rank* of a named group is its index in the
  preferences (0 = best; a repeated id keeps its first rank); for "any group" every group has rank 0.
- A household (sign-ups sharing a `household` key) is one unit: it goes into one group that every
  member accepts and that has room for all of them, or all of them stay unplaced: with the rule
  `household.no_group_fits_all` when a group they all accept is big enough but full (worth waiting
  for), `household.no_shared_group` when none is (not worth waiting for). Its rank of a group is
  `(worst member rank, sum of member ranks)`, so the member served worst decides first.

Fast fill (groups form quickly). Among the groups a unit accepts at one rank, only the first group
by position that has room for the unit is *open*; the unit goes into the open group of its best rank.
Individual preferences are a strict ranking, so equal rank only arises for "any group" (one rank
holding all groups) and for households; either way fast fill never places a unit in a later group
while an earlier group it accepts at the same rank has room for it. Put as one sort: the first group
by `(rank, position)` with room.

Balanced (groups grow evenly). The unit goes into the accepted group with room whose fill ratio
`(taken + placed) / capacity` is lowest, ties by rank, then position. Among groups of equal capacity
that the same sign-ups accept (see `booking_core.allocation.spread`), the fill therefore never lies
further apart than the larger of the spread they started with and the largest unit placed: one seat
without households.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Strategy = Literal["fast_fill", "balanced"]
STRATEGIES: tuple[Strategy, ...] = ("fast_fill", "balanced")

# Rules name why a sign-up ended where it did; user-facing text should be keyed on them, not on reasons.
FAST_FILL_FIRST_OPEN_GROUP = "fast_fill.first_open_group"
FAST_FILL_PREFERRED_GROUP = "fast_fill.preferred_group"
BALANCED_LOWEST_FILL = "balanced.lowest_fill"
HOUSEHOLD_PLACED_TOGETHER = "household.placed_together"
HOUSEHOLD_NO_GROUP_FITS_ALL = "household.no_group_fits_all"  # a shared group exists but none has room
HOUSEHOLD_NO_SHARED_GROUP = "household.no_shared_group"  # no group every member accepts is big enough
NO_ACCEPTABLE_GROUP_HAS_ROOM = "no_acceptable_group_has_room"
NO_ACCEPTABLE_GROUP = "no_acceptable_group"


@dataclass(frozen=True, slots=True)
class GroupSlot:
    """One group of a programme: its seats, the seats already taken, and its place in group order."""

    id: int
    capacity: int
    taken: int
    order: int


@dataclass(frozen=True, slots=True)
class Applicant:
    """One sign-up: ranked group ids (best first; None or empty accepts any group) and how to order it."""

    id: int
    preferences: tuple[int, ...] | None = None
    arrival: float = 0
    priority: int = 0  # higher is served first when the programme favours returning participants
    household: str | None = None  # sign-ups sharing this key asked to be placed together

    @property
    def accepts_any_group(self) -> bool:
        return not self.preferences


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one sign-up went (None: waitlist), the rule that decided it, and a reason for the audit log."""

    applicant_id: int
    group_id: int | None
    rule: str
    reason: str


@dataclass(frozen=True)
class Assignment:
    """The outcome of one allocation run; `unplaced` is in processing order, which is the waitlist order."""

    strategy: Strategy
    decisions: list[Decision]
    placed: dict[int, int]  # applicant id -> group id
    unplaced: list[int]
    fill: dict[int, int]  # group id -> seats taken afterwards, including those taken before


def allocate(groups: Iterable[GroupSlot], applicants: Iterable[Applicant], *, strategy: Strategy) -> Assignment:
    """Place the sign-ups, in the order given, into groups by the strategy; never exceeds any capacity."""
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown allocation strategy {strategy!r}; expected one of {STRATEGIES}.")
    board = _Board(list(groups), balanced=strategy == "balanced")
    applicants = list(applicants)
    households = _households(applicants)
    decisions: list[Decision] = []
    served: set[str] = set()
    for applicant in applicants:
        members = households.get(applicant.household) if applicant.household is not None else None
        if members is None:
            decisions.append(board.place_individual(applicant))
        elif applicant.household not in served:
            served.add(applicant.household)
            decisions.extend(board.place_household(members))
    placed = {decision.applicant_id: decision.group_id for decision in decisions if decision.group_id is not None}
    unplaced = [decision.applicant_id for decision in decisions if decision.group_id is None]
    return Assignment(strategy=strategy, decisions=decisions, placed=placed, unplaced=unplaced, fill=board.fill_by_id())


def _households(applicants: Sequence[Applicant]) -> dict[str, list[Applicant]]:
    """Households of two or more members, members in the order given; a lone member is simply one sign-up."""
    seen_ids: set[int] = set()
    by_key: dict[str, list[Applicant]] = {}
    for applicant in applicants:
        if applicant.id in seen_ids:
            raise ValueError(f"Applicant {applicant.id} appears more than once.")
        seen_ids.add(applicant.id)
        if applicant.household is not None:
            by_key.setdefault(applicant.household, []).append(applicant)
    return {key: members for key, members in by_key.items() if len(members) > 1}


class _Board:
    """Groups indexed by position, with their fill; the places where each strategy finds a group fast.

    10,000 sign-ups across 100 groups must allocate in a fraction of a second, so the common cases avoid
    scanning every group per sign-up: fast fill keeps a cursor on the first group with room (groups only
    ever fill up, so it only moves forward), and balanced keeps a heap of groups by fill ratio whose
    stale entries are dropped when they surface.
    """

    def __init__(self, groups: list[GroupSlot], *, balanced: bool) -> None:
        for group in groups:
            if group.capacity < 0 or group.taken < 0:
                raise ValueError(f"Group {group.id} has a negative capacity or taken count.")
        ordered = sorted(groups, key=lambda group: (group.order, group.id))
        self.ids = [group.id for group in ordered]
        self.position_of = {group_id: position for position, group_id in enumerate(self.ids)}
        if len(self.position_of) != len(ordered):
            raise ValueError("Group ids must be unique.")
        self.capacity = [group.capacity for group in ordered]
        self.fill = [group.taken for group in ordered]
        self.balanced = balanced
        self._ranked_positions: dict[tuple[int, ...], tuple[int, ...]] = {}
        self._first_with_room = 0
        # Balanced: (fill ratio, position, fill when pushed); an entry whose fill is out of date is stale.
        self._by_ratio = [(self._ratio(p), p, self.fill[p]) for p in range(len(ordered)) if self._room(p)]
        heapq.heapify(self._by_ratio)

    def fill_by_id(self) -> dict[int, int]:
        return dict(zip(self.ids, self.fill, strict=True))

    def _room(self, position: int) -> int:
        return max(0, self.capacity[position] - self.fill[position])

    def _ratio(self, position: int) -> float:
        # Correctly rounded division maps equal fractions to equal floats, and the capacities of real
        # groups are far too small for two different fractions to round to the same float.
        return self.fill[position] / self.capacity[position]

    def _take(self, position: int, seats: int) -> None:
        self.fill[position] += seats
        if self.balanced and self._room(position):
            heapq.heappush(self._by_ratio, (self._ratio(position), position, self.fill[position]))

    def ranked_positions(self, preferences: tuple[int, ...] | None) -> tuple[int, ...] | None:
        """Accepted positions, best rank first; None means any group. Unknown and repeated ids drop out."""
        if not preferences:
            return None
        preferences = tuple(preferences)
        ranked = self._ranked_positions.get(preferences)
        if ranked is None:
            # Kept in C loops (map, dict.fromkeys): sign-ups that rank all 100 groups are a real case.
            positions = dict.fromkeys(map(self.position_of.get, preferences))
            positions.pop(None, None)
            ranked = self._ranked_positions[preferences] = tuple(positions)
        return ranked

    # --- one sign-up --------------------------------------------------------------------------------

    def place_individual(self, applicant: Applicant) -> Decision:
        ranked = self.ranked_positions(applicant.preferences)
        if ranked is not None and not ranked:
            return Decision(applicant.id, None, NO_ACCEPTABLE_GROUP, "none of the preferred groups exists")
        if self.balanced:
            position = self._lowest_fill_any() if ranked is None else self._lowest_fill_ranked(ranked)
        elif ranked is None:
            position = self._first_open_any()
        else:
            position = next((p for p in ranked if self.fill[p] < self.capacity[p]), None)
        if position is None:
            return Decision(applicant.id, None, NO_ACCEPTABLE_GROUP_HAS_ROOM, "every acceptable group is full")
        rule, reason = self._explain(position, ranked)
        self._take(position, 1)
        return Decision(applicant.id, self.ids[position], rule, reason)

    def _explain(self, position: int, ranked: tuple[int, ...] | None) -> tuple[str, str]:
        if self.balanced:
            filled = f"{self.fill[position]}/{self.capacity[position]}"
            return BALANCED_LOWEST_FILL, f"lowest fill ({filled}) of the acceptable groups with room"
        if ranked is None:
            return FAST_FILL_FIRST_OPEN_GROUP, "first group in order with room"
        rank = ranked.index(position) + 1
        return FAST_FILL_PREFERRED_GROUP, f"preference {rank}, the best-ranked preferred group with room"

    def _first_open_any(self) -> int | None:
        while self._first_with_room < len(self.ids) and not self._room(self._first_with_room):
            self._first_with_room += 1
        return self._first_with_room if self._first_with_room < len(self.ids) else None

    def _lowest_fill_any(self) -> int | None:
        heap = self._by_ratio
        while heap:
            _, position, fill_when_pushed = heap[0]
            if fill_when_pushed == self.fill[position]:
                return position
            heapq.heappop(heap)
        return None

    def _lowest_fill_ranked(self, ranked: tuple[int, ...]) -> int | None:
        # Walking in rank order and replacing only on a strictly lower ratio breaks ties by rank; a
        # group has one rank, so position never needs to break a tie here.
        fill, capacity = self.fill, self.capacity
        best_ratio, best_position = float("inf"), None
        for position in ranked:
            seats_taken, seats = fill[position], capacity[position]
            if seats_taken < seats and seats_taken / seats < best_ratio:
                best_ratio, best_position = seats_taken / seats, position
        return best_position

    # --- one household ------------------------------------------------------------------------------

    def place_household(self, members: list[Applicant]) -> list[Decision]:
        size = len(members)
        with_room = self._shared_groups_with_room(members, size)
        if not with_room:
            # Two different outcomes: waiting makes sense only if some group could ever take them all.
            if self._any_shared_group_big_enough(members, size):
                rule, reason = HOUSEHOLD_NO_GROUP_FITS_ALL, f"no group has room for all {size} members"
            else:
                rule, reason = HOUSEHOLD_NO_SHARED_GROUP, f"no group is acceptable to all {size} members"
            reason += " of the household"
            return [Decision(member.id, None, rule, reason) for member in members]
        if self.balanced:
            _, _, position = min((self._ratio(position), rank, position) for rank, position in with_room)
            how = f"balanced, lowest fill ({self.fill[position]}/{self.capacity[position]})"
        else:
            _, position = min(with_room)
            how = "fast fill, first group in order with room at their best shared rank"
        self._take(position, size)
        reason = f"with all {size} members of the household ({how})"
        return [Decision(member.id, self.ids[position], HOUSEHOLD_PLACED_TOGETHER, reason) for member in members]

    def _rank_maps(self, members: list[Applicant]) -> list[dict[int, int]]:
        """Position -> rank for each member who named groups, fewest groups first; "any" members drop out."""
        rankings = [self.ranked_positions(member.preferences) for member in members]
        maps = [dict(zip(ranked, range(len(ranked)), strict=True)) for ranked in rankings if ranked is not None]
        return sorted(maps, key=len)

    def _shared_groups_with_room(self, members: list[Applicant], size: int) -> list[tuple[tuple[int, int], int]]:
        """(household rank, position) of groups every member accepts that have room for all of them.

        The household rank is (worst member rank, sum of member ranks); members without preferences
        rank every group 0.
        """
        rank_maps = self._rank_maps(members)
        if not rank_maps:
            return [((0, 0), position) for position in range(len(self.ids)) if self._room(position) >= size]
        narrowest, *others = rank_maps
        fill, capacity = self.fill, self.capacity
        shared = []
        for position, rank in narrowest.items():
            if capacity[position] - fill[position] < size:
                continue
            worst = total = rank
            for rank_of in others:
                other_rank = rank_of.get(position)
                if other_rank is None:
                    break
                worst, total = max(worst, other_rank), total + other_rank
            else:
                shared.append(((worst, total), position))
        return shared

    def _any_shared_group_big_enough(self, members: list[Applicant], size: int) -> bool:
        """Whether some group every member accepts could hold them all once places free up."""
        rank_maps = self._rank_maps(members)
        big_enough = [position for position in range(len(self.ids)) if self.capacity[position] >= size]
        if not rank_maps:
            return bool(big_enough)
        return any(all(position in rank_of for rank_of in rank_maps) for position in big_enough)
