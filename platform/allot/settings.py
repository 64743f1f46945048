"""The one settings module. Every value that differs between deployments comes from the environment;
README.md lists each variable with its default."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from allot import embedded
from allot.config import env_bool, env_int, env_list, env_str, parse_database_url, parse_email_url
from allot.rate_limits import checked_multiplier, checked_rates

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parents[1]  # the checkout (or, once installed, wherever the package lives)

# --- Core -----------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", False)
INSECURE_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_SECRET_KEY)
if not DEBUG and (SECRET_KEY == INSECURE_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY is unset or insecure and DEBUG is off. Set SECRET_KEY to a random string of at least "
        "50 characters (python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set DEBUG=1 "
        "for local development."
    )

ALLOT_ROOT_DOMAIN = env_str("ALLOT_ROOT_DOMAIN", "localhost").lower().strip(".")
# The tenant middleware answers only hosts that belong to a tenant (everything else is a 404), so the
# Host header is validated there; custom tenant domains cannot be listed here in advance.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"])
# How links in emails reach the sites: scheme, and a port when not the default one (development).
ALLOT_PUBLIC_SCHEME = env_str("ALLOT_PUBLIC_SCHEME", "http" if DEBUG else "https")
ALLOT_PUBLIC_PORT = env_str("ALLOT_PUBLIC_PORT", "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- Applications (django-tenants: shared apps live in `public`, tenant apps in every schema) ---------

SHARED_APPS = [
    "django_tenants",
    "allot.accounts",
    "tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # django.contrib.admin, whose root-domain site signs in through allauth and requires a second factor
    "tenants.admin_apps.PlatformAdminConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allot.workers",
    "allot.outbox",
    "allot.jobs",
    "billing",
    "public_site",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    # Admin log entries point at content types, which differ per schema, so each tenant keeps its own.
    "tenants.admin_apps.PlatformAdminConfig",
    "booking_core",
    "booking_core.programmes",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
# New tenants are cloned from this schema, kept migrated by a tenant row of its own (see tenants.provisioning).
TENANT_BASE_SCHEMA = "tenant_template"
TENANT_CREATION_FAKES_MIGRATIONS = True
ROOT_URLCONF = "allot.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "allot.urls_public"
TENANT_LIMIT_SET_CALLS = True
AUTH_USER_MODEL = "accounts.User"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]

MIDDLEWARE = [
    # First, so that every log line of the request carries its id (X-Request-ID in and out).
    "allot.logging.RequestIdMiddleware",
    # Probes reach pods by IP, which is no tenant's host: answer them before tenant resolution.
    "allot.health.HealthCheckMiddleware",
    # /metrics on every host (loopback / cluster addresses or a bearer token), and request latency by route.
    "allot.metrics.MetricsMiddleware",
    # Before tenant resolution, so that its own pages (unknown host, suspended tenant) carry the headers too.
    "allot.security_headers.ContentSecurityPolicyMiddleware",
    "allot.security_headers.PermissionsPolicyMiddleware",
    "tenants.middleware.TenantResolutionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.SessionTenantBindingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.current_tenant",
            ],
        },
    }
]

WSGI_APPLICATION = "allot.wsgi.application"

# --- Database and Redis ----------------------------------------------------------------------------

# Without URLs, PostgreSQL and Redis are started from Python packages (development and tests only: a
# production process without DATABASE_URL is a configuration mistake, not a reason to start a database).
EMBEDDED_SERVICES_ALLOWED = DEBUG or env_bool("ALLOT_EMBEDDED_SERVICES", False)
if not (env_str("DATABASE_URL") and env_str("REDIS_URL")) and not EMBEDDED_SERVICES_ALLOWED:
    raise ImproperlyConfigured(
        "DATABASE_URL and REDIS_URL must be set when DEBUG is off (set ALLOT_EMBEDDED_SERVICES=1 to use the "
        "embedded PostgreSQL and Redis anyway)."
    )
DATABASE_URL = env_str("DATABASE_URL") or embedded.postgres_url()
REDIS_URL = env_str("REDIS_URL") or embedded.redis_url()

_database = parse_database_url(DATABASE_URL)
DATABASES = {
    "default": {
        **_database,
        "ENGINE": "django_tenants.postgresql_backend",
        # A new PostgreSQL connection per request costs more than the request itself.
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": env_bool("DATABASE_CONN_HEALTH_CHECKS", False),
        "TEST": {"NAME": env_str("ALLOT_TEST_DATABASE_NAME") or f"test_{_database['NAME']}"},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Everything this deployment keeps in Redis lives under this prefix (cache keys, queues, locks), so
# several deployments or test runs can share one Redis server.
REDIS_NAMESPACE = env_str("ALLOT_REDIS_NAMESPACE", "allot")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": REDIS_NAMESPACE,
        # Keys carry the tenant schema, so one tenant's cached data never answers for another.
        # (allauth's rate limits and used TOTP codes excepted: accounts are shared by every host).
        "KEY_FUNCTION": "tenants.cache_keys.make_key",
    }
}

# --- Identity ---------------------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "tenants.permissions.MembershipPermissionBackend",
]
# New passwords are hashed with Argon2id at OWASP's parameters (m=19 MiB, t=2, p=1; allot.accounts.hashers says
# why). The others verify hashes made before: Django's PBKDF2 ones are re-hashed with Argon2id at their owner's
# next successful sign-in.
PASSWORD_HASHERS = [
    "allot.accounts.hashers.OwaspArgon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every sign-in is allauth's (the admins' login pages redirect to it): its second factor and rate limits
# cannot be skipped. tenants.accounts: members only on a tenant's host, sign-up closed except inside the
# organisation sign-up, platform staff need TOTP on the root domain.
ACCOUNT_ADAPTER = "tenants.accounts.AccountAdapter"
ACCOUNT_FORMS = {"login": "tenants.accounts.MemberLoginForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Allot"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# Abuse limits on signing in, counted in Redis (allauth's rate limits, through the default cache) for every
# host together. A rate is "<count>/<period>/<per>": period like 30s, m, 5m, h; per ip, key (the account's
# email address; for the second factor, the account) or user. ALLOT_RATE_LIMITS_ENABLED=0 switches them off
# (load tests from one address), and the public abuse limits below too.
ALLOT_RATE_LIMITS_ENABLED = env_bool("ALLOT_RATE_LIMITS_ENABLED", True)
ALLOT_LOGIN_RATE_LIMIT = env_str("ALLOT_LOGIN_RATE_LIMIT", "30/m/ip")
ALLOT_LOGIN_FAILED_RATE_LIMIT = env_str("ALLOT_LOGIN_FAILED_RATE_LIMIT", "10/m/ip,5/5m/key")
for _name, _rates in [("ALLOT_LOGIN_RATE_LIMIT", ALLOT_LOGIN_RATE_LIMIT),
                      ("ALLOT_LOGIN_FAILED_RATE_LIMIT", ALLOT_LOGIN_FAILED_RATE_LIMIT)]:
    if not all(re.fullmatch(r"\d+/(\d+(\.\d+)?)?[smhd](/(ip|key|user))?", rate.strip()) for rate in _rates.split(",")):
        raise ImproperlyConfigured(f"{_name}={_rates!r} is not a rate like 30/m/ip or 10/m/ip,5/5m/key.")
# Organisation sign-ups (/signup/ forms sent, valid or not) per address and per email address.
ALLOT_SIGNUP_RATE_LIMIT = env_str("ALLOT_SIGNUP_RATE_LIMIT", "20/h/ip,5/h/key")
if not all(re.fullmatch(r"\d+/(\d+(\.\d+)?)?[smhd](/(ip|key))?", rate.strip())
           for rate in ALLOT_SIGNUP_RATE_LIMIT.split(",")):
    raise ImproperlyConfigured(
        f"ALLOT_SIGNUP_RATE_LIMIT={ALLOT_SIGNUP_RATE_LIMIT!r} is not a rate like 20/h/ip,5/h/key.")
# How long the one-time token that signs a new owner in on their own host stays valid.
ALLOT_SIGNUP_HANDOFF_SECONDS = env_int("ALLOT_SIGNUP_HANDOFF_SECONDS", 60)
# How often the scheduler's safety net recomputes every tenant's due-work index from its data (allot.jobs.due).
ALLOT_DUE_WORK_SWEEP_SECONDS = env_int("ALLOT_DUE_WORK_SWEEP_SECONDS", 3600)
if ALLOT_DUE_WORK_SWEEP_SECONDS < 60:
    raise ImproperlyConfigured("ALLOT_DUE_WORK_SWEEP_SECONDS must be at least 60.")
# The warm pool of ready tenant schemas (tenants.pool): how many to keep cloned from the template so a sign-up only
# claims one (0 turns the pool off: every sign-up clones), and how often the scheduler enqueues the refill job.
ALLOT_TENANT_POOL_SIZE = env_int("ALLOT_TENANT_POOL_SIZE", 3)
ALLOT_TENANT_POOL_REFILL_SECONDS = env_int("ALLOT_TENANT_POOL_REFILL_SECONDS", 60)
if ALLOT_TENANT_POOL_SIZE < 0 or ALLOT_TENANT_POOL_REFILL_SECONDS < 1:
    raise ImproperlyConfigured("ALLOT_TENANT_POOL_SIZE must be 0 or more, ALLOT_TENANT_POOL_REFILL_SECONDS 1 or more.")
ACCOUNT_RATE_LIMITS = {
    # every sign-in form sent, per address
    "login": ALLOT_LOGIN_RATE_LIMIT,
    # every organisation sign-up form sent, per address and per email address
    "organisation_signup": ALLOT_SIGNUP_RATE_LIMIT,
    # failed passwords (and, keyed by account, wrong second-factor codes): per address and per account
    "login_failed": ALLOT_LOGIN_FAILED_RATE_LIMIT,
} if ALLOT_RATE_LIMITS_ENABLED else False
MFA_RATE_LIMITS = {} if ALLOT_RATE_LIMITS_ENABLED else False
# Abuse limits on the public endpoints that create bookings, waitlist entries or programme sign-ups (and so
# send mail), and on the actions behind emailed links: counted in Redis per tenant, per client address and per
# email address (allot.rate_limits, booking_core.public_limits). Each ALLOT_RATE_LIMIT_* is a rate like
# 20/10m; ALLOT_RATE_LIMIT_MULTIPLIER (>= 1) multiplies every count (load tests from one address).
ALLOT_PUBLIC_RATE_LIMITS = checked_rates({
    "bookings_per_ip": ("ALLOT_RATE_LIMIT_BOOKINGS_PER_IP", env_str("ALLOT_RATE_LIMIT_BOOKINGS_PER_IP")),
    "bookings_per_email": ("ALLOT_RATE_LIMIT_BOOKINGS_PER_EMAIL", env_str("ALLOT_RATE_LIMIT_BOOKINGS_PER_EMAIL")),
    "unconfirmed_email": ("ALLOT_RATE_LIMIT_UNCONFIRMED_EMAIL", env_str("ALLOT_RATE_LIMIT_UNCONFIRMED_EMAIL")),
    "manage_per_ip": ("ALLOT_RATE_LIMIT_MANAGE_PER_IP", env_str("ALLOT_RATE_LIMIT_MANAGE_PER_IP")),
}) if ALLOT_RATE_LIMITS_ENABLED else {}
ALLOT_RATE_LIMIT_MULTIPLIER = checked_multiplier("ALLOT_RATE_LIMIT_MULTIPLIER",
                                                 env_str("ALLOT_RATE_LIMIT_MULTIPLIER"))
# Behind proxies, the client's address is the N-th from the right in X-Forwarded-For (N = proxies you run),
# or a header your proxy sets; without either, every visitor behind an ingress would share one address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLOT_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("ALLOT_CLIENT_IP_HEADER") or None

# Host-only cookies: a session on one tenant's host is never sent to another tenant's host.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
CSRF_FAILURE_VIEW = "public_site.errors.csrf_failure"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ---------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("hu", _("Hungarian")), ("de", _("German"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media files ------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "allot.static_files.RememberingManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", False)

# --- Email ------------------------------------------------------------------------------------------

EMAIL_URL = env_str("EMAIL_URL", "console://")
globals().update(parse_email_url(EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"Allot <no-reply@{ALLOT_ROOT_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- API --------------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "allot.api.AutoSchema",  # drf-spectacular's, with the abuse limits' 429
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON with a depth limit; no NUL characters in JSON or form bodies (allot/api_parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "allot.api_parsers.BoundedJSONParser",
        "allot.api_parsers.NulFreeFormParser",
        "allot.api_parsers.NulFreeMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "allot.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Allot API",
    "DESCRIPTION": "Booking API of one Allot organisation, served on its own subdomain.\n\n"
                   "Times: ISO 8601. A time without an offset (no `Z` or `+01:00`) is read in the organisation's "
                   "time zone, in bodies and in filters alike; a local time that a daylight-saving change skips or "
                   "repeats is refused (send its offset). Dates and times are accepted from 1900-01-01 to 2999-12-31.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: it would load an image from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"LanguageEnum": "tenants.models.LANGUAGE_CHOICES"},
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Background work --------------------------------------------------------------------------------

DRAMATIQ_NAMESPACE = REDIS_NAMESPACE

# --- Payments (Stripe; read here, used by billing) --------------------------------------------------

# Secrets stored in the database (calendar connections' app passwords) are encrypted with this Fernet key;
# unset, a key derived from SECRET_KEY (booking_core/calendar_sync/secrets.py).
ALLOT_ENCRYPTION_KEY = env_str("ALLOT_ENCRYPTION_KEY", "")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE")
# Demo data only (allot.demo, billing/demo.py): "<tenant slug>=<connected account id>,..." links the demo
# organisations to Stripe accounts that take charges (`allot up` sets it for its local stand-in; with real test
# keys, name an onboarded Connect test account). Unset: the demo organisations have no account.
ALLOT_DEMO_STRIPE_ACCOUNTS = env_str("ALLOT_DEMO_STRIPE_ACCOUNTS", "")
# How long a booking awaiting online payment holds its seat or slot before the hold expiry job frees it.
ALLOT_PAYMENT_HOLD_MINUTES = env_int("ALLOT_PAYMENT_HOLD_MINUTES", 15)
# How long a booking an operator made for a client holds its place while the emailed payment link is unpaid
# (Stripe keeps a Checkout Session open for at most 24 hours).
ALLOT_PAYMENT_LINK_HOLD_HOURS = env_int("ALLOT_PAYMENT_LINK_HOLD_HOURS", 23)
# The organisations' subscriptions (billing.plans): the Stripe Prices of the paid plans, the endpoint secret of
# the subscription webhook (/stripe/webhooks/billing/), and the plan of organisations without a subscription
# record that are not on trial (set up by platform staff).
STRIPE_PRICE_STARTER = env_str("STRIPE_PRICE_STARTER")
STRIPE_PRICE_PRO = env_str("STRIPE_PRICE_PRO")
STRIPE_BILLING_WEBHOOK_SECRET = env_str("STRIPE_BILLING_WEBHOOK_SECRET")
ALLOT_UNBILLED_PLAN = env_str("ALLOT_UNBILLED_PLAN", "pro")

# --- Security (production) --------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Full addresses only within the site; other sites learn at most the host. Pages behind secret links
# (/b/<token>/ …) send `same-origin`, so not even that (public_site.pages.secret_link_page).
SECURE_REFERRER_POLICY = env_str("SECURE_REFERRER_POLICY", "strict-origin-when-cross-origin")
# Browser features no page of Allot uses (allot.security_headers.PermissionsPolicyMiddleware).
ALLOT_PERMISSIONS_POLICY = env_str(
    "ALLOT_PERMISSIONS_POLICY",
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()",
)

# Content-Security-Policy (django-csp 4; allot.security_headers adds, per response, the hash of the page's
# one inline <style>: the tenant's brand colours). Scripts come only from this site's own files: no inline
# scripts, no eval. Pages can be served from the page cache, so they cannot carry a per-request nonce.
_public_port = f":{ALLOT_PUBLIC_PORT}" if ALLOT_PUBLIC_PORT else ""


def stripe_checkout_origins(api_base: str) -> list[str]:
    """Where a Checkout Session's page is: Stripe's host, and a local API server's origin (its own pages)."""
    origins = ["https://checkout.stripe.com"]
    if api_base:
        from urllib.parse import urlsplit

        parts = urlsplit(api_base)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


_csp_directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    # The platform's own hosts: a form on the root domain may lead to a tenant's host (sign-up hand-off).
    "form-action": ["'self'", f"{ALLOT_ROOT_DOMAIN}{_public_port}", f"*.{ALLOT_ROOT_DOMAIN}{_public_port}",
                    # Booking (and "Pay now") forms answer with a redirect to Stripe Checkout, which form-action
                    # also governs: Stripe's host, or the local stand-in's (allot.stripe_standin) at STRIPE_API_BASE.
                    *stripe_checkout_origins(STRIPE_API_BASE)],
}
if env_str("ALLOT_CSP_REPORT_URI"):
    _csp_directives["report-uri"] = [env_str("ALLOT_CSP_REPORT_URI")]
# ALLOT_CSP_REPORT_ONLY=1 sends the policy as Content-Security-Policy-Report-Only (browsers report, block nothing).
if env_bool("ALLOT_CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}
    CONTENT_SECURITY_POLICY_REPORT_ONLY = None
# Pages made by other projects' templates that carry inline styles: Django's admin (its change list's <style>,
# select2's style attributes) and Swagger UI. Their scripts still come only from this site's files.
ALLOT_CSP_INLINE_STYLE_PATHS = ("/admin/", "/api/docs/")

# Uploaded logos (tenants.logos): PNG, JPEG or WebP by content, re-encoded, at most this many bytes and
# pixels per side (checked before decoding).
ALLOT_LOGO_MAX_BYTES = env_int("ALLOT_LOGO_MAX_BYTES", 1024 * 1024)

# Outgoing webhooks (booking_core/webhooks). Local and private addresses (and plain http) only for development
# and tests: in production an endpoint inside the cluster's network would be an SSRF hole.
ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", DEBUG)
ALLOT_WEBHOOK_TIMEOUT_SECONDS = env_int("ALLOT_WEBHOOK_TIMEOUT_SECONDS", 5)
ALLOT_WEBHOOK_DISABLE_AFTER_FAILURES = env_int("ALLOT_WEBHOOK_DISABLE_AFTER_FAILURES", 50)
ALLOT_WEBHOOK_SECRET_OVERLAP_HOURS = env_int("ALLOT_WEBHOOK_SECRET_OVERLAP_HOURS", 24)
# Multiplies the retry waits (5 s, 5 min, ... 24 h): tests and benchmarks shrink them.
ALLOT_WEBHOOK_RETRY_SCALE = float(env_str("ALLOT_WEBHOOK_RETRY_SCALE") or 1)
ALLOT_LOGO_MAX_SIDE_PIXELS = env_int("ALLOT_LOGO_MAX_SIDE_PIXELS", 2000)

# Leaving (tenants.leaving): data exports are zips in a private directory (never served as /media/; only the
# owners' download page hands them out), their links work for ALLOT_EXPORT_LINK_DAYS; a closed organisation is
# deleted, schema and all, ALLOT_CLOSED_TENANT_GRACE_DAYS after it was closed unless platform staff restore it.
ALLOT_PRIVATE_STORAGE_DIR = Path(env_str("ALLOT_PRIVATE_STORAGE_DIR") or BASE_DIR / "private")
ALLOT_EXPORT_LINK_DAYS = env_int("ALLOT_EXPORT_LINK_DAYS", 7)
ALLOT_CLOSED_TENANT_GRACE_DAYS = env_int("ALLOT_CLOSED_TENANT_GRACE_DAYS", 30)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a one-way door an operator chooses for their own domain, not a default.
    "security.W021",
]

# --- Logging (every line carries the tenant schema) -------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# plain: one readable line; json: one JSON object per line (time, level, logger, message, tenant, request_id).
LOG_FORMAT = env_str("LOG_FORMAT", "plain").lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "tenant": {"()": "allot.logging.TenantSchemaFilter"},
        "request_id": {"()": "allot.logging.RequestIdFilter"},
        "secret_links": {"()": "allot.logging.SecretLinkFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(tenant_schema)s] [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "allot.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": sys.stderr,
            "filters": ["tenant", "request_id", "secret_links"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
    },
}

# --- Metrics (Prometheus, /metrics on every host) ------------------------------------------------------

ALLOT_METRICS_ENABLED = env_bool("ALLOT_METRICS_ENABLED", True)
# With a token, `Authorization: Bearer <token>` reads the metrics from anywhere.
ALLOT_METRICS_TOKEN = env_str("ALLOT_METRICS_TOKEN")
# Requests from loopback or private (cluster) addresses that no proxy forwarded read them without a token.
ALLOT_METRICS_ALLOW_PRIVATE = env_bool("ALLOT_METRICS_ALLOW_PRIVATE", True)

# --- Errors (Sentry) --------------------------------------------------------------------------------

SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "development" if DEBUG else "production")
if SENTRY_DSN:
    from allot.sentry import init_sentry

    init_sentry(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)

# Port `allot up` serves on; used to print the demo URLs.
ALLOT_PORT = env_int("ALLOT_PORT", 8000)
