"""The periodic job runner: one active scheduler per deployment, however many are started.

Leadership is a Redis key with a short expiry that the leader keeps renewing; a standby takes over
within LEASE_SECONDS of the leader dying. The leader only enqueues: the work itself runs in the shared
worker pool, fanned out per tenant by the jobs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid

from allot import heartbeat
from allot.heartbeat_board import BoardEntry
from allot.redis import get_redis, key

logger = logging.getLogger(__name__)

LEASE_SECONDS = 10
TICK_SECONDS = 1.0

# Renew only if we still hold the lease: compare-and-set, atomically.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class Leadership:
    def __init__(self, name: str = "scheduler"):
        self.key = key("scheduler", name, "leader")
        self.identity = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.redis = get_redis()

    def acquire_or_renew(self) -> bool:
        lease_ms = LEASE_SECONDS * 1000
        if self.redis.set(self.key, self.identity, nx=True, px=lease_ms):
            return True
        return bool(self.redis.eval(_RENEW, 1, self.key, self.identity, lease_ms))

    def release(self) -> None:
        if self.redis.get(self.key) == self.identity.encode():
            self.redis.delete(self.key)


def scheduler_leader(name: str = "scheduler") -> tuple[str, float] | None:
    """Who holds the scheduler's lease now and for how many more seconds, or None: a leader renews it every tick,
    so a held lease is the scheduler's heartbeat."""
    client = get_redis()
    lease_key = key("scheduler", name, "leader")
    pipeline = client.pipeline()
    pipeline.get(lease_key)
    pipeline.pttl(lease_key)
    identity, remaining_ms = pipeline.execute()
    if identity is None or remaining_ms is None or remaining_ms < 0:
        return None
    return identity.decode() if isinstance(identity, bytes) else identity, remaining_ms / 1000


def run_scheduler(*, once: bool = False, stop: threading.Event | None = None) -> None:
    from allot.jobs.schedule import periodic_jobs

    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *args: stop.set())
        signal.signal(signal.SIGINT, lambda *args: stop.set())
    leadership = Leadership()
    board_entry = BoardEntry("scheduler", role="standby")
    next_run: dict[str, float] = {}
    was_leader = False
    last_beat = 0.0
    try:
        while not stop.is_set():
            leader = leadership.acquire_or_renew()
            # Leader or standby, a loop that reached Redis is alive: `allot healthcheck scheduler` checks this.
            board_entry.role = "leader" if leader else "standby"
            if time.monotonic() - last_beat >= heartbeat.interval_seconds() or leader != was_leader:
                heartbeat.beat("scheduler")
                # Its line on the console's list of processes (allot.heartbeat_board).
                with contextlib.suppress(Exception):
                    board_entry.beat()
                last_beat = time.monotonic()
            if leader != was_leader:
                logger.info("scheduler %s is %s", leadership.identity, "the leader" if leader else "standing by")
                was_leader = leader
            if leader:
                now = time.monotonic()
                for job in periodic_jobs():
                    if next_run.get(job.name, 0) <= now:
                        next_run[job.name] = now + job.every_seconds
                        try:
                            job.enqueue()
                        except Exception:
                            logger.exception("could not enqueue periodic job %s", job.name)
            if once:
                break
            stop.wait(TICK_SECONDS)
    finally:
        leadership.release()
        with contextlib.suppress(Exception):
            board_entry.remove()
