"""What the console shows: reads of the public schema (organisations, domains, members, outbox, job runs,
audit) with a bounded number of queries per page, plus one count inside a tenant's schema on its page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.apps import apps
from django.db import connection
from django.db.models import Count, Max, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_tenants.utils import tenant_context

from allot.jobs.models import JobRun
from allot.outbox.models import OutboxMessage
from tenants.models import Domain, Membership, PlatformAuditEntry, Tenant

# Outbox states an operator watches: waiting, being sent, failed (will retry), dead (needs a person).
OUTBOX_WATCHED_STATUSES = [OutboxMessage.Status.PENDING, OutboxMessage.Status.INFLIGHT,
                           OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD]


def console_tenant_list(*, search: str = "", status: str = "", created_from: dt.date | None = None,
                        created_to: dt.date | None = None):
    """Organisations matching the search (name, slug or any of their domains) and filters, newest first, with
    their primary domain (one extra query per page through the prefetch)."""
    tenants = Tenant.objects.customers().prefetch_related(
        Prefetch("domains", queryset=Domain.objects.filter(is_primary=True), to_attr="primary_domains"))
    search = (search or "").strip()
    if search:
        matching_domains = Domain.objects.filter(domain__icontains=search).values("tenant_id")
        tenants = tenants.filter(Q(display_name__icontains=search) | Q(slug__icontains=search)
                                 | Q(pk__in=matching_domains))
    if status:
        tenants = tenants.filter(status=status)
    if created_from:
        tenants = tenants.filter(created_at__date__gte=created_from)
    if created_to:
        tenants = tenants.filter(created_at__date__lte=created_to)
    return tenants.order_by("-created_at", "-pk")


def console_tenant_get(*, tenant_id: int) -> Tenant:
    return get_object_or_404(Tenant.objects.customers(), pk=tenant_id)


def console_domain_get(*, tenant: Tenant, domain_id: int) -> Domain:
    """One of this organisation's domains; another organisation's domain id is a 404."""
    return get_object_or_404(Domain, pk=domain_id, tenant=tenant)


def month_start(now: dt.datetime, zone) -> dt.datetime:
    """The first instant of `now`'s month in the given zone."""
    local = timezone.localtime(now, zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class TenantOverview:
    tenant: Tenant
    domains: list
    memberships: list
    owners: list
    unverified_owner_emails: list
    bookings_this_month: int
    emails_this_month: dict
    recent_job_runs: list
    recent_audit_entries: list
    month_started_at: dt.datetime
    activity: TenantActivity


def console_tenant_overview(*, tenant: Tenant, now: dt.datetime | None = None) -> TenantOverview:
    """Everything the tenant page shows, in a fixed number of queries (whatever the organisation's size, except
    the member list, which is one query with its users)."""
    now = now or timezone.now()
    started = month_start(now, tenant.zone)
    memberships = list(Membership.objects.filter(tenant=tenant).select_related("user").order_by("role", "user__email"))
    owner_ids = [membership.user_id for membership in memberships if membership.role == Membership.Role.OWNER]
    unverified = list(EmailAddress.objects.filter(user_id__in=owner_ids, verified=False).order_by("email")
                      .values_list("email", flat=True))
    emails = OutboxMessage.objects.filter(tenant_schema=tenant.schema_name, created_at__gte=started).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in OutboxMessage.Status.values})
    return TenantOverview(
        tenant=tenant,
        domains=list(Domain.objects.filter(tenant=tenant).order_by("-is_primary", "domain")),
        memberships=memberships,
        owners=[membership.user for membership in memberships if membership.role == Membership.Role.OWNER],
        unverified_owner_emails=unverified,
        bookings_this_month=_bookings_made_since(tenant=tenant, since=started),
        emails_this_month=emails,
        recent_job_runs=list(JobRun.objects.filter(tenant_schema=tenant.schema_name).order_by("-started_at")[:10]),
        recent_audit_entries=list(PlatformAuditEntry.objects.filter(tenant_id=tenant.pk)[:10]),
        month_started_at=started,
        activity=console_tenant_activity([tenant])[tenant.pk],
    )


def _bookings_made_since(*, tenant: Tenant, since: dt.datetime) -> int:
    # The tenants app does not import the booking domain (import contract "tenants-without-booking"): the model
    # is looked up by name, as the console only counts rows.
    booking_model = apps.get_model("booking_core", "Booking")
    with tenant_context(tenant):
        return booking_model.objects.filter(created_at__gte=since).count()


@dataclass(frozen=True)
class TenantActivity:
    last_booking_at: dt.datetime | None  # when its newest booking was made
    last_login_at: dt.datetime | None  # its members' latest sign-in (anywhere)
    storage_bytes: int  # tables, indexes and TOAST of its schema

    @property
    def last_activity_at(self) -> dt.datetime | None:
        moments = [moment for moment in (self.last_booking_at, self.last_login_at) if moment is not None]
        return max(moments) if moments else None


def console_tenant_activity(tenants) -> dict[int, TenantActivity]:
    """Last activity (newest booking or member sign-in) and storage of each organisation, in three queries
    whatever their number: sizes from the catalogue (pg_total_relation_size of each table of the schemas), the
    members' latest sign-in grouped by organisation, and one UNION ALL reading each schema's newest booking by
    primary key (an index probe each, not a scan)."""
    tenants = list(tenants)
    if not tenants:
        return {}
    schemas = [tenant.schema_name for tenant in tenants]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) AND c.relkind IN ('r', 'm') "
            "GROUP BY n.nspname", [schemas])
        sizes = dict(cursor.fetchall())
    booking_table = apps.get_model("booking_core", "Booking")._meta.db_table  # by name: see _bookings_made_since
    quote = connection.ops.quote_name
    # Only schemas that exist (a missing one would fail the whole statement); names come from our own rows.
    present = [schema for schema in schemas if schema in sizes]
    newest = {}
    if present:
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(
                f"(SELECT %s::text, created_at FROM {quote(schema)}.{quote(booking_table)} ORDER BY id DESC LIMIT 1)"
                for schema in present), present)
            newest = dict(cursor.fetchall())
    logins = dict(Membership.objects.filter(tenant__in=tenants).values("tenant_id")
                  .annotate(latest=Max("user__last_login")).values_list("tenant_id", "latest"))
    return {tenant.pk: TenantActivity(last_booking_at=newest.get(tenant.schema_name),
                                      last_login_at=logins.get(tenant.pk),
                                      storage_bytes=int(sizes.get(tenant.schema_name, 0)))
            for tenant in tenants}


def console_audit_entries(*, tenant_id: int | None = None):
    entries = PlatformAuditEntry.objects.all()
    if tenant_id:
        entries = entries.filter(tenant_id=tenant_id)
    return entries.order_by("-created_at", "-pk")


def console_tenants_by_id(ids) -> dict[int, Tenant]:
    return Tenant.objects.in_bulk([pk for pk in set(ids) if pk])


def console_tenant_choices() -> list[tuple[int, str]]:
    return list(Tenant.objects.customers().order_by("display_name").values_list("pk", "display_name"))


@dataclass(frozen=True)
class OutboxRow:
    tenant_schema: str
    tenant: Tenant | None
    counts: dict


def console_outbox_by_tenant() -> list[OutboxRow]:
    """Per tenant schema, how many messages wait, are in flight, failed or are dead (sent and cancelled ones are
    not counted): one grouped query and one for the tenants' names."""
    grouped = (OutboxMessage.objects.filter(status__in=OUTBOX_WATCHED_STATUSES)
               .values("tenant_schema")
               .annotate(**{status: Count("pk", filter=Q(status=status)) for status in OUTBOX_WATCHED_STATUSES})
               .order_by("-dead", "tenant_schema"))
    rows = list(grouped)
    tenants = {tenant.schema_name: tenant
               for tenant in Tenant.objects.filter(schema_name__in=[row["tenant_schema"] for row in rows])}
    return [OutboxRow(tenant_schema=row["tenant_schema"], tenant=tenants.get(row["tenant_schema"]),
                      counts={status: row[status] for status in OUTBOX_WATCHED_STATUSES}) for row in rows]


def console_failed_job_runs(*, limit: int = 25) -> list[JobRun]:
    return list(JobRun.objects.filter(status=JobRun.Status.FAILED).order_by("-pk")[:limit])



@dataclass(frozen=True)
class Heartbeats:
    scheduler_leader: str | None  # host:pid of the scheduler holding the lease, None when none does
    scheduler_lease_seconds: float | None
    last_job_run_finished_at: dt.datetime | None  # the worker pool's latest finished run
    processes: list  # allot.heartbeat_board.BoardLine: each worker and scheduler process, stale ones marked
    processes_unknown: bool = False  # Redis did not answer: the list could not be read
    stale_after_seconds: float = 0.0


def console_heartbeats(*, now: float | None = None) -> Heartbeats:
    """Signs of life: the scheduler's lease in Redis (renewed every second), every worker and scheduler process's
    own heartbeat (allot.heartbeat_board: host, pid, queues, last beat; stale ones marked) and the last job run a
    worker finished."""
    import redis

    from allot.heartbeat_board import heartbeat_board_entries, stale_after_seconds
    from allot.jobs.scheduler import scheduler_leader

    try:
        leader = scheduler_leader()
    except redis.RedisError:
        leader = None
    try:
        processes, processes_unknown = heartbeat_board_entries(now=now), False
    except redis.RedisError:
        processes, processes_unknown = [], True
    # Newest by primary key (its index, read backwards) rather than by start time, which has no index of its own.
    last = JobRun.objects.exclude(finished_at=None).order_by("-pk").values_list("finished_at", flat=True)
    return Heartbeats(scheduler_leader=leader[0] if leader else None,
                      scheduler_lease_seconds=leader[1] if leader else None,
                      last_job_run_finished_at=last.first(), processes=processes,
                      processes_unknown=processes_unknown, stale_after_seconds=stale_after_seconds())
