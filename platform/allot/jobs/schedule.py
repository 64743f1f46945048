"""What the scheduler runs, and how often."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: float
    enqueue: Callable[[], None]


def periodic_jobs() -> list[PeriodicJob]:
    return []
