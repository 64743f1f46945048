"""Worker and scheduler prove they are alive by refreshing a heartbeat file; `allot healthcheck` (the Helm
chart's exec probe) fails when the file is missing or too old."""

import os
import signal
import subprocess
import sys
import time

import pytest

from allot import heartbeat
from allot.cli import main
from tests.conftest import CHECKOUT_DIR, child_environment


@pytest.fixture
def heartbeat_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOT_HEARTBEAT_DIR", str(tmp_path))
    return tmp_path


def test_healthcheck_passes_on_a_fresh_heartbeat_and_fails_on_a_stale_or_missing_one(heartbeat_dir, capsys):
    # given no heartbeat yet
    assert main(["healthcheck", "worker"]) == 1
    assert "no heartbeat" in capsys.readouterr().err
    # when the worker beats
    heartbeat.beat("worker")
    # then it is healthy
    assert main(["healthcheck", "worker"]) == 0
    # when the last beat is two minutes old
    old = time.time() - 120
    os.utime(heartbeat.heartbeat_path("worker"), (old, old))
    # then it is not (default 60 s), unless the probe allows that much
    assert main(["healthcheck", "worker"]) == 1
    assert "last heartbeat 120 s ago (more than 60 s)" in capsys.readouterr().err
    assert main(["healthcheck", "worker", "--max-age", "180"]) == 0
    # and each process has its own heartbeat
    assert main(["healthcheck", "scheduler"]) == 1


def test_a_beating_thread_beats_only_while_its_check_says_healthy(heartbeat_dir):
    healthy = {"now": False}
    beating = heartbeat.Beating("worker", lambda: healthy["now"], interval=0.05).start()
    try:
        time.sleep(0.3)
        assert heartbeat.age_seconds("worker") is None
        healthy["now"] = True
        deadline = time.monotonic() + 5
        while heartbeat.age_seconds("worker") is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert heartbeat.age_seconds("worker") < 1
    finally:
        beating.stop.set()


@pytest.mark.django_db
def test_the_scheduler_beats_on_each_pass_leader_or_not(heartbeat_dir, monkeypatch):
    from allot.jobs import schedule
    from allot.jobs.scheduler import run_scheduler

    monkeypatch.setattr(schedule, "periodic_jobs", lambda: [])
    run_scheduler(once=True)
    assert heartbeat.age_seconds("scheduler") < 5


@pytest.mark.django_db
def test_the_scheduler_is_on_the_console_board_while_it_runs_and_leaves_it_when_it_stops(heartbeat_dir,
                                                                                         monkeypatch):
    from allot.heartbeat_board import heartbeat_board_entries
    from allot.jobs import schedule
    from allot.jobs.scheduler import run_scheduler

    seen = []
    # a periodic job that looks at the board while the scheduler runs
    monkeypatch.setattr(schedule, "periodic_jobs", lambda: [
        schedule.PeriodicJob("look", 60, lambda: seen.extend(heartbeat_board_entries()))])
    run_scheduler(once=True)
    ours = [line for line in seen if line.kind == "scheduler" and line.pid == os.getpid()]
    assert len(ours) == 1 and ours[0].role == "leader" and not ours[0].stale
    assert not [line for line in heartbeat_board_entries() if line.kind == "scheduler" and line.pid == os.getpid()]


@pytest.mark.slow
def test_a_real_worker_beats_and_the_probe_fails_once_it_is_gone(worker_process, tmp_path):
    # given a worker process that beats every second
    process = worker_process(processes=1, threads=1, ALLOT_HEARTBEAT_DIR=str(tmp_path),
                             ALLOT_HEARTBEAT_SECONDS="1")
    env = child_environment(ALLOT_HEARTBEAT_DIR=str(tmp_path))
    probe = [sys.executable, "-m", "allot.cli", "healthcheck", "worker", "--max-age", "3"]
    deadline = time.monotonic() + 60
    while not (tmp_path / "allot-worker.heartbeat").exists():
        assert time.monotonic() < deadline and process.poll() is None, open(process.log_path).read()[-3000:]
        time.sleep(0.2)
    # then the probe passes
    assert subprocess.run(probe, env=env, cwd=CHECKOUT_DIR, capture_output=True).returncode == 0
    # and the worker is on the console's board with its pid and queues
    from allot.heartbeat_board import heartbeat_board_entries

    deadline = time.monotonic() + 30
    while not (workers := [line for line in heartbeat_board_entries() if line.kind == "worker"]):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert workers[0].pid != os.getpid() and "transactional" in workers[0].queues and not workers[0].stale
    # when the worker is killed (the whole process group, as a hung pod would stop beating)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    time.sleep(4)
    # then the probe fails
    result = subprocess.run(probe, env=env, cwd=CHECKOUT_DIR, capture_output=True, text=True)
    assert result.returncode == 1 and "more than 3 s" in result.stderr
    # and the board marks it stale (killed, it could not take itself off)
    [gone] = [line for line in heartbeat_board_entries(max_age=3) if line.pid == workers[0].pid]
    assert gone.stale
