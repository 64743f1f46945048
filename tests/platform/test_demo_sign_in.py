"""`make up` prints how the demo platform staff member signs in, second factor included, and it works."""

import re

import pytest

from allot.demo import DEMO_PASSWORD, DEMO_STAFF_TOTP_SECRET, PLATFORM_STAFF_EMAIL, seed_demo
from tests.support.sign_in import (
    SECOND_FACTOR_URL,
    FrozenClock,
    forget_sign_in_limits,
    password_step,
    second_factor_step,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    forget_sign_in_limits()
    yield FrozenClock(monkeypatch)
    forget_sign_in_limits()


def test_the_demo_staff_member_signs_in_with_the_printed_secret_or_a_printed_recovery_code(client_for, clock):
    # given
    summary = seed_demo(port=8000)
    printed_codes = re.search(r"recovery code \(each works once\): ([0-9 ]+)", summary).group(1).split()
    # then: the summary says how
    assert PLATFORM_STAFF_EMAIL in summary and DEMO_PASSWORD in summary
    assert f"the secret {DEMO_STAFF_TOTP_SECRET} (otpauth://totp/" in summary
    assert len(printed_codes) == 3

    # when: the password, then the authenticator's code
    with_app = client_for(None)
    assert password_step(with_app, PLATFORM_STAFF_EMAIL, password=DEMO_PASSWORD)["Location"] == SECOND_FACTOR_URL
    second_factor_step(with_app, clock.totp_code(DEMO_STAFF_TOTP_SECRET))
    # then
    assert with_app.get("/admin/tenants/tenant/").status_code == 200

    # when: the password, then a printed recovery code
    with_code = client_for(None)
    password_step(with_code, PLATFORM_STAFF_EMAIL, password=DEMO_PASSWORD)
    second_factor_step(with_code, printed_codes[0])
    # then: in, and that code is not printed again
    assert with_code.get("/admin/").status_code == 200
    assert printed_codes[0] not in seed_demo(port=8000)
