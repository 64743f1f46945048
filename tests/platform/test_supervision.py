"""`allot up` supervises its processes: a crashed worker, scheduler or mail catcher is started again after a
growing pause while the web keeps serving; only repeated crashes in a short time stop everything."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from allot.cli import CrashPolicy, Supervisor
from tests.conftest import CHECKOUT_DIR, child_environment, host_of

# --- the policy: pause and give-up ------------------------------------------------------------------


def test_each_crash_within_the_window_doubles_the_pause_up_to_the_cap():
    policy = CrashPolicy(max_crashes=10, window=60, base_delay=0.5, max_delay=4)
    assert [policy.crashed("worker", now=100 + i) for i in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_the_fifth_crash_within_sixty_seconds_gives_up():
    policy = CrashPolicy(max_crashes=5, window=60)
    assert all(policy.crashed("worker", now=t) is not None for t in (0, 10, 20, 30))
    assert policy.crashed("worker", now=59) is None


def test_crashes_spread_over_more_than_the_window_never_give_up_and_the_pause_resets():
    policy = CrashPolicy(max_crashes=5, window=60, base_delay=0.5)
    pauses = [policy.crashed("worker", now=t * 61) for t in range(20)]
    assert pauses == [0.5] * 20


def test_crashes_are_counted_per_process():
    policy = CrashPolicy(max_crashes=3, window=60)
    for t in (0, 1):
        policy.crashed("worker", now=t)
        policy.crashed("scheduler", now=t)
    assert policy.crashed("mail", now=2) is not None
    assert policy.crashed("worker", now=2) is None


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_the_supervisor_restarts_a_crashing_process_keeps_the_others_and_gives_up_after_repeated_crashes():
    # given: one process that keeps running and one that dies at once, with a fast policy
    lines = []
    supervisor = Supervisor(os.environ.copy(), CrashPolicy(max_crashes=3, window=60, base_delay=0.05),
                            log=lines.append)
    supervisor.start("web", _python("import time; time.sleep(60)"))
    supervisor.start("worker", _python("import sys; sys.exit(3)"))
    web = supervisor.children["web"]
    try:
        # when: it watches them
        deadline = time.monotonic() + 20
        while supervisor.check() and time.monotonic() < deadline:
            time.sleep(0.02)
        # then: the worker was started three times, each exit logged, and the third gives up
        assert supervisor.gave_up and "worker process exited (code 3) 3 times within 60 s" in supervisor.gave_up
        restarts = [line for line in lines if "restarting it in" in line]
        assert restarts == [
            "allot: the worker process exited (code 3); restarting it in 0.1 s (crash 1 of 3 allowed within 60 s)",
            "allot: the worker process exited (code 3); restarting it in 0.1 s (crash 2 of 3 allowed within 60 s)",
        ]
        assert supervisor.check() is False and len([line for line in lines if "giving up" in line]) == 1
        # and: the web was never touched until the supervisor gave up
        assert supervisor.children["web"] is web and web.poll() is None
    finally:
        supervisor.stop_all(timeout=5)
    assert web.poll() is not None


# --- the real thing: kill the worker under `allot up` during a burst of bookings ---------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _latest_pid(log_path: Path, name: str) -> int:
    marker = f"allot: started {name} (pid "
    lines = [line for line in log_path.read_text().splitlines() if line.startswith(marker)]
    return int(lines[-1][len(marker):].rstrip(")"))


def _kill_worker_processes(log_path: Path) -> list[int]:
    """SIGKILL the dramatiq worker processes (what the OOM killer does), not dramatiq's main process."""
    main = _latest_pid(log_path, "worker")
    deadline = time.monotonic() + 30
    while not (victims := _children(main)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victims, "the worker has no worker processes"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    return victims


def _wait_for_line(log_path: Path, text: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while log_path.read_text().count(text) < count:
        assert time.monotonic() < deadline, f"no {count}x {text!r} in:\n" + log_path.read_text()[-4000:]
        time.sleep(0.2)


def _post(port: int, host: str, path: str, body: bytes) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST",
                                     headers={"Host": f"{host}:{port}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _recipients(folder: Path) -> list[str]:
    found = []
    for path in folder.glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        found += [address.addr_spec for address in message["To"].addresses]
    return found


@pytest.mark.slow
def test_killing_the_worker_twice_during_a_burst_loses_no_request_and_no_confirmation(
        committed_db, tenant_alpha, in_tenant, tmp_path):
    import json

    from tests.factories import make_service, make_session

    # given: a session with room for everyone, and `allot up` on the test database with its mail catcher
    with in_tenant(tenant_alpha):
        service = make_service(min_notice_minutes=0, max_seats_per_booking=1)
        session = make_session(service, capacity=1000, starts_in_days=5)
    port, mail_port = _free_port(), _free_port()
    env = child_environment(ALLOT_DATA_DIR=str(tmp_path / "data"), ALLOT_RATE_LIMITS_ENABLED="0")
    env.pop("EMAIL_URL")  # allot up sends mail to its own mail catcher
    log_path = tmp_path / "up.log"
    with open(log_path, "w") as log:
        up = subprocess.Popen(
            [sys.executable, "-m", "allot.cli", "up", "--no-seed", "--no-stripe", "--port", str(port), "--mail-port",
             str(mail_port), "--web-workers", "2"],
            cwd=CHECKOUT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_line(log_path, "Press Ctrl-C", 1, timeout=180)
        host = host_of(tenant_alpha)
        statuses: dict[int, int] = {}
        total = 60

        def book(index: int) -> None:
            body = json.dumps({"service": service.pk, "session": session.pk, "seats": 1,
                               "client": {"name": f"Client {index}", "email": f"burst{index}@example.com"}})
            try:
                statuses[index] = _post(port, host, "/api/v1/bookings/", body.encode())
            except OSError as error:  # connection refused or reset: the web did not answer
                statuses[index] = repr(error)

        def burst(indexes) -> None:
            for index in indexes:
                book(index)
                time.sleep(0.05)

        # when: bookings keep coming while the worker is SIGKILLed twice
        clients = [threading.Thread(target=burst, args=(range(i, total, 3),)) for i in range(3)]
        for thread in clients:
            thread.start()
        time.sleep(1)
        _kill_worker_processes(log_path)
        _wait_for_line(log_path, "allot: started worker", 2, timeout=60)
        time.sleep(1)
        _kill_worker_processes(log_path)
        _wait_for_line(log_path, "allot: started worker", 3, timeout=60)
        for thread in clients:
            thread.join(120)

        # then: every request was answered and booked
        assert sorted(statuses) == list(range(total))
        assert {status for status in statuses.values()} == {201}, statuses
        # and: every confirmation arrived at the mail catcher (the outbox retries what the dead worker held)
        folder = tmp_path / "data" / "mail"
        expected = {f"burst{index}@example.com" for index in range(total)}
        deadline = time.monotonic() + 300  # a busy machine's worker pool is slow, not lossy
        while not expected <= set(_recipients(folder)) and time.monotonic() < deadline:
            time.sleep(1)
        arrived = _recipients(folder)
        assert expected - set(arrived) == set()
        # and: /metrics adds up the bookings every gunicorn process counted (multiprocess mode)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Host": f"{host}:{port}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            metrics = response.read().decode()
        assert f'allot_bookings_total{{kind="group"}} {float(total)}' in metrics
        assert 'route="api-booking-create"' in metrics
        # and: the crashes were logged, and `allot up` is still running
        output = log_path.read_text()
        assert output.count("allot: the worker process exited") == 2
        assert up.poll() is None
        print(f"confirmations: {len(expected)} expected, {len([a for a in arrived if a in expected])} arrived")
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(60)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()


@pytest.mark.slow
def test_allot_up_gives_up_with_a_clear_message_when_a_process_keeps_crashing(committed_db, tmp_path):
    # given: the mail catcher's port is taken, so the mail catcher dies at every start
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        mail_port = taken.getsockname()[1]
        port = _free_port()
        env = child_environment(ALLOT_DATA_DIR=str(tmp_path / "data"))
        env.pop("EMAIL_URL")
        log_path = tmp_path / "up.log"
        with open(log_path, "w") as log:
            up = subprocess.Popen(
                [sys.executable, "-m", "allot.cli", "up", "--no-seed", "--no-stripe", "--port", str(port),
                 "--mail-port", str(mail_port), "--web-workers", "1"],
                cwd=CHECKOUT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        try:
            # when: it keeps restarting it
            code = up.wait(240)
        finally:
            if up.poll() is None:
                up.kill()
                up.wait()
    # then: four restarts with growing pauses, then everything stops with a clear message and exit code 1
    output = log_path.read_text()
    assert code == 1, output[-3000:]
    pauses = [line.split("restarting it in ")[1].split(" s")[0] for line in output.splitlines()
              if line.startswith("allot: the mail process exited") and "restarting" in line]
    assert pauses == ["0.5", "1.0", "2.0", "4.0"]
    assert "the mail process exited (code 1) 5 times within 60 s; giving up, stopping everything." in output
    assert output.count("allot: started worker") == 1  # the others were never restarted
    assert "allot: stopped." in output
