"""The heartbeat board: every worker and scheduler process, with when it last beat, for the console.

The heartbeat files (allot.heartbeat) live in each pod's own folder for its exec probe; nobody else can read
them. Each time a process beats its file it also writes one entry of a Redis hash shared by the deployment:
field `<kind>:<host>:<pid>`, value a small JSON (kind, host, pid, queues, role, started, last_seen). The
console's health page lists them (`heartbeat_board_entries`): a process whose last beat is older than the probes'
limit is marked stale (it died, hangs, or lost Redis). A process that stops cleanly removes its entry; the entry
of one that did not stays, marked stale, for ENTRY_RETENTION_SECONDS and is then removed by the next beat of
any process.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass

from allot.heartbeat import DEFAULT_MAX_AGE_SECONDS, interval_seconds
from allot.redis import get_redis, key

ENTRY_RETENTION_SECONDS = 3600.0


def _board_key() -> str:
    return key("heartbeats")


def _identity(kind: str) -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"


class BoardEntry:
    """This process's line on the board; `beat()` refreshes it (from the heartbeat thread or loop)."""

    def __init__(self, kind: str, *, queues: list[str] | tuple[str, ...] = (), role: str = ""):
        self.kind = kind
        self.queues = sorted(queues)
        self.role = role
        self.started = time.time()
        self.field = _identity(kind)

    def beat(self, *, now: float | None = None) -> None:
        now = time.time() if now is None else now
        value = json.dumps({
            "kind": self.kind, "host": socket.gethostname(), "pid": os.getpid(), "queues": self.queues,
            "role": self.role, "started": self.started, "last_seen": now,
        })
        client = get_redis()
        client.hset(_board_key(), self.field, value)
        # Forget processes gone for longer than the retention (pods replaced long ago): a handful of entries.
        expired = [field for field, raw in client.hgetall(_board_key()).items()
                   if _last_seen(raw) < now - ENTRY_RETENTION_SECONDS]
        if expired:
            client.hdel(_board_key(), *expired)

    def remove(self) -> None:
        get_redis().hdel(_board_key(), self.field)


def _last_seen(raw: bytes) -> float:
    try:
        return float(json.loads(raw)["last_seen"])
    except (ValueError, KeyError, TypeError):
        return 0.0


@dataclass(frozen=True)
class BoardLine:
    kind: str  # "worker" or "scheduler"
    host: str
    pid: int
    queues: list[str]
    role: str  # the scheduler's "leader" or "standby"; empty for workers
    started: float
    last_seen: float
    age_seconds: float
    stale: bool


def stale_after_seconds() -> float:
    """As the probes judge it: older than the chart's default limit, or three missed beats if they are slower."""
    return max(DEFAULT_MAX_AGE_SECONDS, 3 * interval_seconds())


def heartbeat_board_entries(*, now: float | None = None, max_age: float | None = None) -> list[BoardLine]:
    """Every process on the board, fresh ones first (schedulers, then workers, by host and pid), then stale ones."""
    now = time.time() if now is None else now
    max_age = stale_after_seconds() if max_age is None else max_age
    lines = []
    for raw in get_redis().hgetall(_board_key()).values():
        try:
            entry = json.loads(raw)
            last_seen = float(entry["last_seen"])
            age = max(0.0, now - last_seen)
            lines.append(BoardLine(
                kind=str(entry["kind"]), host=str(entry["host"]), pid=int(entry["pid"]),
                queues=list(entry.get("queues") or []), role=str(entry.get("role") or ""),
                started=float(entry.get("started") or last_seen), last_seen=last_seen, age_seconds=age,
                stale=age > max_age,
            ))
        except (ValueError, KeyError, TypeError):
            continue
    return sorted(lines, key=lambda line: (line.stale, line.kind != "scheduler", line.host, line.pid))
