"""The `allot` command: run the platform and its parts.

    allot up            embedded services + migrate + demo data + web, worker, scheduler, mail catcher
    allot web           the web server (gunicorn)
    allot worker        the shared dramatiq worker pool
    allot scheduler     periodic jobs (one active scheduler per deployment, via a Redis lock)
    allot migrate       public schema, tenant template and every tenant (--workers N in parallel)
    allot seed          demo tenants and records (idempotent)
    allot services      start / stop / status of the embedded PostgreSQL and Redis
    allot ping-workers  send a message per tenant through the worker pool and report where it ran
    allot createsuperuser  a platform staff user (--email, password typed or from --password-env)
    allot tenant create    a tenant with its subdomain and owner (--slug, --name, --owner-email)
    allot healthcheck   worker|scheduler: is the process's heartbeat recent (the chart's exec probes)
    allot mailcatcher   a local SMTP server that writes every message it receives to a folder
    allot stripe-standin  localstripe and the local stand-in for Stripe Checkout and Connect (development)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHECKOUT_DIR = Path(__file__).resolve().parents[2]
PLATFORM_DIR = CHECKOUT_DIR / "platform"


def _setup_django() -> None:
    if str(PLATFORM_DIR) not in sys.path:
        sys.path.insert(0, str(PLATFORM_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allot.settings")
    import django

    django.setup()


def _child_environment() -> dict:
    env = os.environ.copy()
    python_path = [str(CHECKOUT_DIR), str(PLATFORM_DIR)]
    if env.get("PYTHONPATH"):
        python_path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(python_path)
    env.setdefault("DJANGO_SETTINGS_MODULE", "allot.settings")
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


# --- single processes ---------------------------------------------------------------------------------


def command_web(args) -> int:
    os.chdir(CHECKOUT_DIR)
    argv = [
        sys.executable, "-m", "gunicorn", "allot.wsgi:application",
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--worker-class", args.worker_class,
        "--graceful-timeout", "10",
        "--timeout", "60",
    ]
    if args.access_log:
        argv += ["--access-logfile", "-"]
    argv += ["--config", "python:allot.gunicorn_conf"]
    env = _child_environment()
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        # Several gunicorn processes serve: prometheus-client adds up their metrics from files in this folder.
        # A fresh one per start, so the counters of a previous run do not carry over.
        import tempfile

        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="allot-metrics-")
    os.execve(sys.executable, argv, env)


def command_worker(args) -> int:
    os.chdir(CHECKOUT_DIR)
    argv = [
        sys.executable, "-m", "dramatiq", "allot.workers.entry",
        "--processes", str(args.processes),
        "--threads", str(args.threads),
    ]
    if args.queues:
        argv += ["--queues", *args.queues]
    os.execve(sys.executable, argv, _child_environment())


def command_scheduler(args) -> int:
    _setup_django()
    from allot.jobs.scheduler import run_scheduler

    run_scheduler(once=args.once)
    return 0


def command_migrate(args) -> int:
    _setup_django()
    from allot.jobs.tasks import due_work_refresh_all
    from tenants.provisioning import migrate_everything

    index_filled = _migration_applied("jobs", "0002_due_work_index")
    summary = migrate_everything(workers=args.workers, verbosity=args.verbosity)
    # The due-work index: filled for every tenant the first time (the backfill), afterwards refreshed for the
    # tenants whose schemas were migrated just now (a data migration may have written due work).
    schemas = summary.migrated if index_filled else None
    if schemas is None or schemas:
        started = time.monotonic()
        due = due_work_refresh_all(schemas=schemas)
        if args.verbosity:
            print(f"due work: {'every tenant' if schemas is None else f'{len(schemas)} tenants'} refreshed, "
                  f"{due} jobs due, in {time.monotonic() - started:.1f} s")
    return 0 if summary.ok else 1


def _migration_applied(app: str, name: str) -> bool:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    connection.set_schema_to_public()
    recorder = MigrationRecorder(connection)
    return recorder.has_table() and recorder.migration_qs.filter(app=app, name=name).exists()


def command_seed(args) -> int:
    _setup_django()
    from allot.demo import seed_demo

    summary = seed_demo(port=args.port)
    print(summary)
    return 0


def command_services(args) -> int:
    from allot import embedded

    if args.action == "start":
        print(f"DATABASE_URL={embedded.postgres_url()}")
        print(f"REDIS_URL={embedded.redis_url()}")
    elif args.action == "stop":
        stopped_pg = embedded.stop_postgres()
        stopped_redis = embedded.stop_redis()
        print(f"postgres: {'stopped' if stopped_pg else 'was not running'}")
        print(f"redis: {'stopped' if stopped_redis else 'was not running'}")
    else:
        print(f"postgres: {'running' if embedded.postgres_running() else 'stopped'}")
        print(f"redis: {'running' if embedded.redis_running() else 'stopped'}")
    return 0


def command_ping_workers(args) -> int:
    _setup_django()
    import uuid

    from django.db import connection
    from django_tenants.utils import tenant_context

    from allot.workers.diagnostics import report_schema, wait_for_replies
    from tenants.models import Tenant

    reply_to = uuid.uuid4().hex
    tenants = list(Tenant.objects.customers())
    started = time.monotonic()
    for tenant in tenants:
        with tenant_context(tenant):
            report_schema.send(reply_to)
    connection.set_schema_to_public()
    replies = wait_for_replies(reply_to, count=len(tenants), timeout=args.timeout)
    elapsed_ms = (time.monotonic() - started) * 1000
    for reply in sorted(replies, key=lambda item: item["schema"]):
        print(f"{reply['schema']}: ran in schema {reply['database_schema']}")
    print(f"{len(replies)}/{len(tenants)} tenants answered in {elapsed_ms:.0f} ms")
    return 0 if len(replies) == len(tenants) else 1


def _password_from(args, what: str) -> str | None:
    """The password in the environment variable named by --password-env, else typed twice at a terminal,
    else None."""
    import getpass

    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise SystemExit(f"allot: the environment variable {args.password_env} is empty or not set")
        return value
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {what}: ")
        if getpass.getpass("Again: ") != first:
            raise SystemExit("allot: the two passwords differ; nothing was changed")
        return first
    return None


def _refused(error) -> int:
    print(f"allot: {error.message}", file=sys.stderr)
    for field, messages in error.fields.items():
        for message in messages:
            print(f"  {field}: {message}", file=sys.stderr)
    return 1


def command_createsuperuser(args) -> int:
    _setup_django()
    from django.conf import settings

    from allot.accounts.services import user_create_verified
    from allot.errors import ApplicationError

    password = _password_from(args, args.email)
    if password is None:
        print("allot: no password: pass --password-env VARIABLE, or run this in a terminal to type it",
              file=sys.stderr)
        return 2
    try:
        user = user_create_verified(email=args.email, password=password, is_staff=True)
    except ApplicationError as error:
        return _refused(error)
    port = f":{settings.ALLOT_PUBLIC_PORT}" if settings.ALLOT_PUBLIC_PORT else ""
    print(f"Created platform staff user {user.email}. Sign in at "
          f"{settings.ALLOT_PUBLIC_SCHEME}://{settings.ALLOT_ROOT_DOMAIN}{port}/admin/ "
          "(you will be asked to set up an authenticator app first).")
    return 0


def command_tenant_create(args) -> int:
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from allot.accounts.services import user_create_verified
    from allot.errors import ApplicationError
    from tenants.links import tenant_url
    from tenants.services import tenant_create

    owner = get_user_model().objects.filter(email=args.owner_email.strip().lower()).first()
    password = None
    if owner is None and args.password_env:
        password = _password_from(args, args.owner_email)
    try:
        with transaction.atomic():
            if owner is None:
                owner = user_create_verified(email=args.owner_email, password=password)
                created_owner = True
            else:
                created_owner = False
            tenant = tenant_create(slug=args.slug, display_name=args.name, owner=owner, timezone=args.timezone,
                                   default_language=args.language, contact_email=args.contact_email or "")
    except ApplicationError as error:
        return _refused(error)
    print(f"Created tenant {tenant.slug} ({tenant.display_name}), schema {tenant.schema_name}: "
          f"{tenant_url(tenant, '/')}")
    print(f"Owner: {owner.email}" + (" (new user)" if created_owner else " (existing user)"))
    print(f"Back office: {tenant_url(tenant, '/office/')}")
    if created_owner and password is None:
        print(f"The owner has no password yet: they set one with \"Forgot password?\" at "
              f"{tenant_url(tenant, '/accounts/password/reset/')}")
    return 0


def command_healthcheck(args) -> int:
    from allot import heartbeat

    healthy, message = heartbeat.check(args.process, max_age=args.max_age)
    print(message, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def command_mailcatcher(args) -> int:
    try:
        from allot.mailcatcher import serve
    except ModuleNotFoundError as error:
        print(f"allot: the mail catcher is a development tool and needs aiosmtpd ({error}); "
              "install the development extras: pip install -e '.[dev]' (make install does)", file=sys.stderr)
        return 2

    serve(host=args.host, port=args.port, folder=Path(args.folder))
    return 0


def command_stripe_standin(args) -> int:
    from allot.stripe_standin import localstripe_executable, serve

    if localstripe_executable() is None:
        print("allot: the Stripe stand-in needs localstripe; install the development extras: "
              "pip install -e '.[dev]' (make install does)", file=sys.stderr)
        return 2
    serve(port=args.port, localstripe_port=args.localstripe_port, webhook_url=args.webhook_url,
          webhook_secret=args.webhook_secret, onboarded_accounts=args.onboarded_account)
    return 0


# --- everything together ------------------------------------------------------------------------------


class CrashPolicy:
    """When a supervised process exits on its own: restart it after a growing pause, or give up.

    Each crash of a process doubles its pause (first `base_delay`, at most `max_delay`), counted over the
    crashes of that process within the last `window` seconds; the `max_crashes`-th crash within `window`
    seconds means the process cannot stay up (a bad configuration, a database that is gone), and then
    `allot up` stops everything rather than restarting it forever.
    """

    def __init__(self, *, max_crashes: int = 5, window: float = 60.0, base_delay: float = 0.5,
                 max_delay: float = 10.0):
        self.max_crashes = max_crashes
        self.window = window
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.crashes: dict[str, list[float]] = {}

    def crashed(self, name: str, now: float) -> float | None:
        """Record a crash of `name` at `now`; the pause before restarting it, or None to give up."""
        recent = [at for at in self.crashes.get(name, []) if now - at < self.window] + [now]
        self.crashes[name] = recent
        if len(recent) >= self.max_crashes:
            return None
        return min(self.max_delay, self.base_delay * 2 ** (len(recent) - 1))

    def recent(self, name: str) -> int:
        return len(self.crashes.get(name, []))


class Supervisor:
    """Starts the platform's processes and keeps them running: a process that exits on its own is started
    again after a pause (CrashPolicy) while the others keep serving; after too many crashes in a short time,
    or on Ctrl-C / SIGTERM, it stops all of them."""

    def __init__(self, env: dict, policy: CrashPolicy | None = None, *, log=None, clock=time.monotonic):
        self.env = env
        self.policy = policy or CrashPolicy()
        self.clock = clock
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.children: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.restart_at: dict[str, float] = {}
        self.gave_up: str | None = None
        self.stopping = False

    def start(self, name: str, argv: list[str]) -> None:
        # A session of their own: Ctrl-C reaches only us, and we stop the children in order.
        self.commands[name] = argv
        self.children[name] = subprocess.Popen(argv, env=self.env, cwd=CHECKOUT_DIR, start_new_session=True)
        print(f"allot: started {name} (pid {self.children[name].pid})", flush=True)

    def check(self) -> bool:
        """Handle exited processes and due restarts; False once the supervisor has given up."""
        if self.gave_up:
            return False
        now = self.clock()
        for name, process in list(self.children.items()):
            if name in self.restart_at or process.poll() is None:
                continue
            delay = self.policy.crashed(name, now)
            if delay is None:
                self.gave_up = (f"the {name} process exited (code {process.returncode}) "
                                f"{self.policy.max_crashes} times within {self.policy.window:.0f} s; giving up")
                self.log(f"allot: {self.gave_up}, stopping everything.")
                return False
            self.log(f"allot: the {name} process exited (code {process.returncode}); restarting it in "
                     f"{delay:.1f} s (crash {self.policy.recent(name)} of {self.policy.max_crashes} "
                     f"allowed within {self.policy.window:.0f} s)")
            self.restart_at[name] = now + delay
        for name, due in list(self.restart_at.items()):
            if now >= due:
                del self.restart_at[name]
                self.start(name, self.commands[name])
        return True

    def stop_all(self, timeout: float = 15.0) -> None:
        self.stopping = True
        self.restart_at.clear()
        for process in self.children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in self.children.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                process.wait(remaining)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(url: str, timeout: float, supervisor: Supervisor, *, any_answer: bool = False) -> bool:
    """Until `url` answers 200 (or anything at all, with any_answer) within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not supervisor.check():
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except urllib.error.HTTPError:
            if any_answer:
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    return False


STANDIN_SECRET_KEY = "sk_test_allot_local_standin"
STANDIN_WEBHOOK_SECRET = "whsec_allot_local_standin"
# The demo organisations' connected accounts in the stand-in: they take charges from the start.
STANDIN_DEMO_ACCOUNTS = {"demo": "acct_standin_demo", "acme": "acct_standin_acme"}


def _stripe_standin(env: dict, args) -> list[str] | None:
    """Without real Stripe keys (STRIPE_SECRET_KEY unset): point the platform at a local stand-in for Stripe
    (allot.stripe_standin, in front of localstripe) and give the demo organisations connected accounts there, so
    their paid services can be booked and paid locally. Returns the stand-in's command, or None when Stripe is
    configured, --no-stripe was given, or localstripe is not installed."""
    import socket

    from allot.stripe_standin import free_port, localstripe_executable

    if env.get("STRIPE_SECRET_KEY") or args.no_stripe:
        return None
    if localstripe_executable() is None:
        print("allot: no Stripe keys and no localstripe (pip install -e '.[dev]'): prices are shown, not charged",
              flush=True)
        return None
    port = args.stripe_port or free_port()
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            port = free_port()
            print(f"allot: port {args.stripe_port} is taken; the Stripe stand-in uses {port}", flush=True)
    env["STRIPE_SECRET_KEY"] = STANDIN_SECRET_KEY
    env["STRIPE_API_BASE"] = f"http://127.0.0.1:{port}"
    env["STRIPE_WEBHOOK_SECRET"] = STANDIN_WEBHOOK_SECRET
    env.setdefault("ALLOT_DEMO_STRIPE_ACCOUNTS", ",".join(f"{slug}={account}"
                                                          for slug, account in STANDIN_DEMO_ACCOUNTS.items()))
    root = env.get("ALLOT_ROOT_DOMAIN") or "localhost"
    return [sys.executable, "-m", "allot.cli", "stripe-standin", "--port", str(port),
            "--webhook-url", f"http://{root}:{args.port}/stripe/webhooks/payments/",
            "--webhook-secret", STANDIN_WEBHOOK_SECRET,
            *[f"--onboarded-account={account}" for account in STANDIN_DEMO_ACCOUNTS.values()]]


def command_up(args) -> int:
    from allot import embedded

    env = _child_environment()
    env.setdefault("DEBUG", "1")
    env.setdefault("ALLOT_PORT", str(args.port))
    env.setdefault("ALLOT_PUBLIC_PORT", str(args.port))
    mail_folder = embedded.data_dir() / "mail"
    env.setdefault("EMAIL_URL", f"smtp://127.0.0.1:{args.mail_port}")

    started_services = []
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = embedded.postgres_url()
        started_services.append("postgres")
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = embedded.redis_url()
        started_services.append("redis")
    stripe_standin = _stripe_standin(env, args)
    if stripe_standin:
        stripe = f"a local stand-in at {env['STRIPE_API_BASE']}"
    else:
        stripe = "from STRIPE_SECRET_KEY" if env.get("STRIPE_SECRET_KEY") else "not configured"
    print(f"allot: PostgreSQL {'embedded' if 'postgres' in started_services else 'from DATABASE_URL'}, "
          f"Redis {'embedded' if 'redis' in started_services else 'from REDIS_URL'}, Stripe {stripe}", flush=True)

    supervisor = Supervisor(env)
    received = {"signal": None}

    def on_signal(signum, frame):
        received["signal"] = signum

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    exit_code = 0
    try:
        me = [sys.executable, "-m", "allot.cli"]
        if stripe_standin:
            # First: the demo seed links the demo organisations' accounts through it.
            supervisor.start("stripe", stripe_standin)
            if not _wait_until_ready(f"{env['STRIPE_API_BASE']}/pay/ready", 30, supervisor, any_answer=True):
                raise subprocess.CalledProcessError(1, stripe_standin)
        subprocess.run([*me, "migrate", "--verbosity", "0"], env=env, cwd=CHECKOUT_DIR, check=True)
        summary = ""
        if not args.no_seed:
            summary = subprocess.run(
                [*me, "seed", "--port", str(args.port)], env=env, cwd=CHECKOUT_DIR, check=True,
                capture_output=True, text=True,
            ).stdout
        supervisor.start("mail", [*me, "mailcatcher", "--port", str(args.mail_port), "--folder", str(mail_folder)])
        supervisor.start("web", [*me, "web", "--port", str(args.port), "--workers", str(args.web_workers)])
        supervisor.start("worker", [*me, "worker", "--processes", "1", "--threads", "4"])
        supervisor.start("scheduler", [*me, "scheduler"])
        if _wait_until_ready(f"http://127.0.0.1:{args.port}/readyz", 60, supervisor):
            print(summary.rstrip(), flush=True)
            print(f"\nMail sent by the platform lands in {mail_folder} (one .eml file per message).")
            if stripe_standin:
                print(f"Payments go to a local Stripe stand-in ({env['STRIPE_API_BASE']}): its Checkout page's "
                      "\"Pay\" button pays and sends the signed webhook back. README: \"Paid bookings\" for "
                      "Stripe's test keys.")
            print("Press Ctrl-C to stop everything.", flush=True)
        # A crashed worker, scheduler, mail catcher (or web server) is restarted with a growing pause while
        # the rest keep serving; only repeated crashes in a short time stop everything.
        while received["signal"] is None:
            if not supervisor.check():
                exit_code = 1
                break
            time.sleep(0.2)
    except subprocess.CalledProcessError as error:
        print(f"allot: start-up step failed: {error}", file=sys.stderr)
        exit_code = 1
    finally:
        print("\nallot: stopping...", flush=True)
        supervisor.stop_all()
        if "postgres" in started_services:
            embedded.stop_postgres()
        if "redis" in started_services:
            embedded.stop_redis()
        print("allot: stopped.", flush=True)
    return exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="allot", description="Run the Allot booking platform.")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run everything for development")
    up.add_argument("--port", type=int, default=int(os.environ.get("ALLOT_PORT") or 8000))
    up.add_argument("--mail-port", type=int, default=int(os.environ.get("ALLOT_MAIL_PORT") or 1025))
    up.add_argument("--web-workers", type=int, default=3)
    up.add_argument("--no-seed", action="store_true", help="do not create the demo tenants")
    up.add_argument("--stripe-port", type=int, default=int(os.environ.get("ALLOT_STRIPE_PORT") or 12111),
                    help="the local Stripe stand-in's port (started when STRIPE_SECRET_KEY is not set)")
    up.add_argument("--no-stripe", action="store_true", help="no local Stripe stand-in: prices are not charged")
    up.set_defaults(handler=command_up)

    web = commands.add_parser("web", help="serve HTTP with gunicorn")
    web.add_argument("--host", default="0.0.0.0")
    web.add_argument("--port", type=int, default=int(os.environ.get("ALLOT_PORT") or 8000))
    # Sync workers (one request at a time per process, behind a buffering proxy) measured ~25% faster than
    # threads on 2 cores: the GIL makes threads of one process queue for the CPU (tests/bench).
    default_workers = 2 * (os.cpu_count() or 1) + 1
    web.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY") or default_workers))
    web.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS") or 1))
    web.add_argument("--worker-class", default=os.environ.get("WEB_WORKER_CLASS") or "sync",
                     choices=["gthread", "sync"])
    web.add_argument("--access-log", action="store_true")
    web.set_defaults(handler=command_web)

    worker = commands.add_parser("worker", help="run the shared dramatiq worker pool")
    worker.add_argument("--processes", type=int, default=int(os.environ.get("ALLOT_WORKER_PROCESSES") or 2))
    worker.add_argument("--threads", type=int, default=int(os.environ.get("ALLOT_WORKER_THREADS") or 8))
    worker.add_argument("--queues", nargs="*", default=None)
    worker.set_defaults(handler=command_worker)

    scheduler = commands.add_parser("scheduler", help="run the periodic jobs")
    scheduler.add_argument("--once", action="store_true", help="run due jobs once and exit")
    scheduler.set_defaults(handler=command_scheduler)

    migrate = commands.add_parser("migrate", help="migrate public, template and every tenant")
    migrate.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                         help="tenant schemas migrated at once, in worker processes (default: the CPU count)")
    migrate.add_argument("--verbosity", type=int, default=1)
    migrate.set_defaults(handler=command_migrate)

    seed = commands.add_parser("seed", help="create the demo tenants and records (idempotent)")
    seed.add_argument("--port", type=int, default=int(os.environ.get("ALLOT_PORT") or 8000))
    seed.set_defaults(handler=command_seed)

    services = commands.add_parser("services", help="the embedded PostgreSQL and Redis")
    services.add_argument("action", choices=["start", "stop", "status"])
    services.set_defaults(handler=command_services)

    ping = commands.add_parser("ping-workers", help="check that workers run each tenant's messages")
    ping.add_argument("--timeout", type=float, default=15.0)
    ping.set_defaults(handler=command_ping_workers)

    superuser = commands.add_parser("createsuperuser", help="create a platform staff user (the first one, say)")
    superuser.add_argument("--email", required=True)
    superuser.add_argument("--password-env", metavar="VARIABLE",
                           help="read the password from this environment variable (otherwise it is typed)")
    superuser.set_defaults(handler=command_createsuperuser)

    tenant = commands.add_parser("tenant", help="manage tenants (organisations)")
    tenant_commands = tenant.add_subparsers(dest="tenant_command", required=True)
    tenant_new = tenant_commands.add_parser("create", help="create a tenant, its subdomain and its owner")
    tenant_new.add_argument("--slug", required=True, help="subdomain: <slug>.<ALLOT_ROOT_DOMAIN>")
    tenant_new.add_argument("--name", required=True, help="display name")
    tenant_new.add_argument("--owner-email", required=True,
                            help="owner; an existing user, or a new one with a verified address")
    tenant_new.add_argument("--password-env", metavar="VARIABLE",
                            help="a new owner's password from this environment variable (otherwise they have none "
                                 "until they use \"Forgot password?\")")
    tenant_new.add_argument("--timezone", default="Europe/Budapest")
    tenant_new.add_argument("--language", default="en", choices=["en", "hu", "de"])
    tenant_new.add_argument("--contact-email", default="")
    tenant_new.set_defaults(handler=command_tenant_create)

    health = commands.add_parser("healthcheck", help="exit 0 when the process's heartbeat is recent (exec probes)")
    health.add_argument("process", choices=["worker", "scheduler"])
    health.add_argument("--max-age", type=float, default=float(os.environ.get("ALLOT_HEARTBEAT_MAX_AGE") or 60),
                        help="seconds a heartbeat stays fresh (default 60)")
    health.set_defaults(handler=command_healthcheck)

    mail = commands.add_parser("mailcatcher", help="local SMTP server writing messages to a folder")
    mail.add_argument("--host", default="127.0.0.1")
    mail.add_argument("--port", type=int, default=1025)
    mail.add_argument("--folder", default=str(CHECKOUT_DIR / ".data" / "mail"))
    mail.set_defaults(handler=command_mailcatcher)

    standin = commands.add_parser("stripe-standin", help="localstripe and a local stand-in for Stripe Checkout "
                                                          "and Connect (development)")
    standin.add_argument("--port", type=int, default=12111)
    standin.add_argument("--localstripe-port", type=int, default=None, help="default: a free port")
    standin.add_argument("--webhook-url", default="", help="where the Checkout page's Pay button sends the event")
    standin.add_argument("--webhook-secret", default="", help="the webhook endpoint's signing secret")
    standin.add_argument("--onboarded-account", action="append", default=[],
                         help="an account id that exists and takes charges from the start (repeatable)")
    standin.set_defaults(handler=command_stripe_standin)
    return parser


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    args = build_parser().parse_args(argv)
    try:
        return args.handler(args) or 0
    except ImproperlyConfigured as error:
        print(f"allot: configuration problem: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
