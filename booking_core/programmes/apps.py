from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    name = "booking_core.programmes"
    label = "programmes"
    verbose_name = "Programmes"

    def ready(self):
        from booking_core.programmes import emails  # noqa: F401  (registers the programme email renderers)
