"""The test suite runs the real settings module, with a database name and Redis namespace of its own so
that a test run never touches `make up`'s data and two runs can share one server."""

import os
import tempfile

_run = os.environ.setdefault("ALLOT_TEST_RUN_ID", str(os.getpid()))
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOT_EMBEDDED_SERVICES", "1")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "k" * 48)
os.environ.setdefault("ALLOT_REDIS_NAMESPACE", f"allot-test-{_run}")
os.environ.setdefault("ALLOT_TEST_DATABASE_NAME", f"test_allot_{_run}")
os.environ.setdefault("EMAIL_URL", "memory://")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
# The tests' webhook receivers listen on 127.0.0.1 (tests/webhooks turn the SSRF guard on where they test it).
os.environ.setdefault("ALLOT_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "1")
# Data exports (tenants.leaving) go to a directory of this run's own, not the checkout's private/.
os.environ.setdefault("ALLOT_PRIVATE_STORAGE_DIR", os.path.join(tempfile.gettempdir(), f"allot-test-private-{_run}"))

from allot.settings import *  # noqa: E402,F403

# Password hashing is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True

# The public abuse limits (allot.rate_limits) are off: many tests book and sign up repeatedly from one address
# and one email address. tests/platform/test_rate_limits.py and the tests that use the `public_rate_limits`
# fixture turn them on with the production defaults. (The sign-in limits stay on, as in production.)
ALLOT_PUBLIC_RATE_LIMITS = {}

# ALLOT_TEST_CLOCK=<ISO instant> moves this process's clock (and so every subprocess a test starts with these
# settings) to that instant: `make test-clocks` (tests/clock.py).
from tests.clock import travel_from_environment  # noqa: E402

travel_from_environment()

# The calendar sync tests talk to a real CalDAV server (Radicale) on a local port, over plain HTTP; in production a
# calendar address must be https:// (booking_core/calendar_sync/providers/caldav.py).
CALENDAR_SYNC_ALLOW_HTTP = True
# The warm pool of tenant schemas is off: tests that create organisations clone, and no refill job clones schemas
# behind their back. tests/tenants/test_pool.py turns it on.
ALLOT_TENANT_POOL_SIZE = 0
