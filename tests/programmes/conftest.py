import pytest
from django.core import mail


@pytest.fixture
def alpha(tenant_alpha, in_tenant):
    """Run the test inside tenant alpha's schema (Europe/Budapest)."""
    with in_tenant(tenant_alpha):
        yield tenant_alpha


@pytest.fixture
def outbox_mail():
    mail.outbox = []
    yield mail.outbox
