from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "allot.jobs"
    label = "jobs"
    verbose_name = "Scheduled jobs"
