"""Every back office test runs with the clock standing still at tests.backoffice.clock.NOW."""

from __future__ import annotations

import pytest
import time_machine

from tests.backoffice.clock import NOW


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def owner(member_client, tenant_alpha):
    return member_client(tenant_alpha, "alpha_owner")
