"""Fixtures of the organisations tests: an organisation that leaves (tests/tenants/test_leaving*.py)."""

from __future__ import annotations

import shutil

import pytest
from django.conf import settings
from django_tenants.utils import tenant_context

from allot.jobs.runs import recorded_run
from booking_core.acting import Actor
from booking_core.services.bookings import booking_create_group
from tenants.services import tenant_create
from tests.conftest import PASSWORD, signed_in
from tests.factories import client_details, make_session


@pytest.fixture
def private_files():
    """The exports' directory of this test run, emptied after each test."""
    yield
    shutil.rmtree(settings.ALLOT_PRIVATE_STORAGE_DIR, ignore_errors=True)


@pytest.fixture
def leaver(client_for, private_files):
    """A fresh organisation of its own ("gamma-leaves"), with an owner who belongs to nothing else, a booking,
    a job run and an outbox message; returns (tenant, owner, the owner's client)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.create_user(email="gamma-owner@example.com", password=PASSWORD)
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    tenant = tenant_create(slug="gamma-leaves", display_name="Gamma Leaves", owner=owner)
    with tenant_context(tenant):
        booking_create_group(tenant=tenant, session=make_session(capacity=5), seats=1,
                             client=client_details(name="Gamma Client", email="client@gamma.example"),
                             actor=Actor.client("client@gamma.example"))
        with recorded_run("tests.gamma"):
            pass
    return tenant, owner, signed_in(client_for(tenant), owner, tenant.schema_name)
