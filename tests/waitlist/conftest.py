import pytest


@pytest.fixture
def alpha(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        yield tenant_alpha
