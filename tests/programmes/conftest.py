import pytest
from django.core import mail


@pytest.fixture(autouse=True)
def _in_the_programmes_month(programmes_month_clock):
    """The factories' programmes run in December 2026: every test here runs on a day of that month."""


@pytest.fixture
def alpha(tenant_alpha, in_tenant):
    """Run the test inside tenant alpha's schema (Europe/Budapest)."""
    with in_tenant(tenant_alpha):
        yield tenant_alpha


@pytest.fixture
def outbox_mail():
    mail.outbox = []
    yield mail.outbox
