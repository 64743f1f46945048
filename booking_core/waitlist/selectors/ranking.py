"""Who is next on a waitlist, and why: one pure function used both to prepare offers and to show operators
the queue, so what an operator sees is exactly what the system does.

Ranking is priority (higher first), then time of joining, then id. Walking down the ranking with the free
seats in hand, a waiting entry gets seats if it wants no more than are left; one that wants more is passed
over for now but keeps its position (a family of three is not pushed back by a later single). Entries that
already have an open offer hold their seats and take nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

WAITING = "waiting"

# Why a candidate is (not) next, as codes; pages and the API turn them into words.
NEXT_IN_LINE = "next_in_line"
WANTS_MORE_SEATS_THAN_FREE = "wants_more_seats_than_free"
OFFER_OPEN = "offer_open"
NO_SEATS_FREE = "no_seats_free"
WAITING_BEHIND_OTHERS = "waiting_behind_others"


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    priority: int
    joined_at: dt.datetime
    seats_wanted: int
    status: str


@dataclass(frozen=True)
class RankedCandidate:
    position: int
    candidate: Candidate
    gets_seats: bool
    reason: str


def ranking_key(candidate: Candidate) -> tuple:
    return (-candidate.priority, candidate.joined_at, candidate.entry_id)


def rank(candidates: Iterable[Candidate], free_seats: int) -> list[RankedCandidate]:
    """The candidates in order, each marked with whether `free_seats` would give them an offer now."""
    left = max(0, free_seats)
    ranked = []
    for position, candidate in enumerate(sorted(candidates, key=ranking_key), start=1):
        if candidate.status != WAITING:
            ranked.append(RankedCandidate(position, candidate, False, OFFER_OPEN))
        elif free_seats <= 0:
            ranked.append(RankedCandidate(position, candidate, False, NO_SEATS_FREE))
        elif candidate.seats_wanted <= left:
            left -= candidate.seats_wanted
            ranked.append(RankedCandidate(position, candidate, True, NEXT_IN_LINE))
        elif candidate.seats_wanted > free_seats:
            ranked.append(RankedCandidate(position, candidate, False, WANTS_MORE_SEATS_THAN_FREE))
        else:
            ranked.append(RankedCandidate(position, candidate, False, WAITING_BEHIND_OTHERS))
    return ranked


def chosen(candidates: Iterable[Candidate], free_seats: int) -> list[Candidate]:
    """The candidates who get an offer for `free_seats`, best first."""
    return [item.candidate for item in rank(candidates, free_seats) if item.gets_seats]
