"""The tenants app's actors, imported by name by the worker entry point (allot.workers.entry loads every app's
`tasks` module): leaving the platform's export builder and hourly pass."""

from tenants.leaving.tasks import data_export_build_task, leaving_maintenance

__all__ = ["data_export_build_task", "leaving_maintenance"]
