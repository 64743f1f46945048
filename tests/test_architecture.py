"""The architecture is checked, not remembered: the import contracts hold, and the ORM is written by services only.

README "Architecture" says what the layers are and why; pyproject.toml [tool.importlinter] has the contracts.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SOURCE_ROOTS = ["platform/allot", "tenants", "booking_core", "public_site", "billing"]
ORM_WRITES = {"save", "create", "update", "delete", "bulk_create", "bulk_update", "get_or_create",
              "update_or_create"}

# Writes outside a services module that are there on purpose: (file, what is called: the expression the call
# chain starts from and the method) -> why.
ALLOWED_WRITES = {
    # Invoices refuse to be saved twice: the override only adds that check before the insert the services make.
    ("billing/invoicing/models.py", "super().save"): "Invoice/InvoiceLine.save refusing updates (insert only)",
    # Not the ORM: same method names on other objects.
    ("platform/allot/config.py", "config.update"): "a dict of settings",
    ("platform/allot/errors.py", "body.update"): "a dict: the error's JSON body",
    ("platform/allot/settings.py", "globals().update"): "the settings module's namespace",
    ("booking_core/messages/waitlist_emails.py", "context.update"): "a template context dict",
    ("platform/allot/jobs/scheduler.py", "self.delete"): "a Redis key (the scheduler's lock)",
    ("platform/allot/outbox/relay.py", "get_redis().delete"): "a Redis key (the relay's nudge)",
    ("tenants/logos.py", "image.save"): "Pillow writing the re-encoded logo to memory",
    ("tenants/signup/forms.py", "self.fields['slug'].update"): "a form widget's attribute dict",
    ("booking_core/calendar_sync/providers/caldav.py", "self.delete"): "a CalDAV DELETE of an event on the staff "
                                                                       "member's calendar server",
    ("tenants/signup/handoff.py", "pipeline.delete"): "a Redis key (the one-time hand-off token, consumed)",
    ("platform/allot/rate_limits.py", "client.delete"): "Redis keys (the abuse limits' counters, forgotten)",
    ("billing/subscriptions/stripe_calls.py", "stripe.create"): "Stripe Billing calls (Customer, subscription "
                                                                 "Checkout Session, portal session), made by "
                                                                 "billing.subscriptions.services",
    ("billing/subscriptions/events.py", "StripeEvent.create"): "a subscription event stored once with its effect, "
                                                               "in the transaction the webhook view opens through "
                                                               "subscription_event_record (a service in all but "
                                                               "its module's name)",
    ("billing/subscriptions/events.py", "stored.save"): "the same event's outcome, in the same transaction",
    ("billing/stripe_api.py", "stripe.create"): "Stripe API calls (Checkout Session, Account, AccountLink, Refund), "
                                                "made by billing's services",
    # The ORM, by modules that are services under another name.
    ("platform/allot/accounts/models.py", "user.save"): "the user manager's create_user (Django's convention)",
    ("platform/allot/jobs/runs.py", "run.save"): "the job-run recorder is the JobRun service",
    ("platform/allot/jobs/tasks.py", "JobRun.delete"): "the retention job deletes old job runs",
    ("platform/allot/jobs/tasks.py", "SchedulerMinute.delete"): "the retention job deletes old scheduler minutes",
    ("platform/allot/jobs/tasks.py", "SchedulerMinute.update_or_create"):
        "the minutely fan-out writes its own one-row summary (the scheduler's record, like the job-run recorder)",
    ("platform/allot/jobs/tasks.py", "OutboxMessage.delete"): "the retention job deletes old delivered outbox rows",
    ("platform/allot/outbox/delivery.py", "row.save"): "the outbox's own delivery state machine",
    ("platform/allot/outbox/relay.py", "OutboxMessage.update"): "the relay marks the rows it hands to the broker",
    ("tenants/api_keys.py", "ApiKey.create"): "api_key_create: the key services live with their authentication",
    ("tenants/api_keys.py", "key.save"): "api_key_revoke (see api_key_create)",
    ("tenants/api_keys.py", "ApiKey.update"): "authentication notes a key's last use, at most once a minute",
    ("tenants/audit.py", "PlatformAuditEntry.create"): "the platform audit writer, called by services",
    ("tenants/provisioning.py", "Tenant.get_or_create"): "deploy-time provisioning of the public and template "
                                                         "tenants",
    ("tenants/provisioning.py", "Domain.get_or_create"): "deploy-time provisioning (see above)",
    ("tenants/provisioning.py", "tenant.save"): "deploy-time provisioning (see above)",
}


def _call_key(func: ast.Attribute) -> str:
    """`Booking.objects.filter(...).update` -> "Booking.update"; `self.redis.delete` -> "self.delete"."""
    head = func.value
    while True:
        if isinstance(head, ast.Attribute):
            head = head.value
        elif isinstance(head, ast.Call) and isinstance(head.func, ast.Attribute):
            head = head.func.value
        else:
            break
    return f"{ast.unparse(head)}.{func.attr}"


def _is_exempt(path: Path) -> bool:
    """Services write; migrations and demo seeding set data up; tests are not scanned."""
    return "migrations" in path.parts or "services" in path.parts or path.name in ("services.py", "demo.py")


def _writes_outside_services() -> list[tuple[str, int, str]]:
    found = []
    for root in SOURCE_ROOTS:
        for path in sorted((REPOSITORY / root).rglob("*.py")):
            if _is_exempt(path):
                continue
            relative = path.relative_to(REPOSITORY).as_posix()
            for node in ast.walk(ast.parse(path.read_text(), filename=relative)):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr in ORM_WRITES:
                    found.append((relative, node.lineno, _call_key(node.func)))
    return found


def test_the_orm_is_written_only_by_services():
    # given every module outside services, migrations, demo seeding and tests
    # when their calls are read
    unexpected = [f"{path}:{line}: {call}" for path, line, call in _writes_outside_services()
                  if (path, call) not in ALLOWED_WRITES]

    # then none writes the ORM, except what the allow-list names with its reason
    assert unexpected == [], "ORM writes outside services (call a service, or allow-list with a reason):\n" + \
        "\n".join(unexpected)


def test_the_allow_list_names_only_writes_that_exist():
    present = {(path, call) for path, _line, call in _writes_outside_services()}
    assert sorted(set(ALLOWED_WRITES) - present) == []


def test_the_write_check_sees_a_write_in_a_view():
    # given a view that saves a model itself
    tree = ast.parse("def view(request):\n    Booking.objects.filter(pk=1).update(status='x')\n    booking.save()\n")

    # then both calls are found
    calls = [_call_key(node.func) for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ORM_WRITES]
    assert calls == ["Booking.update", "booking.save"]


def test_the_import_contracts_hold():
    # What `lint-imports --no-cache` does (reads [tool.importlinter] in pyproject.toml, leaves no cache folder
    # behind), in a process of its own so the check imports nothing into this one.
    script = ("import sys; from importlinter.cli import lint_imports; "
              "sys.exit(lint_imports(no_cache=True, no_logo=True))")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
