"""Worker-side tenancy: every message carries the schema it was sent from, and runs there.

A message without a schema, or with one that belongs to no tenant, is failed before the actor runs
(it ends up in the dead-letter queue). Raising a plain exception from `before_process_message` would
not do: dramatiq logs it and runs the actor anyway, in whatever schema the thread's connection had.
"""

from __future__ import annotations

import contextlib
import logging

import dramatiq
from django.conf import settings
from django.db import close_old_connections, connection
from dramatiq.middleware import SkipMessage

from allot.logging import current_request_id
from tenants.resolution import tenant_for_schema

logger = logging.getLogger(__name__)

TENANT_OPTION = "tenant_schema"


class TenantMiddleware(dramatiq.Middleware):
    def before_enqueue(self, broker, message, delay):
        # An explicit schema (send_with_options(tenant_schema=...)) wins over the sender's connection.
        message.options.setdefault(TENANT_OPTION, connection.schema_name)

    def before_process_message(self, broker, message):
        # Every log line about this message carries its id (in place of a request id) and its tenant.
        current_request_id.set(message.message_id)
        schema_name = message.options.get(TENANT_OPTION)
        if not schema_name:
            message.fail()
            logger.error("refusing message %s (%s): no tenant schema", message.message_id, message.actor_name)
            raise SkipMessage("message carries no tenant schema")
        if schema_name == settings.PUBLIC_SCHEMA_NAME:
            connection.set_schema_to_public()
            return
        tenant = tenant_for_schema(schema_name)
        if tenant is None:
            message.fail()
            logger.error(
                "refusing message %s (%s): unknown schema %r", message.message_id, message.actor_name, schema_name
            )
            raise SkipMessage(f"unknown tenant schema {schema_name!r}")
        connection.set_tenant(tenant)
        if settings.SENTRY_DSN:
            import sentry_sdk

            sentry_sdk.set_tag("tenant", schema_name)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        connection.set_schema_to_public()
        current_request_id.set("-")

    def after_skip_message(self, broker, message):
        connection.set_schema_to_public()
        current_request_id.set("-")


class DatabaseConnectionMiddleware(dramatiq.Middleware):
    """Worker threads hold Django connections for a long time: recycle broken or expired ones."""

    def before_process_message(self, broker, message):
        close_old_connections()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        close_old_connections()

    after_skip_message = after_process_message


class HeartbeatMiddleware(dramatiq.Middleware):
    """Each worker process beats `allot-worker.heartbeat` while all its worker threads and consumers are alive
    and Redis answers; the chart's exec probe (`allot healthcheck worker`) restarts a pod whose beat stops."""

    def __init__(self):
        self.beating = None
        self.board_entry = None

    def after_worker_boot(self, broker, worker):
        from allot.heartbeat import Beating
        from allot.heartbeat_board import BoardEntry

        def healthy() -> bool:
            threads = list(worker.workers) + list(worker.consumers.values())
            if not threads or not all(thread.is_alive() for thread in threads):
                return False
            broker.client.ping()
            return True

        # The console's list of worker processes (allot.heartbeat_board): the queues this process consumes, delay
        # queues left out.
        queues = [name for name in worker.consumers if not name.endswith(".DQ")]
        self.board_entry = BoardEntry("worker", queues=queues)
        self.beating = Beating("worker", healthy, on_beat=self.board_entry.beat).start()

    def before_worker_shutdown(self, broker, worker):
        if self.beating is not None:
            self.beating.stop.set()
            self.beating.thread.join(timeout=5)  # a beat under way would put the entry back after its removal
        if self.board_entry is not None:
            with contextlib.suppress(Exception):  # Redis gone: the entry turns stale and is forgotten later
                self.board_entry.remove()
