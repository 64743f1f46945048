"""`allot up` (what `make up` runs) on a fresh data folder: serves the demo, stops cleanly, restarts on
the same data."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from allot import embedded
from tests.conftest import CHECKOUT_DIR

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, host: str, path: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": f"{host}:{port}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _start(data_dir, port, mail_port, log_path):
    env = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "ALLOT_REDIS_NAMESPACE", "SECRET_KEY", "DEBUG",
        "EMAIL_URL", "ALLOT_TEST_DATABASE_NAME", "ALLOT_TEST_RUN_ID",
    }}
    env["ALLOT_DATA_DIR"] = str(data_dir)
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "allot.cli", "up", "--port", str(port), "--mail-port", str(mail_port),
         "--web-workers", "1"],
        cwd=CHECKOUT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        if "Press Ctrl-C" in open(log_path).read():
            return process
        if process.poll() is not None:
            break
        time.sleep(0.5)
    process.kill()
    pytest.fail("allot up did not come up:\n" + open(log_path).read()[-4000:])


def _stop(process, log_path):
    process.send_signal(signal.SIGINT)  # what Ctrl-C does
    assert process.wait(60) == 0, open(log_path).read()[-4000:]


def test_allot_up_serves_the_demo_and_stops_cleanly_then_reuses_its_data(tmp_path):
    data_dir = tmp_path / "data"
    port, mail_port = _free_port(), _free_port()
    try:
        # given: a first start on an empty data folder
        started = time.monotonic()
        process = _start(data_dir, port, mail_port, tmp_path / "up-1.log")
        first_start_seconds = time.monotonic() - started
        output = open(tmp_path / "up-1.log").read()
        # then: the promised URLs answer as promised, and the logins are printed
        assert _get(port, "demo.localhost", "/")[0] == 200
        status, body = _get(port, "localhost", "/readyz")
        assert status == 200 and b'"ready"' in body
        assert _get(port, "nope.localhost", "/")[0] == 404
        assert f"http://demo.localhost:{port}/" in output and "owner@demo.test" in output
        # when: Ctrl-C
        _stop(process, tmp_path / "up-1.log")
        # then: the embedded servers are gone too
        assert not embedded.postgres_running(data_dir) and not embedded.redis_running(data_dir)

        # when: started again on the same data
        process = _start(data_dir, port, mail_port, tmp_path / "up-2.log")
        # then: the demo tenants are still there (seeding is idempotent) and served
        assert _get(port, "acme.localhost", "/")[0] == 200
        _stop(process, tmp_path / "up-2.log")
        print(f"first allot up took {first_start_seconds:.1f}s")
    finally:
        embedded.stop_postgres(data_dir)
        embedded.stop_redis(data_dir)
