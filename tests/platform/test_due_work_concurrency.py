"""The due-work index under real concurrency: a service's transaction and a run's store on separate connections."""

from __future__ import annotations

import datetime as dt
import threading

import time_machine
from django.db import connections, transaction
from django_tenants.utils import tenant_context

from allot.jobs.due import due_work_note, due_work_store
from allot.jobs.models import DueWork
from booking_core.services.bookings import booking_create_group
from tests.factories import OPERATOR, client_details, make_service, make_session

NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


def due(schema: str) -> dict[str, dt.datetime]:
    return dict(DueWork.objects.filter(tenant_schema=schema).values_list("job", "due_at"))


def test_a_booking_committed_while_a_run_stores_its_next_due_time_is_not_lost(committed_db, tenant_alpha):
    """Real connections: a booking's transaction has noted an earlier time but not committed; the run's recomputation
    cannot see the booking and its store waits on the row; when the booking commits, the compare-and-set notices
    and the store recomputes."""
    noted, commit, stored = threading.Event(), threading.Event(), {}
    with time_machine.travel(NOW, tick=True):
        with tenant_context(tenant_alpha):
            service = make_service()
            far = make_session(service, starts_at=NOW + dt.timedelta(days=10))
            soon = make_session(service, starts_at=NOW + dt.timedelta(days=3))
            booking_create_group(tenant=tenant_alpha, session=far, seats=1, client=client_details(), actor=OPERATOR)
            due_work_note("bookings.reminders", NOW)  # the run is due now

        def book_soon():
            try:
                with tenant_context(tenant_alpha), transaction.atomic():
                    booking_create_group(tenant=tenant_alpha, session=soon, seats=1, client=client_details(),
                                         actor=OPERATOR)
                    noted.set()
                    commit.wait(10)
            finally:
                connections.close_all()

        def store():
            try:
                with tenant_context(tenant_alpha):
                    stored["due_at"] = due_work_store("bookings.reminders", NOW)
            finally:
                connections.close_all()

        booking = threading.Thread(target=book_soon)
        booking.start()
        assert noted.wait(10)
        run = threading.Thread(target=store)
        run.start()
        run.join(1.5)
        assert run.is_alive(), "the store waits for the booking's transaction"
        commit.set()
        booking.join(10)
        run.join(10)
    expected = soon.starts_at - dt.timedelta(hours=48)
    assert stored["due_at"] == expected
    assert due("t_alpha") == {"bookings.reminders": expected}
