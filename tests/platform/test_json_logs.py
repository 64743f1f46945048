"""LOG_FORMAT=json: one JSON object per line, each with the tenant schema and the request (or message) id."""

import io
import json
import logging
import subprocess
import sys

import pytest

from allot.logging import JsonFormatter, RequestIdFilter, SecretLinkFilter, TenantSchemaFilter
from tests.conftest import CHECKOUT_DIR, child_environment

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Lines that django.request and allot log while the test runs, formatted as LOG_FORMAT=json does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for log_filter in (TenantSchemaFilter(), RequestIdFilter(), SecretLinkFilter()):
        handler.addFilter(log_filter)
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(name) for name in ("django.request", "allot")]
    for logger in loggers:
        logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    for logger in loggers:
        logger.removeHandler(handler)


def test_a_request_logs_json_with_its_tenant_and_the_callers_request_id(client_for, tenant_alpha, json_lines):
    # when: a request with a sane X-Request-ID ends in a logged 404
    response = client_for(tenant_alpha).get("/no-such-page/", HTTP_X_REQUEST_ID="edge-7f3a.42")
    # then: the id comes back, and the log line is one JSON object carrying it and the tenant
    assert response.status_code == 404
    assert response["X-Request-ID"] == "edge-7f3a.42"
    [line] = json_lines()
    assert line["request_id"] == "edge-7f3a.42"
    assert line["tenant"] == "t_alpha"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["time"].endswith("+00:00")


@pytest.mark.parametrize("sent", [None, "", "x" * 129, "evil\nline", 'quote"brace{'])
def test_a_missing_or_insane_request_id_is_replaced_by_a_generated_one(client_for, tenant_alpha, json_lines, sent):
    extra = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = client_for(tenant_alpha).get("/no-such-page/", **extra)
    generated = response["X-Request-ID"]
    assert generated != sent and len(generated) == 32 and int(generated, 16) >= 0
    assert json_lines()[0]["request_id"] == generated


def test_each_request_gets_its_own_id(client_for):
    client = client_for(None)
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_worker_lines_carry_the_message_id_and_its_tenant(tenant_beta, json_lines):
    from allot.workers.diagnostics import report_schema
    from allot.workers.middleware import TENANT_OPTION, TenantMiddleware

    # given: a message sent from beta, as a worker thread picks it up
    message = report_schema.message("reply").copy(options={TENANT_OPTION: "t_beta"})
    middleware = TenantMiddleware()
    middleware.before_process_message(None, message)
    try:
        logging.getLogger("allot.outbox").warning("sending %s", "mail")
    finally:
        middleware.after_process_message(None, message)
    logging.getLogger("allot").warning("idle")
    # then
    working, idle = json_lines()
    assert (working["request_id"], working["tenant"], working["message"]) == (message.message_id, "t_beta",
                                                                             "sending mail")
    assert (idle["request_id"], idle["tenant"]) == ("-", "public")


def test_log_format_json_makes_every_line_a_json_object(tmp_path):
    # given: the settings with LOG_FORMAT=json, as a process starts them
    code = ("import django, logging; django.setup(); "
            "logging.getLogger('allot.demo').warning('hello %s', 'world'); "
            "logging.getLogger('allot.demo').error('with a link /b/abcdefghijklmnop/')")
    result = subprocess.run([sys.executable, "-c", code], env=child_environment(LOG_FORMAT="json"),
                            cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=60)
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["level"], line["message"]) for line in lines] == [
        ("WARNING", "hello world"), ("ERROR", "with a link /b/[token]/")]
    assert set(lines[0]) == {"time", "level", "logger", "message", "tenant", "request_id"}
    assert lines[0]["request_id"] == "-" and lines[0]["tenant"] == "public"


def test_an_unknown_log_format_is_a_configuration_error():
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                            env=child_environment(LOG_FORMAT="xml"), cwd=CHECKOUT_DIR, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0 and "LOG_FORMAT must be plain or json" in result.stderr


def test_gunicorns_own_lines_are_json_too_with_log_format_json():
    # given gunicorn's settings module loaded with LOG_FORMAT=json, in a fresh interpreter
    code = ("import logging, logging.config; from gunicorn.glogging import CONFIG_DEFAULTS; "
            "import allot.gunicorn_conf as conf; config = dict(CONFIG_DEFAULTS); config.update(conf.logconfig_dict); "
            "logging.config.dictConfig(config); logging.getLogger('gunicorn.error').info('Booting worker with pid: 7')")
    result = subprocess.run([sys.executable, "-c", code], env=child_environment(LOG_FORMAT="json"),
                            cwd=CHECKOUT_DIR, capture_output=True, text=True, timeout=60)
    # then gunicorn merges it as it does (CONFIG_DEFAULTS updated) and its lines come out as JSON
    [line] = [json.loads(line) for line in result.stderr.splitlines()]
    assert (line["logger"], line["message"]) == ("gunicorn.error", "Booting worker with pid: 7")
    # and without it gunicorn keeps its own format
    plain = subprocess.run([sys.executable, "-c", "import allot.gunicorn_conf as c; print(c.logconfig_dict)"],
                           env=child_environment(LOG_FORMAT="plain"), cwd=CHECKOUT_DIR, capture_output=True,
                           text=True, timeout=60)
    assert plain.stdout.strip() == "{}"
