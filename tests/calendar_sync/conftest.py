"""A real CalDAV server for the calendar sync tests: Radicale on a free local port with its own storage folder,
no authentication (every user name is an account of its own, so each test uses a fresh one), and the back office's
frozen clock."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
import uuid

import caldav
import pytest
import time_machine

from tests.backoffice.clock import NOW


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"radicale exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("radicale did not start listening in time")


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    """The base address of a running Radicale server."""
    yield from _radicale(tmp_path_factory.mktemp("radicale"), "[auth]\ntype = none\n")


@pytest.fixture(scope="session")
def radicale_with_passwords(tmp_path_factory):
    """The base address of a Radicale server that knows one account: anna, password right-password."""
    folder = tmp_path_factory.mktemp("radicale-auth")
    (folder / "users").write_text("anna:right-password\n")
    yield from _radicale(folder, f"[auth]\ntype = htpasswd\nhtpasswd_filename = {folder / 'users'}\n"
                                 "htpasswd_encryption = plain\ndelay = 0\n")


def _radicale(folder, auth: str):
    port = _free_port()
    config = folder / "config"
    config.write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        + auth
        + f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
        "[logging]\nlevel = warning\n"
        "[web]\ntype = none\n"
    )
    process = subprocess.Popen([sys.executable, "-m", "radicale", "--config", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


_accounts = itertools.count(1)


@pytest.fixture
def calendar_account(radicale):
    """(the server's address, user name) of a new Radicale account with no calendar yet."""
    return f"{radicale}/", f"staff{next(_accounts)}-{uuid.uuid4().hex[:8]}"


def server_calendar(url: str, username: str):
    """The account's (first) calendar, read directly from the server: what the staff member's app shows."""
    client = caldav.DAVClient(url=url, username=username, password="unused")
    return client.principal().calendars()[0]


def server_events(url: str, username: str) -> list[tuple[str, object, object, str]]:
    """(UID, start, end, title) of every event in the account's calendar."""
    found = []
    for item in server_calendar(url, username).events():
        for component in item.icalendar_instance.walk("VEVENT"):
            found.append((str(component["uid"]), component.decoded("dtstart"), component.decoded("dtend"),
                          str(component.get("summary", ""))))
    return sorted(found)


@pytest.fixture(autouse=True)
def frozen_clock():
    # The clock moves on from the back office tests' Wednesday morning (the HTTP client measures its timeouts).
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller
