from __future__ import annotations

import re

import pytest

from tests.support.webhook_receiver import WebhookReceiver

SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def add_endpoint(member_client, tenant_alpha):
    """add_endpoint(receiver, events=[...]) -> (endpoint id, secret), registered by alpha's owner in the back
    office; the receiver learns the secret."""
    from booking_core.models import WebhookEndpoint
    from tests.conftest import tenant_context

    owner = member_client(tenant_alpha, "alpha_owner")

    def add(receiver, events=(), url=None):
        response = owner.post("/office/webhooks/", {"url": url or receiver.url, "description": "CRM",
                                                    "event_types": list(events)})
        assert response.status_code == 201, response.context["form"].errors
        secret = SECRET.search(response.content.decode()).group(0)
        receiver.secrets.append(secret)
        with tenant_context(tenant_alpha):
            endpoint_id = WebhookEndpoint.objects.order_by("-id").values_list("id", flat=True).first()
        return endpoint_id, secret

    add.owner = owner
    return add
