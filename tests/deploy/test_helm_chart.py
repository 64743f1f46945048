"""The Helm chart in helm/allot: it lints, renders to manifests that Kubernetes' own schemas accept,
and deploys the app the way the app needs (commands, hooks, hosts, environment, probes, security)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import helm_python
import kubernetes_validate
import pytest
import yaml
from helm_python.chart import Chart

CHART_DIR = Path(__file__).resolve().parents[2] / "helm" / "allot"
RELEASE = "allot"
NAMESPACE = "booking"
KUBERNETES_VERSION = kubernetes_validate.latest_version()
LINT_WARNING = 2

# Every variable the app reads from the environment in production (settings.py and cli.py).
APP_ENVIRONMENT = {
    "DATABASE_URL", "REDIS_URL", "ALLOT_ROOT_DOMAIN", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS", "EMAIL_URL", "DEFAULT_FROM_EMAIL", "SENTRY_DSN", "SENTRY_ENVIRONMENT",
    "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET", "ALLOT_REDIS_NAMESPACE",
    "DATABASE_CONN_MAX_AGE", "LOG_LEVEL", "SECURE_SSL_REDIRECT", "WEB_CONCURRENCY",
    "ALLOT_WORKER_PROCESSES", "ALLOT_WORKER_THREADS", "ALLOT_PUBLIC_SCHEME", "ALLOT_OUTBOX_TENANT_INFLIGHT",
    "ALLOT_OUTBOX_BATCH_SIZE", "ALLOT_OUTBOX_LEASE_SECONDS", "ALLOT_OUTBOX_RETRY_BASE_SECONDS",
    "ALLOT_TRUSTED_PROXY_COUNT", "LOG_FORMAT", "ALLOT_HEARTBEAT_SECONDS", "ALLOT_METRICS_TOKEN",
    "STRIPE_BILLING_WEBHOOK_SECRET", "STRIPE_PRICE_STARTER", "STRIPE_PRICE_PRO", "ALLOT_ENCRYPTION_KEY",
    "ALLOT_PRIVATE_STORAGE_DIR",
}
# Read by the code but deliberately not part of the deployment's configuration.
NOT_DEPLOYED_ENVIRONMENT = {
    "STATIC_ROOT", "MEDIA_ROOT", "ALLOT_PORT",  # fixed by the image
    "ALLOT_DATA_DIR", "ALLOT_MAIL_PORT", "WHITENOISE_USE_FINDERS", "ALLOT_PUBLIC_PORT",  # `allot up` only
    "ALLOT_STRIPE_PORT", "ALLOT_DEMO_STRIPE_ACCOUNTS",  # `allot up` only: the local Stripe stand-in and demo accounts
    "ALLOT_EMBEDDED_SERVICES",  # tests only: embedded servers with DEBUG off; never in a deployment
    "WEB_WORKER_CLASS", "WEB_THREADS",  # the image's sync workers are the measured best; kept fixed
    "ALLOT_WORKER_POLL_MS",  # idle poll interval of the workers; the default is the measured one
    "ALLOT_TEST_DATABASE_NAME", "STRIPE_API_BASE",  # the test suite's own database and Stripe stand-in
    # Follow DEBUG by default; an operator can still set them through config.extra.
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS", "DATABASE_CONN_HEALTH_CHECKS",
    # Security defaults meant for every deployment (README); config.extra can still set them.
    "ALLOT_RATE_LIMITS_ENABLED", "ALLOT_LOGIN_RATE_LIMIT", "ALLOT_LOGIN_FAILED_RATE_LIMIT", "ALLOT_CLIENT_IP_HEADER",
    "SECURE_REFERRER_POLICY", "ALLOT_PERMISSIONS_POLICY", "ALLOT_CSP_REPORT_URI", "ALLOT_CSP_REPORT_ONLY",
    "ALLOT_LOGO_MAX_BYTES", "ALLOT_LOGO_MAX_SIDE_PIXELS",
    "ALLOT_SIGNUP_RATE_LIMIT", "ALLOT_SIGNUP_HANDOFF_SECONDS",
    "ALLOT_DUE_WORK_SWEEP_SECONDS",  # the due-work safety net; the hourly default suits every deployment
    "ALLOT_METRICS_ENABLED", "ALLOT_METRICS_ALLOW_PRIVATE",  # on by default; config.extra can change them
    "PROMETHEUS_MULTIPROC_DIR",  # `allot web` makes a fresh one under /tmp
    "ALLOT_HEARTBEAT_DIR", "ALLOT_HEARTBEAT_MAX_AGE",  # /tmp in the pods; the probes pass --max-age
    "ALLOT_RATE_LIMIT_BOOKINGS_PER_IP", "ALLOT_RATE_LIMIT_BOOKINGS_PER_EMAIL", "ALLOT_RATE_LIMIT_UNCONFIRMED_EMAIL",
    "ALLOT_RATE_LIMIT_MANAGE_PER_IP", "ALLOT_RATE_LIMIT_MULTIPLIER",
    # Defaults meant for every deployment (README); config.extra can still set them.
    "ALLOT_CLOSED_TENANT_GRACE_DAYS", "ALLOT_EXPORT_LINK_DAYS", "ALLOT_PAYMENT_HOLD_MINUTES", "ALLOT_UNBILLED_PLAN",
    "ALLOT_PAYMENT_LINK_HOLD_HOURS",
    "ALLOT_TENANT_POOL_SIZE", "ALLOT_TENANT_POOL_REFILL_SECONDS", "ALLOT_WEBHOOK_TIMEOUT_SECONDS",
    "ALLOT_WEBHOOK_DISABLE_AFTER_FAILURES", "ALLOT_WEBHOOK_SECRET_OVERLAP_HOURS", "ALLOT_WEBHOOK_TENANT_INFLIGHT",
    # Development and tests only: local webhook receivers, shrunken retry waits.
    "ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "ALLOT_WEBHOOK_RETRY_SCALE",
}
SECRET_ENVIRONMENT = {
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "EMAIL_URL", "SENTRY_DSN", "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET", "ALLOT_METRICS_TOKEN", "STRIPE_BILLING_WEBHOOK_SECRET", "ALLOT_ENCRYPTION_KEY",
}

# What an operator must always supply: the root domain and the three secrets without a default.
REQUIRED_VALUES = {
    "rootDomain": "book.example.com",
    "secrets": {
        "databaseUrl": "postgresql://allot:database-password@postgres.internal:5432/allot",
        "redisUrl": "redis://redis.internal:6379/0",
        "secretKey": "s" * 64,
    },
}
PRODUCTION_VALUES = {
    "rootDomain": "book.example.com",
    "existingSecret": "allot-env",
    "ingress": {
        "className": "nginx",
        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-dns"},
        "tls": {"enabled": True, "secretName": "book-example-com-wildcard"},
    },
    "web": {"autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 12}},
}


ENVIRONMENT_READ = re.compile(r'(?:env_(?:str|bool|int|list)\(|os\.environ\.get\(|os\.getenv\()\s*"([A-Z0-9_]+)"')
APP_SOURCE_DIRS = ["platform/allot", "tenants", "booking_core", "billing", "public_site"]


def render(values: dict) -> list[dict]:
    """The release's manifests (hooks included), as parsed YAML documents."""
    with Chart.load(CHART_DIR) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    documents = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        documents += [document for document in yaml.safe_load_all(text) if document]
    return documents


def render_notes(values: dict) -> str:
    with Chart.load(CHART_DIR) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    return rendered[f"{CHART_DIR.name}/templates/NOTES.txt"]


def find(documents: list[dict], kind: str, name: str) -> dict:
    matches = [doc for doc in documents if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def kinds_and_names(documents: list[dict]) -> list[tuple[str, str]]:
    return sorted((doc["kind"], doc["metadata"]["name"]) for doc in documents)


def pod_spec(document: dict) -> dict:
    return document["spec"]["template"]["spec"]


def only_container(document: dict) -> dict:
    containers = pod_spec(document)["containers"]
    assert len(containers) == 1
    return containers[0]


def secret_data(secret: dict) -> dict[str, str]:
    return {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}


def schema_errors(documents: list[dict]) -> list[str]:
    errors = []
    for document in documents:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(part) for part in error.path)
            errors.append(f"{document['kind']}/{document['metadata']['name']}: {path}: {error.message}")
    return errors


def merged(base: dict, override: dict) -> dict:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


# --- lint and schema ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values", [None, REQUIRED_VALUES, PRODUCTION_VALUES], ids=["defaults", "required", "production"]
)
def test_chart_lints_without_errors_or_warnings(values):
    # given the chart directory and a set of values
    # when helm lints it strictly
    report = helm_python.lint(CHART_DIR, values, strict=True)

    # then nothing above "info" is reported (the only info is the optional icon)
    assert report["errors"] == []
    assert [message for message in report["messages"] if message["severity"] >= LINT_WARNING] == []
    assert report["total_charts_linted"] == 1


def test_default_render_is_valid_kubernetes():
    # given only the values an operator must supply
    # when the chart renders
    documents = render(REQUIRED_VALUES)

    # then it produces exactly these objects, and each passes the Kubernetes schema (unknown fields rejected)
    assert kinds_and_names(documents) == [
        ("ConfigMap", "allot"),
        ("ConfigMap", "allot-migrate"),
        ("Deployment", "allot-scheduler"),
        ("Deployment", "allot-web"),
        ("Deployment", "allot-worker"),
        ("Ingress", "allot"),
        ("Job", "allot-migrate"),
        ("PersistentVolumeClaim", "allot-private"),
        ("PodDisruptionBudget", "allot-web"),
        ("PodDisruptionBudget", "allot-worker"),
        ("Secret", "allot"),
        ("Secret", "allot-migrate"),
        ("Service", "allot-web"),
    ]
    assert schema_errors(documents) == []


def test_render_with_tls_existing_secret_and_autoscaling_is_valid_kubernetes():
    # given TLS on the ingress, a pre-made Secret and the web autoscaler on
    # when the chart renders
    documents = render(PRODUCTION_VALUES)

    # then no Secret is rendered (the pre-made one is used), an HPA scales web, and all of it validates
    assert kinds_and_names(documents) == [
        ("ConfigMap", "allot"),
        ("ConfigMap", "allot-migrate"),
        ("Deployment", "allot-scheduler"),
        ("Deployment", "allot-web"),
        ("Deployment", "allot-worker"),
        ("HorizontalPodAutoscaler", "allot-web"),
        ("Ingress", "allot"),
        ("Job", "allot-migrate"),
        ("PersistentVolumeClaim", "allot-private"),
        ("PodDisruptionBudget", "allot-web"),
        ("PodDisruptionBudget", "allot-worker"),
        ("Service", "allot-web"),
    ]
    assert schema_errors(documents) == []
    autoscaler = find(documents, "HorizontalPodAutoscaler", "allot-web")
    assert autoscaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "allot-web"}
    assert (autoscaler["spec"]["minReplicas"], autoscaler["spec"]["maxReplicas"]) == (3, 12)
    # The autoscaler owns the replica count; a fixed one would fight it on every upgrade.
    assert "replicas" not in find(documents, "Deployment", "allot-web")["spec"]


def test_existing_secret_is_what_every_process_and_the_migration_read():
    # given a pre-made Secret
    # when the chart renders
    documents = render(PRODUCTION_VALUES)

    # then web, worker, scheduler and the migration job take their secret environment from it
    for kind, name in [("Deployment", "allot-web"), ("Deployment", "allot-worker"),
                       ("Deployment", "allot-scheduler"), ("Job", "allot-migrate")]:
        secret_refs = [source["secretRef"]["name"] for source in only_container(find(documents, kind, name))["envFrom"]
                       if "secretRef" in source]
        assert secret_refs == ["allot-env"], name


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"secrets": REQUIRED_VALUES["secrets"]}, "rootDomain is required"),
        ({"rootDomain": "book.example.com"}, "secrets.databaseUrl (DATABASE_URL) is required, or set existingSecret"),
        (
            merged(REQUIRED_VALUES, {"secrets": {"secretKey": "too-short"}}),
            "secrets.secretKey must be at least 50 characters",
        ),
        (merged(REQUIRED_VALUES, {"secrets": {"databaseUrl": "mysql://db/allot"}}), "must be a postgresql:// URL"),
        (merged(REQUIRED_VALUES, {"rootDomain": "https://book.example.com"}), "rootDomain must be a bare host name"),
    ],
    ids=["no-root-domain", "no-database-url", "short-secret-key", "not-postgres", "root-domain-with-scheme"],
)
def test_rendering_refuses_incomplete_configuration(values, message):
    # given values that would deploy a broken or insecure app
    # when the chart renders
    # then it fails, saying what to fix
    with pytest.raises(helm_python.HelmError, match=message.replace("(", r"\(").replace(")", r"\)")):
        render(values)


# --- routing --------------------------------------------------------------------------------------------


def test_ingress_serves_the_root_domain_and_every_tenant_subdomain():
    # given a root domain
    # when the chart renders
    ingress = find(render(REQUIRED_VALUES), "Ingress", "allot")

    # then the root host (platform staff) and the wildcard host (tenants) both reach the web service
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["book.example.com", "*.book.example.com"]
    for rule in ingress["spec"]["rules"]:
        assert rule["http"]["paths"] == [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "allot-web", "port": {"name": "http"}}}}
        ]
    assert "tls" not in ingress["spec"]
    assert "ingressClassName" not in ingress["spec"]


def test_ingress_tls_covers_root_and_wildcard_with_one_certificate():
    # given TLS, an ingress class and annotations
    # when the chart renders
    ingress = find(render(PRODUCTION_VALUES), "Ingress", "allot")

    # then one TLS entry names both hosts, and class and annotations are passed through
    assert ingress["spec"]["tls"] == [
        {"hosts": ["book.example.com", "*.book.example.com"], "secretName": "book-example-com-wildcard"}
    ]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt-dns"}


def test_tenant_custom_domains_can_be_added_to_the_ingress():
    # given a tenant's own domain and its certificate
    values = merged(REQUIRED_VALUES, {"ingress": {
        "extraHosts": ["booking.customer.org"],
        "extraTls": [{"hosts": ["booking.customer.org"], "secretName": "customer-org"}],
    }})

    # when the chart renders
    documents = render(values)
    ingress = find(documents, "Ingress", "allot")

    # then it is served next to the platform's hosts
    assert [rule["host"] for rule in ingress["spec"]["rules"]] == [
        "book.example.com", "*.book.example.com", "booking.customer.org"
    ]
    assert ingress["spec"]["tls"] == [{"hosts": ["booking.customer.org"], "secretName": "customer-org"}]
    assert schema_errors(documents) == []


def test_web_service_targets_the_web_pods_on_their_http_port():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when the service and the web deployment are compared
    service = find(documents, "Service", "allot-web")
    web = find(documents, "Deployment", "allot-web")

    # then the service selects exactly the web pods and forwards to the named port gunicorn binds
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "web"
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    assert only_container(web)["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]


# --- processes -------------------------------------------------------------------------------------------


def test_each_deployment_runs_its_allot_command():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when the containers' commands are read
    commands = {
        name: (only_container(find(documents, "Deployment", f"allot-{name}"))["command"],
               only_container(find(documents, "Deployment", f"allot-{name}")).get("args"))
        for name in ["web", "worker", "scheduler"]
    }

    # then web serves on 8000 with access logs, worker and scheduler take their settings from the environment
    assert commands == {
        "web": (["allot", "web"], ["--port", "8000", "--access-log"]),
        "worker": (["allot", "worker"], None),
        "scheduler": (["allot", "scheduler"], None),
    }


def test_replica_counts_come_from_values():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when replicas are read
    replicas = {name: find(documents, "Deployment", f"allot-{name}")["spec"]["replicas"]
                for name in ["web", "worker", "scheduler"]}

    # then web and worker run two pods each and the scheduler (a single leader anyway) one
    assert replicas == {"web": 2, "worker": 2, "scheduler": 1}


def test_migration_job_is_a_pre_install_and_pre_upgrade_hook_running_allot_migrate():
    # given the default render
    job = find(render(REQUIRED_VALUES), "Job", "allot-migrate")

    # when its hook annotations and container are read
    annotations = job["metadata"]["annotations"]
    container = only_container(job)

    # then helm runs it before installing and before every upgrade, retries it a bounded number of
    # times, replaces it on the next deploy and removes it once it succeeded
    assert annotations == {
        "helm.sh/hook": "pre-install,pre-upgrade",
        "helm.sh/hook-weight": "0",
        "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
    }
    assert job["spec"]["backoffLimit"] == 2
    assert job["spec"]["activeDeadlineSeconds"] == 1800
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert container["command"] == ["allot", "migrate"]
    assert "args" not in container


def test_migration_workers_can_be_chosen():
    # given many tenants, where the operator wants four tenant schemas migrated at once
    values = merged(REQUIRED_VALUES, {"migrate": {"workers": 4}})

    # when the chart renders
    job = find(render(values), "Job", "allot-migrate")

    # then the job passes the worker count to `allot migrate`
    assert only_container(job)["command"] == ["allot", "migrate"]
    assert only_container(job)["args"] == ["--workers", "4"]


def test_migration_job_reads_hook_copies_of_the_configuration_created_before_it():
    # given the default render (pre-install hooks run before the release's own ConfigMap and Secret exist)
    documents = render(REQUIRED_VALUES)

    # when the job's environment sources are followed
    job = find(documents, "Job", "allot-migrate")
    config_copy = find(documents, "ConfigMap", "allot-migrate")
    secret_copy = find(documents, "Secret", "allot-migrate")

    # then they are hooks of the same events with a lower weight (created first), deleted like the job,
    # and hold exactly the release's configuration
    assert only_container(job)["envFrom"] == [
        {"configMapRef": {"name": "allot-migrate"}}, {"secretRef": {"name": "allot-migrate"}}
    ]
    for copy in (config_copy, secret_copy):
        assert copy["metadata"]["annotations"] == {
            "helm.sh/hook": "pre-install,pre-upgrade",
            "helm.sh/hook-weight": "-10",
            "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded",
        }
    assert config_copy["data"] == find(documents, "ConfigMap", "allot")["data"]
    assert secret_copy["data"] == find(documents, "Secret", "allot")["data"]


# --- configuration ---------------------------------------------------------------------------------------


def test_every_environment_variable_the_app_reads_is_in_the_configmap_or_the_secret():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when the ConfigMap's and the Secret's keys are collected
    config_keys = set(find(documents, "ConfigMap", "allot")["data"])
    secret_keys = set(find(documents, "Secret", "allot")["data"])

    # then together they cover every variable, secrets only in the Secret, nothing in both
    assert config_keys | secret_keys == APP_ENVIRONMENT
    assert secret_keys == SECRET_ENVIRONMENT
    assert config_keys & secret_keys == set()


def test_the_deployed_variables_are_exactly_what_the_code_reads():
    # given the app's source (settings, cli, embedded servers and the apps)
    checkout = CHART_DIR.parents[1]
    sources = [path for folder in APP_SOURCE_DIRS for path in (checkout / folder).rglob("*.py")
               if "migrations" not in path.parts]

    # when every environment variable it reads is collected
    read = {name for path in sources for name in ENVIRONMENT_READ.findall(path.read_text())}

    # then each one is either deployed by the chart or knowingly left out: a new setting has to be
    # added to the chart, infra/.env.example and this list, or declared not deployed here
    assert read - NOT_DEPLOYED_ENVIRONMENT == APP_ENVIRONMENT


def test_every_process_reads_the_configmap_and_the_secret():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when each deployment's environment sources are read
    # then all three read both, and nothing is set inline that could shadow them
    for name in ["web", "worker", "scheduler"]:
        container = only_container(find(documents, "Deployment", f"allot-{name}"))
        assert container["envFrom"] == [{"configMapRef": {"name": "allot"}}, {"secretRef": {"name": "allot"}}], name
        assert "env" not in container, name


def test_default_configuration_is_production_safe():
    # given only the required values
    documents = render(REQUIRED_VALUES)

    # when the rendered environment is read
    config = find(documents, "ConfigMap", "allot")["data"]
    secrets = secret_data(find(documents, "Secret", "allot"))

    # then debug is off, https is enforced behind the ingress, and unset optional secrets mean "off"
    assert config == {
        "ALLOT_ROOT_DOMAIN": "book.example.com",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "*",
        "CSRF_TRUSTED_ORIGINS": "",
        "DEFAULT_FROM_EMAIL": "Allot <no-reply@book.example.com>",
        "SENTRY_ENVIRONMENT": "production",
        "ALLOT_REDIS_NAMESPACE": "allot",
        "DATABASE_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "plain",
        "ALLOT_HEARTBEAT_SECONDS": "10",
        "SECURE_SSL_REDIRECT": "1",
        "STRIPE_PUBLISHABLE_KEY": "", "STRIPE_PRICE_STARTER": "", "STRIPE_PRICE_PRO": "",
        "WEB_CONCURRENCY": "3",
        "ALLOT_WORKER_PROCESSES": "2",
        "ALLOT_WORKER_THREADS": "8",
        "ALLOT_PUBLIC_SCHEME": "https",
        "ALLOT_OUTBOX_TENANT_INFLIGHT": "40",
        "ALLOT_OUTBOX_BATCH_SIZE": "10",
        "ALLOT_OUTBOX_LEASE_SECONDS": "60",
        "ALLOT_OUTBOX_RETRY_BASE_SECONDS": "30",
        "ALLOT_TRUSTED_PROXY_COUNT": "1",  # the ingress controller
        "ALLOT_PRIVATE_STORAGE_DIR": "/app/private",  # data exports, on the shared claim
    }
    assert secrets == {
        "DATABASE_URL": "postgresql://allot:database-password@postgres.internal:5432/allot",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "SECRET_KEY": "s" * 64,
        "EMAIL_URL": "console://",
        "SENTRY_DSN": "",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "ALLOT_METRICS_TOKEN": "", "STRIPE_BILLING_WEBHOOK_SECRET": "", "ALLOT_ENCRYPTION_KEY": "",
    }


def test_values_map_to_the_environment():
    # given every configurable setting changed
    values = merged(REQUIRED_VALUES, {
        "rootDomain": "Book.Example.COM.",
        "config": {
            "debug": True, "allowedHosts": "book.example.com,.book.example.com",
            "csrfTrustedOrigins": "https://partner.example.org", "defaultFromEmail": "Bookings <hello@example.com>",
            "sentryEnvironment": "staging", "redisNamespace": "allot-staging", "databaseConnMaxAge": 0,
            "logLevel": "debug", "logFormat": "json", "secureSslRedirect": False, "stripePublishableKey": "pk_test_123",
            "trustedProxyCount": 2,
            "extra": {"SECURE_HSTS_SECONDS": 0},
        },
        "secrets": {"emailUrl": "smtp://mailer:pw@smtp.example.com:587?tls=1", "sentryDsn": "https://key@sentry.example.com/1",
                    "stripeSecretKey": "sk_test_123", "stripeWebhookSecret": "whsec_123",
                    "metricsToken": "scrape-token"},
        "web": {"concurrency": 4},
        "worker": {"processes": 3, "threads": 16},
        "heartbeat": {"intervalSeconds": 15},
    })

    # when the chart renders
    documents = render(values)
    config = find(documents, "ConfigMap", "allot")["data"]
    secrets = secret_data(find(documents, "Secret", "allot"))

    # then each lands in its variable, in the form the app parses
    assert config == {
        "ALLOT_ROOT_DOMAIN": "book.example.com",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "book.example.com,.book.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://partner.example.org",
        "DEFAULT_FROM_EMAIL": "Bookings <hello@example.com>",
        "SENTRY_ENVIRONMENT": "staging",
        "ALLOT_REDIS_NAMESPACE": "allot-staging",
        "DATABASE_CONN_MAX_AGE": "0",
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
        "ALLOT_HEARTBEAT_SECONDS": "15",
        "SECURE_SSL_REDIRECT": "0",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_123", "STRIPE_PRICE_STARTER": "", "STRIPE_PRICE_PRO": "",
        "WEB_CONCURRENCY": "4",
        "ALLOT_WORKER_PROCESSES": "3",
        "ALLOT_WORKER_THREADS": "16",
        "ALLOT_PUBLIC_SCHEME": "https",
        "ALLOT_OUTBOX_TENANT_INFLIGHT": "40",
        "ALLOT_OUTBOX_BATCH_SIZE": "10",
        "ALLOT_OUTBOX_LEASE_SECONDS": "60",
        "ALLOT_OUTBOX_RETRY_BASE_SECONDS": "30",
        "ALLOT_TRUSTED_PROXY_COUNT": "2",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOT_PRIVATE_STORAGE_DIR": "/app/private",
    }
    assert {key: secrets[key] for key in ["EMAIL_URL", "SENTRY_DSN", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
                                          "ALLOT_METRICS_TOKEN"]} == {
        "EMAIL_URL": "smtp://mailer:pw@smtp.example.com:587?tls=1",
        "SENTRY_DSN": "https://key@sentry.example.com/1",
        "STRIPE_SECRET_KEY": "sk_test_123",
        "STRIPE_WEBHOOK_SECRET": "whsec_123",
        "ALLOT_METRICS_TOKEN": "scrape-token",
    }


def test_configuration_changes_roll_web_and_worker_pods():
    # given a release
    before = render(REQUIRED_VALUES)

    # when a setting and, separately, a secret change
    config_changed = render(merged(REQUIRED_VALUES, {"config": {"logLevel": "DEBUG"}}))
    secret_changed = render(merged(REQUIRED_VALUES, {"secrets": {"stripeSecretKey": "sk_live_rotated"}}))

    # then the pod templates' checksums change with them, so the deployments roll out new pods
    def checksums(documents, name):
        return find(documents, "Deployment", f"allot-{name}")["spec"]["template"]["metadata"]["annotations"]

    for name in ["web", "worker", "scheduler"]:
        assert set(checksums(before, name)) == {"checksum/config", "checksum/secret"}
        assert checksums(config_changed, name)["checksum/config"] != checksums(before, name)["checksum/config"]
        assert checksums(config_changed, name)["checksum/secret"] == checksums(before, name)["checksum/secret"]
        assert checksums(secret_changed, name)["checksum/secret"] != checksums(before, name)["checksum/secret"]
        assert checksums(secret_changed, name)["checksum/config"] == checksums(before, name)["checksum/config"]


# --- health and resources --------------------------------------------------------------------------------


def test_web_probes_use_healthz_for_liveness_and_readyz_for_readiness():
    # given the default render
    container = only_container(find(render(REQUIRED_VALUES), "Deployment", "allot-web"))

    # when the probes are read
    # then liveness and start-up ask only whether the process answers, readiness whether its dependencies do
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}


@pytest.mark.parametrize("process", ["worker", "scheduler"])
def test_worker_and_scheduler_probes_check_the_heartbeat_their_process_refreshes(process):
    # given heartbeats every 15 s that count as stale after 45 s
    values = merged(REQUIRED_VALUES, {"heartbeat": {"intervalSeconds": 15, "maxAgeSeconds": 45}})

    # when the process's container is read
    documents = render(values)
    container = only_container(find(documents, "Deployment", f"allot-{process}"))

    # then start-up and liveness run `allot healthcheck` on that heartbeat, which the process beats as configured
    command = ["allot", "healthcheck", process, "--max-age", "45"]
    assert container["startupProbe"]["exec"] == {"command": command}
    assert container["livenessProbe"]["exec"] == {"command": command}
    assert container["livenessProbe"]["periodSeconds"] == 30
    assert container["livenessProbe"]["failureThreshold"] == 3
    assert find(documents, "ConfigMap", "allot")["data"]["ALLOT_HEARTBEAT_SECONDS"] == "15"
    # and the heartbeat file's folder is writable in the pod (the read-only root has /tmp as an emptyDir)
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_an_unknown_log_format_is_refused_at_render():
    with pytest.raises(Exception, match="config.logFormat must be plain or json"):
        render(merged(REQUIRED_VALUES, {"config": {"logFormat": "xml"}}))


def test_every_container_has_resource_requests_and_limits():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when each workload's container resources are read
    workloads = [doc for doc in documents if doc["kind"] in {"Deployment", "Job"}]

    # then every one requests and limits both cpu and memory
    assert len(workloads) == 4
    for workload in workloads:
        resources = only_container(workload)["resources"]
        assert set(resources["requests"]) == {"cpu", "memory"}, workload["metadata"]["name"]
        assert set(resources["limits"]) == {"cpu", "memory"}, workload["metadata"]["name"]


def test_web_disruption_budget_selects_the_web_pods():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when the budget is read
    budget = find(documents, "PodDisruptionBudget", "allot-web")

    # then at most one web pod is evicted at a time (which never blocks a drain, even with one replica)
    assert budget["spec"] == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": find(documents, "Deployment", "allot-web")["spec"]["selector"]["matchLabels"]},
    }


def test_worker_disruption_budget_selects_the_worker_pods():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when the worker's budget is read
    budget = find(documents, "PodDisruptionBudget", "allot-worker")

    # then a drain evicts one worker pod at a time (and a single replica never blocks it)
    assert budget["spec"] == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": find(documents, "Deployment", "allot-worker")["spec"]["selector"]["matchLabels"]},
    }
    assert budget["spec"]["selector"] != find(documents, "PodDisruptionBudget", "allot-web")["spec"]["selector"]


def test_optional_objects_can_be_switched_off():
    # given no ingress and no disruption budget
    values = merged(
        REQUIRED_VALUES, {"ingress": {"enabled": False}, "web": {"podDisruptionBudget": {"enabled": False}},
                          "worker": {"podDisruptionBudget": {"enabled": False}}}
    )

    # when the chart renders
    kinds = {kind for kind, _ in kinds_and_names(render(values))}

    # then neither is rendered
    assert kinds == {"ConfigMap", "Deployment", "Job", "PersistentVolumeClaim", "Secret", "Service"}


# --- security --------------------------------------------------------------------------------------------


def test_every_pod_runs_as_non_root_with_a_read_only_root_filesystem():
    # given the default render
    documents = render(REQUIRED_VALUES)

    # when each workload's pod spec is read
    workloads = [doc for doc in documents if doc["kind"] in {"Deployment", "Job"}]

    # then it runs as the image's non-root user, cannot escalate, has no API token, and writes only to
    # an emptyDir on /tmp (and the media volume, for web and worker)
    assert sorted(doc["metadata"]["name"] for doc in workloads) == [
        "allot-migrate", "allot-scheduler", "allot-web", "allot-worker"
    ]
    for workload in workloads:
        spec = pod_spec(workload)
        container = only_container(workload)
        name = workload["metadata"]["name"]
        assert spec["securityContext"] == {
            "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        }, name
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
        }, name
        assert spec["automountServiceAccountToken"] is False, name
        assert spec["enableServiceLinks"] is False, name
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert mounts["/tmp"] == "tmp", name
        assert volumes["tmp"] == {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}, name
        expected_mounts = ({"/tmp", "/app/media", "/app/private"} if name in {"allot-web", "allot-worker"}
                           else {"/tmp"})
        assert set(mounts) == expected_mounts, name


def test_uploads_can_live_on_a_shared_volume():
    # given a ReadWriteMany claim for uploads
    values = merged(REQUIRED_VALUES, {"media": {"existingClaim": "allot-media"}})

    # when the chart renders
    documents = render(values)

    # then web and worker mount it where the image keeps uploads
    for name in ["web", "worker"]:
        spec = pod_spec(find(documents, "Deployment", f"allot-{name}"))
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert volumes["media"] == {"name": "media", "persistentVolumeClaim": {"claimName": "allot-media"}}


def test_data_exports_live_on_one_read_write_many_claim_shared_by_web_and_worker():
    # given the default values
    documents = render(REQUIRED_VALUES)

    # then one ReadWriteMany claim is made, kept on uninstall, in the cluster's default storage class
    claim = find(documents, "PersistentVolumeClaim", "allot-private")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert "storageClassName" not in claim["spec"]
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    # and web and worker (not the scheduler) mount it where ALLOT_PRIVATE_STORAGE_DIR points
    assert find(documents, "ConfigMap", "allot")["data"]["ALLOT_PRIVATE_STORAGE_DIR"] == "/app/private"
    for name in ["web", "worker"]:
        document = find(documents, "Deployment", f"allot-{name}")
        volumes = {volume["name"]: volume for volume in pod_spec(document)["volumes"]}
        mounts = {mount["mountPath"]: mount["name"] for mount in only_container(document)["volumeMounts"]}
        assert volumes["private"] == {"name": "private", "persistentVolumeClaim": {"claimName": "allot-private"}}
        assert mounts["/app/private"] == "private"
    scheduler = pod_spec(find(documents, "Deployment", "allot-scheduler"))
    assert "private" not in {volume["name"] for volume in scheduler["volumes"]}


def test_the_export_claims_storage_class_and_size_are_values_and_an_existing_claim_can_be_used():
    # given a storage class and size
    documents = render(merged(REQUIRED_VALUES, {"privateStorage": {"storageClassName": "efs", "size": "50Gi"}}))
    claim = find(documents, "PersistentVolumeClaim", "allot-private")
    assert (claim["spec"]["storageClassName"], claim["spec"]["resources"]["requests"]["storage"]) == ("efs", "50Gi")
    assert schema_errors(documents) == []
    # given a claim made by the operator
    documents = render(merged(REQUIRED_VALUES, {"privateStorage": {"existingClaim": "exports-nfs"}}))
    # then the chart makes none and mounts that one
    assert "PersistentVolumeClaim" not in {kind for kind, _name in kinds_and_names(documents)}
    for name in ["web", "worker"]:
        spec = pod_spec(find(documents, "Deployment", f"allot-{name}"))
        volumes = {volume["name"]: volume for volume in spec["volumes"]}
        assert volumes["private"]["persistentVolumeClaim"] == {"claimName": "exports-nfs"}


def test_the_chart_warns_against_pgbouncer_in_transaction_mode():
    # given the chart's values documentation and the notes printed after install
    values_text = (CHART_DIR / "values.yaml").read_text()
    notes = render_notes(REQUIRED_VALUES)

    # then both tell operators not to use PgBouncer in transaction mode
    assert "Do NOT put PgBouncer in\n# transaction mode" in values_text
    assert "Never PgBouncer in transaction mode" in notes


def test_notes_name_both_hosts_for_dns_and_tls():
    # given TLS enabled
    # when the notes render
    notes = render_notes(PRODUCTION_VALUES)

    # then they say which DNS records and which certificate the deployment needs
    assert "DNS: point BOTH book.example.com and *.book.example.com at the ingress controller." in notes
    assert "must hold a certificate for book.example.com AND *.book.example.com" in notes
    assert "https://<slug>.book.example.com/" in notes
