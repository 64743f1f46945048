"""The module `dramatiq` loads in every worker process: set up Django, then import every actor.

What the actors call is wired when Django starts, by each app's AppConfig.ready: outbox renderers, per-tenant
jobs (allot.jobs.registry), domain event handlers. The actors are the platform's own, imported here by name,
and those of any installed app, which by convention live in its `tasks` module (an app without actors has
none).
"""

import importlib
import os

import django
import dramatiq.worker

# An idle consumer polls Redis with a backoff up to `worker_timeout` (1 s by default), which is added to
# the latency of the first message after a quiet spell. The CLI has no flag for it; 100 ms keeps
# commit-to-send latency low for ten cheap Redis calls per second per queue.
dramatiq.worker.Worker.__init__.__kwdefaults__["worker_timeout"] = int(os.environ.get("ALLOT_WORKER_POLL_MS") or 100)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allot.settings")
django.setup()

from django.apps import apps  # noqa: E402

from allot.workers.broker import install_broker  # noqa: E402

broker = install_broker()

import allot.jobs.tasks  # noqa: E402,F401  (fan-out, per-tenant jobs, pruning)
import allot.outbox.tasks  # noqa: E402,F401  (relay and delivery)
import allot.workers.diagnostics  # noqa: E402,F401  (ping-workers)

for app_config in apps.get_app_configs():
    module_name = f"{app_config.name}.tasks"
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
