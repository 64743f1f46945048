"""The security settings read from the environment: sign-in limits (and the switch for load tests), the
Content-Security-Policy's report-only mode."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import CHECKOUT_DIR, child_environment

SHOW = ("import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'limits': s.ACCOUNT_RATE_LIMITS, 'mfa_limits': s.MFA_RATE_LIMITS, "
        "'enforced': bool(s.CONTENT_SECURITY_POLICY), 'report_only': s.CONTENT_SECURITY_POLICY_REPORT_ONLY}))")


def settings_with(**environment) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SHOW], env=child_environment(**environment), cwd=CHECKOUT_DIR,
                          capture_output=True, text=True, timeout=120)


def test_sign_in_limits_come_from_the_environment():
    result = settings_with(ALLOT_LOGIN_RATE_LIMIT="100/m/ip", ALLOT_LOGIN_FAILED_RATE_LIMIT="20/m/ip,3/h/key",
                           ALLOT_SIGNUP_RATE_LIMIT="10/h/ip,2/h/key")
    assert json.loads(result.stdout)["limits"] == {"login": "100/m/ip", "login_failed": "20/m/ip,3/h/key",
                                                   "organisation_signup": "10/h/ip,2/h/key"}


def test_one_setting_switches_the_sign_in_limits_off_for_load_tests():
    result = settings_with(ALLOT_RATE_LIMITS_ENABLED="0")
    shown = json.loads(result.stdout)
    assert (shown["limits"], shown["mfa_limits"]) == (False, False)


def test_a_limit_that_is_not_a_rate_is_refused_at_start_with_its_name():
    result = settings_with(ALLOT_LOGIN_FAILED_RATE_LIMIT="five per minute")
    assert result.returncode != 0
    assert "ALLOT_LOGIN_FAILED_RATE_LIMIT='five per minute' is not a rate like 30/m/ip" in result.stderr


def test_the_content_security_policy_can_report_without_blocking():
    enforced = json.loads(settings_with().stdout)
    report_only = json.loads(settings_with(ALLOT_CSP_REPORT_ONLY="1", ALLOT_CSP_REPORT_URI="/csp-reports").stdout)
    assert enforced["enforced"] is True and enforced["report_only"] is None
    assert report_only["enforced"] is False
    assert report_only["report_only"]["DIRECTIVES"]["report-uri"] == ["/csp-reports"]
