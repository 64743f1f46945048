"""Embedded PostgreSQL and Redis: started once, found again by a second start, data kept across restarts."""

import psycopg
import pytest
import redis

from allot import embedded

pytestmark = pytest.mark.slow


def test_servers_start_are_reused_and_keep_their_data_across_restarts(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    try:
        # given: both servers started from their Python packages
        database_url, redis_url = embedded.postgres_url(root), embedded.redis_url(root)
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("CREATE TABLE kept (value text)")
            connection.execute("INSERT INTO kept VALUES ('still here')")
            first_pg_pid = connection.info.backend_pid and (root / "postgres" / "postmaster.pid").read_text()
        redis.Redis.from_url(redis_url).set("kept", "still here")
        # when: a second start finds the running servers instead of starting new ones
        assert embedded.postgres_url(root) == database_url
        assert embedded.redis_url(root) == redis_url
        assert (root / "postgres" / "postmaster.pid").read_text() == first_pg_pid
        # and when: both are stopped and started again
        assert embedded.stop_postgres(root) and embedded.stop_redis(root)
        assert not embedded.postgres_running(root) and not embedded.redis_running(root)
        database_url, redis_url = embedded.postgres_url(root), embedded.redis_url(root)
        # then: the data survived
        with psycopg.connect(database_url) as connection:
            assert connection.execute("SELECT value FROM kept").fetchone() == ("still here",)
        assert redis.Redis.from_url(redis_url).get("kept") == b"still here"
    finally:
        embedded.stop_postgres(root)
        embedded.stop_redis(root)
    assert not embedded.postgres_running(root) and not embedded.redis_running(root)


def test_stopping_servers_that_do_not_run_is_harmless(tmp_path):
    assert embedded.stop_postgres(tmp_path) is False
    assert embedded.stop_redis(tmp_path) is False
