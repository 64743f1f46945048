"""/healthz says the process lives; /readyz says whether PostgreSQL and Redis answer, naming what fails."""

import pytest
from django.db import connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("host", ["localhost", "alpha.localhost", "10.1.2.3", "nope.localhost"])
def test_healthz_answers_for_any_host(client, host):
    response = client.get("/healthz", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_is_200_when_database_and_redis_answer(client):
    response = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "redis": "ok", "status": "ready"}


def test_readyz_names_redis_when_it_is_down(client):
    # given: Redis at an address where nothing listens
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        from allot.redis import _client

        _client.cache_clear()
        # when
        response = client.get("/readyz")
    _client.cache_clear()
    # then
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok" and body["redis"] == "failing" and body["status"] == "not ready"
    assert "redis" in body["errors"] and "database" not in body["errors"]


def test_readyz_names_the_database_when_it_is_down(client, monkeypatch):
    # given: the next query fails as if PostgreSQL had gone away
    from django.db.utils import OperationalError

    def fail(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", fail)
    monkeypatch.setattr(connection, "close", lambda: None)
    # when
    from allot.health import readiness

    ready, body = readiness()
    # then
    assert not ready
    assert body["database"] == "failing" and body["redis"] == "ok"
    assert "connection refused" in body["errors"]["database"]
