"""The module `dramatiq` loads in every worker process: set up Django, then import every app's actors."""

import importlib
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allot.settings")
django.setup()

from django.apps import apps  # noqa: E402

from allot.workers.broker import install_broker  # noqa: E402

broker = install_broker()

importlib.import_module("allot.workers.diagnostics")
for app_config in apps.get_app_configs():
    module_name = f"{app_config.name}.tasks"
    try:
        importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
