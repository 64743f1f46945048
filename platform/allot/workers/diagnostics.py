"""A ping through the worker pool: proves a worker runs and in which schema it ran a tenant's message."""

from __future__ import annotations

import json
import time

from django.db import connection

from allot.redis import get_redis, key
from allot.workers.broker import actor

REPLY_TTL_SECONDS = 300


@actor(queue_name="transactional", max_retries=0)
def report_schema(reply_to: str) -> None:
    """Push the schema this message ran in (as the database sees it) onto the list `reply_to`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        database_schema = cursor.fetchone()[0]
    reply = {"schema": connection.schema_name, "database_schema": database_schema, "answered_at": time.time()}
    client = get_redis()
    client.rpush(key("ping", reply_to), json.dumps(reply))
    client.expire(key("ping", reply_to), REPLY_TTL_SECONDS)


def wait_for_replies(reply_to: str, *, count: int, timeout: float) -> list[dict]:
    replies = []
    deadline = time.monotonic() + timeout
    client = get_redis()
    while len(replies) < count and time.monotonic() < deadline:
        # Block for at most a second at a time: the shared client's socket timeout (2 s) would otherwise end
        # a longer wait with a TimeoutError whenever the workers are slow to answer (a busy machine).
        item = client.blpop([key("ping", reply_to)], timeout=1)
        if item:
            replies.append(json.loads(item[1]))
    return replies
