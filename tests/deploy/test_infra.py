"""infra/: the Dockerfile, the compose stack and the example environment describe a deployable app.
No Docker engine is needed: the files are parsed and checked against what the app requires."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.deploy.test_helm_chart import APP_ENVIRONMENT, CHART_DIR

CHECKOUT_DIR = Path(__file__).resolve().parents[2]
INFRA_DIR = CHECKOUT_DIR / "infra"
APP_SERVICES = ["migrate", "web", "worker", "scheduler"]


def compose() -> dict:
    return yaml.safe_load((INFRA_DIR / "docker-compose.yml").read_text())


def env_example() -> dict[str, str]:
    """KEY=value lines of infra/.env.example (comments and blank lines skipped)."""
    variables = {}
    for line in (INFRA_DIR / ".env.example").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, separator, value = line.partition("=")
        assert separator == "=", f"not a KEY=value line: {line!r}"
        assert name not in variables, f"{name} is set twice"
        variables[name.strip()] = value.strip()
    return variables


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    instructions = []
    logical = ""
    for line in (INFRA_DIR / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#") and not logical:
            continue
        if line.lstrip().startswith("#"):
            continue  # a comment inside a continued instruction
        if line.rstrip().endswith("\\"):
            logical += line.rstrip()[:-1] + " "
            continue
        logical += line
        if logical.strip():
            keyword, _, arguments = logical.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
        logical = ""
    return instructions


def arguments_of(instruction: str) -> list[str]:
    return [arguments for keyword, arguments in dockerfile_instructions() if keyword == instruction]


def runtime_stage() -> list[tuple[str, str]]:
    """The instructions of the last stage (the image that ships)."""
    instructions = dockerfile_instructions()
    last_from = max(index for index, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


# --- docker compose --------------------------------------------------------------------------------------


def test_compose_runs_the_databases_the_migration_and_the_three_processes():
    # given the compose file
    # when its services are listed
    services = compose()["services"]

    # then it holds exactly PostgreSQL 16, Redis 7, the one-shot migration and web, worker, scheduler
    assert sorted(services) == ["migrate", "postgres", "redis", "scheduler", "web", "worker"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_postgres_and_redis_keep_data_in_volumes_and_report_health():
    # given the compose file
    stack = compose()

    # when the data services are read
    postgres, redis = stack["services"]["postgres"], stack["services"]["redis"]

    # then each stores its data in a named volume and has a health check the app services wait for
    assert postgres["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert redis["volumes"] == ["redis-data:/data"]
    assert {"postgres-data", "redis-data"} <= set(stack["volumes"])
    assert postgres["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready --username=allot --dbname=allot"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    # Queued messages survive a Redis restart.
    assert redis["command"] == ["redis-server", "--appendonly", "yes"]


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_are_built_from_the_infra_dockerfile_with_the_checkout_as_context(service):
    # given the compose file
    definition = compose()["services"][service]

    # when the build is resolved relative to infra/
    context = (INFRA_DIR / definition["build"]["context"]).resolve()

    # then the build context is the checkout root and the Dockerfile is infra/Dockerfile, one image for all
    assert context == CHECKOUT_DIR
    assert (context / definition["build"]["dockerfile"]) == INFRA_DIR / "Dockerfile"
    assert definition["image"] == "allot:local"
    assert definition["env_file"] == [{"path": ".env", "required": True}]


def test_each_app_service_runs_its_allot_command():
    # given the compose file
    services = compose()["services"]

    # when the commands are read
    commands = {name: services[name]["command"] for name in APP_SERVICES}

    # then each process is the `allot` console script
    assert commands == {
        "migrate": ["allot", "migrate"],
        "web": ["allot", "web", "--port", "8000", "--access-log"],
        "worker": ["allot", "worker"],
        "scheduler": ["allot", "scheduler"],
    }


@pytest.mark.parametrize("service", ["web", "worker", "scheduler"])
def test_processes_start_only_after_the_migration_completed_successfully(service):
    # given the compose file
    depends_on = compose()["services"][service]["depends_on"]

    # when the start-up order is read
    # then the service waits for `migrate` to exit 0 (and for healthy databases)
    assert depends_on == {
        "migrate": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_migration_runs_once_after_the_databases_are_healthy():
    # given the compose file
    migrate = compose()["services"]["migrate"]

    # when its lifecycle is read
    # then it waits for healthy databases and is not restarted after it exits
    assert migrate["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert migrate["restart"] == "no"


def test_only_web_publishes_a_port_and_only_web_keeps_the_http_healthcheck():
    # given the compose file
    services = compose()["services"]

    # when ports and health checks are read
    # then web is reachable on 8000, and the image's HTTP health check is disabled where nothing serves HTTP
    assert services["web"]["ports"] == ["${ALLOT_HTTP_PORT:-8000}:8000"]
    assert [name for name in APP_SERVICES if "ports" in services[name]] == ["web"]
    assert "healthcheck" not in services["web"]
    for name in ["migrate", "worker", "scheduler"]:
        assert services[name]["healthcheck"] == {"disable": True}, name


def test_app_containers_run_read_only_like_in_kubernetes():
    # given the compose file
    services = compose()["services"]

    # then every app container has a read-only root and a tmpfs /tmp; uploads live in a shared volume
    for name in APP_SERVICES:
        assert services[name]["read_only"] is True, name
        assert services[name]["tmpfs"] == ["/tmp"], name
    assert services["web"]["volumes"] == ["media:/app/media", "private:/app/private"]
    assert services["worker"]["volumes"] == ["media:/app/media", "private:/app/private"]


# --- the example environment -----------------------------------------------------------------------------


def test_env_example_sets_every_variable_the_app_reads():
    # given infra/.env.example
    variables = env_example()

    # when its names are compared with the app's variables
    missing = APP_ENVIRONMENT - set(variables)

    # then none is missing
    assert missing == set()


def test_env_example_points_at_the_compose_services_and_leaves_the_secret_key_to_the_operator():
    # given infra/.env.example and the compose file
    variables = env_example()
    postgres = compose()["services"]["postgres"]["environment"]

    # when the connection URLs are parsed
    database = urlsplit(variables["DATABASE_URL"])
    redis = urlsplit(variables["REDIS_URL"])

    # then they reach the compose services with the compose credentials, and SECRET_KEY is empty so that
    # the app refuses to start until someone sets a real one
    assert (database.scheme, database.hostname, database.port) == ("postgresql", "postgres", 5432)
    assert database.path == "/allot"
    assert (database.username, database.password) == (postgres["POSTGRES_USER"], variables["POSTGRES_PASSWORD"])
    assert postgres["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-allot}"
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)
    assert variables["SECRET_KEY"] == ""
    assert variables["DEBUG"] == "0"


# --- the Dockerfile --------------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_python_3_11_slim():
    # given the Dockerfile
    # when its base images are read
    bases = arguments_of("FROM")

    # then a build stage and a runtime stage both start from python:3.11-slim
    assert arguments_of("ARG")[0] == "PYTHON_IMAGE=python:3.11-slim"
    assert bases == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]


def test_dockerfile_installs_the_app_with_the_lock_file():
    # given the Dockerfile
    runs = arguments_of("RUN")

    # then the app is installed from the checkout, constrained by requirements.lock
    assert any(run.startswith("pip install -c requirements.lock . ") for run in runs)
    assert any(copy.startswith("pyproject.toml requirements.lock") for copy in arguments_of("COPY"))


def test_dockerfile_collects_static_files_at_build_time_without_real_services():
    # given the Dockerfile
    collect = [run for run in arguments_of("RUN") if "collectstatic" in run]

    # then collectstatic runs once, with non-debug settings, a long enough key and URLs that only parse
    assert len(collect) == 1
    assert "python manage.py collectstatic --noinput" in collect[0]
    assert "DEBUG=0" in collect[0]
    secret_key = re.search(r"SECRET_KEY=(\S+)", collect[0]).group(1)
    assert len(secret_key) >= 50
    assert "DATABASE_URL=postgresql://build@localhost/build" in collect[0]
    assert "REDIS_URL=redis://localhost:6379/0" in collect[0]
    # The throw-away values are not baked into the image's environment.
    assert not any("SECRET_KEY" in env or "DATABASE_URL" in env for env in arguments_of("ENV"))


def test_image_runs_as_the_non_root_user_the_chart_expects():
    # given the Dockerfile's runtime stage and the chart's pod security context
    users = [arguments for keyword, arguments in runtime_stage() if keyword == "USER"]
    chart_context = yaml.safe_load((CHART_DIR / "values.yaml").read_text())["podSecurityContext"]

    # then it switches to a numeric non-root user (so runAsNonRoot can verify it), the one the chart runs as
    assert users == ["10001:10001"]
    uid, gid = (int(part) for part in users[0].split(":"))
    assert uid != 0 and gid != 0
    assert (chart_context["runAsUser"], chart_context["runAsGroup"]) == (uid, gid)


def test_image_serves_web_on_8000_with_a_healthz_healthcheck():
    # given the Dockerfile's runtime stage
    wanted = {"EXPOSE", "CMD", "HEALTHCHECK"}
    stage = {keyword: arguments for keyword, arguments in runtime_stage() if keyword in wanted}

    # then the default command is the web server, on the exposed port, checked through /healthz
    assert stage["EXPOSE"] == "8000"
    assert json.loads(stage["CMD"]) == ["allot", "web", "--port", "8000"]
    assert "http://127.0.0.1:8000/healthz" in stage["HEALTHCHECK"]
    assert "ENTRYPOINT" not in {keyword for keyword, _ in runtime_stage()}


def test_dockerfile_copies_every_package_the_project_installs():
    # given the packages pyproject.toml installs and the directories the Dockerfile copies
    pyproject = tomllib.loads((CHECKOUT_DIR / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    copied = set()
    for arguments in arguments_of("COPY"):
        if arguments.startswith("--from"):
            continue
        *sources, _destination = arguments.split()
        copied.update(sources)

    # when each package's source directory is located
    top_level = {pattern.rstrip("*") for pattern in patterns}
    expected = {"platform" if package == "allot" else package for package in top_level}

    # then every one is copied, and every copied path that is not a glob exists in the checkout
    assert expected <= copied
    for source in copied:
        if "*" not in source:
            assert (CHECKOUT_DIR / source).exists(), source
