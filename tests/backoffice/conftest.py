"""Every back office test runs with the clock standing still at tests.backoffice.clock.NOW."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection

from booking_core.models import Service
from booking_core.services.bookings import booking_create_individual
from booking_core.services.staff_links import staff_member_link_user
from tenants.members.services import invitation_create
from tenants.models import Membership
from tenants.services import membership_add
from tests.backoffice.clock import NOW, at
from tests.conftest import PASSWORD, signed_in
from tests.factories import OPERATOR, client_details, make_service, make_session, make_staff


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def owner(member_client, tenant_alpha):
    return member_client(tenant_alpha, "alpha_owner")


@pytest.fixture
def roles_scene(tenant_alpha, in_tenant, user):
    """Alpha with an admin, a second staff member to remove, Anna (alpha_staff's calendar) and Béla, each with
    an appointment on the 12th, a yoga session, and an open invitation."""
    User = get_user_model()
    admin = User.objects.create_user(email="alpha_admin@example.com", password=PASSWORD)
    membership_add(tenant=tenant_alpha, user=admin, role=Membership.Role.ADMIN)
    leaver = User.objects.create_user(email="alpha_leaver@example.com", password=PASSWORD)
    leaving = membership_add(tenant=tenant_alpha, user=leaver, role=Membership.Role.STAFF)
    staff_user = user("alpha_staff")
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage", cancellation_cutoff_minutes=60)
        anna = make_staff(massage, name="Anna", hours=((8, 20),))
        bela = make_staff(massage, name="Béla", hours=((8, 20),))
        staff_member_link_user(staff_id=anna.pk, user_id=staff_user.pk, actor=OPERATOR)
        annas = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=anna, starts_at=at(12, 10), language="en",
            client=client_details("Kiss Dóra", "dora@example.hu"), actor=OPERATOR)
        belas = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=bela, starts_at=at(12, 11), language="en",
            client=client_details("Nagy Péter", "peter@example.hu"), actor=OPERATOR)
        annas_today = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=anna, starts_at=at(10, 15), language="en",
            client=client_details("Tóth Anna", "anna.t@example.hu"), actor=OPERATOR)
        belas_today = booking_create_individual(
            tenant=tenant_alpha, service=massage, staff=bela, starts_at=at(10, 16), language="en",
            client=client_details("Szabó Éva", "eva@example.hu"), actor=OPERATOR)
        yoga = make_service(name_en="Yoga")
        session = make_session(yoga, capacity=3, starts_at=at(11, 18), location="Room 1")
    connection.set_schema_to_public()
    invitation = invitation_create(tenant=tenant_alpha, email="new@example.com", role="staff")
    staff_membership = Membership.objects.get(tenant=tenant_alpha, user=staff_user)
    return {"admin": admin, "massage": massage, "anna": anna, "bela": bela, "annas": annas, "belas": belas,
            "annas_today": annas_today, "belas_today": belas_today, "session": session,
            "leaving": leaving, "staff_membership": staff_membership, "invitation": invitation}


@pytest.fixture
def as_role(client_for, tenant_alpha, user, roles_scene):
    def make(role: str):
        person = {"owner": user("alpha_owner"), "admin": roles_scene["admin"], "staff": user("alpha_staff")}[role]
        return signed_in(client_for(tenant_alpha), person, tenant_alpha.schema_name)

    return make
