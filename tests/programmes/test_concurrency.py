"""Capacity under real concurrency: many PostgreSQL connections signing up for the same places at once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.errors import CapacityError
from booking_core.programmes.models import AllocationLogEntry, PlaceOffer, Programme, ProgrammeGroup, SignUp
from booking_core.programmes.services import groups
from booking_core.programmes.services.groups import group_delete
from booking_core.programmes.services.offers import place_offer_accept
from booking_core.programmes.services.signups import signup_withdraw
from tests.programmes.factories import make_group, make_programme, one

pytestmark = pytest.mark.slow

# PostgreSQL allows 100 connections on these machines, shared with whatever else runs: 50 connections,
# released together, each making its sign-ups back to back, keep every one of them contending.
CONNECTIONS = 50


def race(tenant, attempts: int, attempt) -> Counter:
    """Run attempt(i) for i in range(attempts) on CONNECTIONS threads with their own connections, released
    at the same moment."""
    barrier = threading.Barrier(CONNECTIONS)
    per_thread = [list(range(start, attempts, CONNECTIONS)) for start in range(CONNECTIONS)]

    def run(indexes):
        connection.set_tenant(tenant)
        outcomes = []
        try:
            barrier.wait()
            for index in indexes:
                try:
                    outcomes.append(attempt(index))
                except CapacityError as refused:
                    outcomes.append(type(refused).__name__)
        finally:
            connection.close()
        return outcomes

    with ThreadPoolExecutor(max_workers=CONNECTIONS) as pool:
        return Counter(outcome for outcomes in pool.map(run, per_thread) for outcome in outcomes)


def _programme(tenant, in_tenant, strategy: str) -> Programme:
    with in_tenant(tenant):
        programme = make_programme(strategy=strategy)
        for weekday in range(4):
            make_group(programme, 25, weekday=weekday)
    return programme


@pytest.mark.parametrize("strategy", ["fast_fill", "balanced"])
def test_two_hundred_simultaneous_sign_ups_for_a_hundred_places_end_with_exactly_a_hundred_placed(
    committed_db, tenant_alpha, in_tenant, strategy,
):
    # given: four groups of 25
    programme = _programme(tenant_alpha, in_tenant, strategy)

    # when: 200 people sign up at the same moment, for any group
    def attempt(index):
        return one(tenant_alpha, programme).status

    outcome = race(tenant_alpha, 200, attempt)

    # then
    assert outcome == Counter({"allocated": 100, "waitlisted": 100})
    with in_tenant(tenant_alpha):
        groups = list(ProgrammeGroup.objects.filter(programme=programme))
        assert [group.places_taken for group in groups] == [25, 25, 25, 25]
        assert all(group.participants.filter(status="allocated").count() == 25 for group in groups)
        numbers = list(SignUp.objects.filter(programme=programme, status="waitlisted")
                       .order_by("waitlist_number").values_list("waitlist_number", flat=True))
        assert numbers == list(range(1, 101)), "waitlist numbers are handed out without gaps or twins"
        assert AllocationLogEntry.objects.filter(programme=programme).count() == 200


def test_without_the_locks_the_database_still_refuses_to_over_allocate(committed_db, tenant_alpha, in_tenant,
                                                                       monkeypatch):
    # given: a bug that forgets every lock (the locks are what normally decide)
    from booking_core.programmes.services import signups

    def programme_unlocked(programme_id):
        return Programme.objects.get(pk=programme_id)

    def groups_unlocked(programme_id, include_cancelled=False):
        return {group.pk: group for group in ProgrammeGroup.objects.filter(programme_id=programme_id)}

    monkeypatch.setattr(signups, "programme_lock", programme_unlocked)
    monkeypatch.setattr(signups, "programme_groups_lock", groups_unlocked)
    with in_tenant(tenant_alpha):
        programme = make_programme()
        group = make_group(programme, 5)

    # when: 100 race for 5 places
    outcome = race(tenant_alpha, 100, lambda index: one(tenant_alpha, programme).status)

    # then: the CHECK constraint on the counter turned the late ones away; nobody holds a sixth place
    assert outcome["allocated"] <= 5
    assert outcome["allocated"] + outcome["waitlisted"] + outcome["CapacityError"] == 100
    with in_tenant(tenant_alpha):
        group.refresh_from_db()
        assert group.participants.filter(status="allocated").count() == group.places_taken == outcome["allocated"]


def test_an_offer_accepted_from_ten_tabs_at_once_allocates_once(committed_db, tenant_alpha, in_tenant):
    # given
    with in_tenant(tenant_alpha):
        programme = make_programme()
        group = make_group(programme, 1)
        placed, waiting = one(tenant_alpha, programme), one(tenant_alpha, programme)
        signup_withdraw(tenant=tenant_alpha, signup=placed, actor=Actor.system("test"))
        offer = PlaceOffer.objects.get()

    # when
    outcome = race(tenant_alpha, CONNECTIONS, lambda index: place_offer_accept(offer=offer).status)

    # then
    assert outcome == Counter({"accepted": CONNECTIONS})
    with in_tenant(tenant_alpha):
        assert SignUp.objects.get(pk=waiting.pk).status == "allocated"
        assert AllocationLogEntry.objects.filter(signup=waiting, decision="offer_accepted").count() == 1
        group.refresh_from_db()
        assert group.places_taken == 1


def _wait_until(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:  # pg_locks is live even inside a transaction (pg_stat_activity is not)
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid])
        return cursor.fetchone()[0]


def test_a_group_deleted_while_someone_signs_up_for_it_is_decided_under_the_locks(committed_db, tenant_alpha,
                                                                                  in_tenant, monkeypatch):
    # given: an immediate programme whose only group is still empty
    with in_tenant(tenant_alpha):
        programme = make_programme()
        group = make_group(programme, 5)
    # the deletion stops after its check, just before it deletes, until the sign-up made at that moment has
    # finished or waits for a lock the deletion holds
    connected, checked, signup_done, signup_backend = threading.Event(), threading.Event(), threading.Event(), {}
    record_audit = groups.audit_record

    def audit_while_someone_signs_up(**kwargs):
        checked.set()
        paused["until the sign-up finished or waited"] = _wait_until(
            lambda: signup_done.is_set() or _waits_for_a_lock(signup_backend["pid"]))
        return record_audit(**kwargs)

    paused = {}
    monkeypatch.setattr(groups, "audit_record", audit_while_someone_signs_up)

    def delete():
        connection.set_tenant(tenant_alpha)
        try:
            connected.wait(10)
            group_delete(group=group, actor=Actor.system("staff"))
            return "deleted"
        except ApplicationError as refused:
            return type(refused).__name__
        finally:
            connection.close()

    def sign_up():
        connection.set_tenant(tenant_alpha)
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                signup_backend["pid"] = cursor.fetchone()[0]
            connected.set()
            checked.wait(10)
            return one(tenant_alpha, programme).status
        except ApplicationError as refused:
            return type(refused).__name__
        finally:
            signup_done.set()
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=2) as pool:
        signing_up = pool.submit(sign_up)
        deleting = pool.submit(delete)
        outcomes = (deleting.result(timeout=30), signing_up.result(timeout=30))

    # then: the deletion held the programme's lock: the sign-up waited, then found no group left (a clear
    # refusal, not a server error), and nothing of either is half done
    assert paused == {"until the sign-up finished or waited": True}
    assert outcomes == ("deleted", "SignUpClosedError")
    with in_tenant(tenant_alpha):
        assert not ProgrammeGroup.objects.filter(pk=group.pk).exists()
        assert not SignUp.objects.filter(programme=programme).exists()
