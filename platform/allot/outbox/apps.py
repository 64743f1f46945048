from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "allot.outbox"
    label = "outbox"
    verbose_name = "Outgoing messages"
