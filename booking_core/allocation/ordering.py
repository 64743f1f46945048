"""The order in which a batch of sign-ups is served: by arrival, or by a lottery that can be replayed.

The lottery draws from `random.Random(seed)`; the programme records the seed so anyone can reproduce
the draw later. Only `Random.random()` is used, because Python promises that method's sequence for a
given seed across versions, while `shuffle()` and `randrange()` carry no such promise. The draw is
also independent of the order the sign-ups are passed in: units are put in a canonical order (by
lowest applicant id) before anything is drawn.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from typing import Literal

from booking_core.allocation.strategies import Applicant

OrderMode = Literal["arrival", "lottery"]
ORDER_MODES: tuple[OrderMode, ...] = ("arrival", "lottery")


def new_lottery_seed() -> int:
    """A fresh seed for a programme's lottery; store it with the run so the draw can be replayed."""
    return secrets.randbits(63)


def fair_order(
    applicants: Iterable[Applicant], *, mode: OrderMode, seed: int | None = None, returning_priority: bool = False,
) -> list[Applicant]:
    """Sign-ups in serving order: priority first (if enabled), then arrival or the seeded lottery.

    A household (sign-ups sharing a `household` key) moves as one unit, at the place of its best
    member: highest priority, then earliest arrival, then lowest id; in a lottery, one draw per unit.
    """
    if mode not in ORDER_MODES:
        raise ValueError(f"Unknown ordering mode {mode!r}; expected one of {ORDER_MODES}.")
    if mode == "lottery" and seed is None:
        raise ValueError("A lottery needs a seed, recorded with the run, so that it can be reproduced.")

    def member_key(applicant: Applicant) -> tuple[int, float, int]:
        return (-applicant.priority if returning_priority else 0, applicant.arrival, applicant.id)

    units = _units(applicants)
    for members in units:
        members.sort(key=member_key)
    if mode == "arrival":
        units.sort(key=lambda members: member_key(members[0]))
    else:
        canonical = sorted(units, key=lambda members: min(member.id for member in members))
        draw = random.Random(seed)
        tickets = [(draw.random(), index) for index in range(len(canonical))]
        # Priority still comes first: the lottery only orders sign-ups of equal priority.
        drawn = sorted(zip(tickets, canonical, strict=True), key=lambda pair: (member_key(pair[1][0])[0], pair[0]))
        units = [members for _, members in drawn]
    return [member for members in units for member in members]


def _units(applicants: Iterable[Applicant]) -> list[list[Applicant]]:
    """Each household as one list of its members, every other sign-up as a list of one."""
    units: list[list[Applicant]] = []
    by_household: dict[str, list[Applicant]] = {}
    for applicant in applicants:
        if applicant.household is None:
            units.append([applicant])
        elif applicant.household in by_household:
            by_household[applicant.household].append(applicant)
        else:
            by_household[applicant.household] = [applicant]
            units.append(by_household[applicant.household])
    return units
