from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "allot.workers"
    label = "workers"
    verbose_name = "Workers"

    def ready(self):
        from allot.workers.broker import install_broker

        install_broker()
