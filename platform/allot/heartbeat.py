"""Heartbeat files: a long-running process proves it is still working by touching a file; the exec probes of
the Helm chart (`allot healthcheck worker|scheduler`) check how old the file is.

Files live in ALLOT_HEARTBEAT_DIR (default: the temporary folder, an emptyDir in the chart's pods). This
module imports nothing from Django: the probe runs it in a fresh interpreter every period.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_INTERVAL_SECONDS = 10.0
DEFAULT_MAX_AGE_SECONDS = 60.0


def heartbeat_path(name: str) -> Path:
    folder = os.environ.get("ALLOT_HEARTBEAT_DIR") or tempfile.gettempdir()
    return Path(folder) / f"allot-{name}.heartbeat"


def interval_seconds() -> float:
    return float(os.environ.get("ALLOT_HEARTBEAT_SECONDS") or DEFAULT_INTERVAL_SECONDS)


def beat(name: str) -> None:
    path = heartbeat_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path)  # touch() leaves an existing file's time alone on some filesystems


def age_seconds(name: str, now: float | None = None) -> float | None:
    """Seconds since the last beat, or None when there never was one."""
    try:
        modified = heartbeat_path(name).stat().st_mtime
    except FileNotFoundError:
        return None
    return max(0.0, (now if now is not None else time.time()) - modified)


def check(name: str, max_age: float = DEFAULT_MAX_AGE_SECONDS) -> tuple[bool, str]:
    age = age_seconds(name)
    if age is None:
        return False, f"{name}: no heartbeat at {heartbeat_path(name)}"
    if age > max_age:
        return False, f"{name}: last heartbeat {age:.0f} s ago (more than {max_age:.0f} s)"
    return True, f"{name}: last heartbeat {age:.0f} s ago"


class Beating:
    """A daemon thread that beats every `interval` seconds while `healthy()` says so, and then calls `on_beat()`
    (the worker's line on the console's board, allot.heartbeat_board)."""

    def __init__(self, name: str, healthy, interval: float | None = None, on_beat=None):
        self.name = name
        self.healthy = healthy
        self.on_beat = on_beat
        self.interval = interval if interval is not None else interval_seconds()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"heartbeat-{name}", daemon=True)

    def start(self) -> Beating:
        self.thread.start()
        return self

    def _run(self) -> None:
        while True:
            try:
                if self.healthy():
                    beat(self.name)
                    if self.on_beat is not None:
                        self.on_beat()
            except Exception:  # an unhealthy check simply does not beat; the probe notices
                pass
            if self.stop.wait(self.interval):
                return
