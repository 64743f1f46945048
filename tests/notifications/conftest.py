import pytest
from django.core import mail

from booking_core.services.bookings import booking_create_group
from tests.factories import OPERATOR, client_details, make_service, make_session


@pytest.fixture
def alpha(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        yield tenant_alpha


@pytest.fixture
def outbox_mail():
    mail.outbox = []
    yield mail.outbox


@pytest.fixture
def booked(alpha):
    """A confirmed booking of two seats, in Hungarian."""
    service = make_service(name_en="Swimming", name_hu="Úszás", name_de="Schwimmen")
    session = make_session(service, capacity=10, starts_in_days=5, location="Pool A")
    return booking_create_group(tenant=alpha, session=session, seats=2, language="hu",
                                client=client_details(name="Kiss Dóra", email="dora@example.hu"), actor=OPERATOR)
