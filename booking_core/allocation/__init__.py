"""Fair, reproducible allocation of places in monthly programmes, as pure functions (no Django, no database).

    order = fair_order(applicants, mode="lottery", seed=programme_seed, returning_priority=True)
    assignment = allocate(groups, order, strategy="balanced")
"""

from __future__ import annotations

from booking_core.allocation.ordering import ORDER_MODES, OrderMode, fair_order, new_lottery_seed
from booking_core.allocation.spread import interchangeable_groups, max_fill_spread
from booking_core.allocation.strategies import (
    STRATEGIES,
    Applicant,
    Assignment,
    Decision,
    GroupSlot,
    Strategy,
    allocate,
)

__all__ = [
    "ORDER_MODES",
    "STRATEGIES",
    "Applicant",
    "Assignment",
    "Decision",
    "GroupSlot",
    "OrderMode",
    "Strategy",
    "allocate",
    "fair_order",
    "interchangeable_groups",
    "max_fill_spread",
    "new_lottery_seed",
]
