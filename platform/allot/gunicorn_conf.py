"""gunicorn settings `allot web` loads: tell prometheus-client when a worker process is gone."""


def child_exit(server, worker):
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _json_logging() -> dict | None:
    """With LOG_FORMAT=json, gunicorn's own lines (start-up, worker exits, the access log) are JSON too."""
    import os

    if (os.environ.get("LOG_FORMAT") or "").lower() != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "allot.logging.JsonFormatter"}},
        "handlers": {"json_console": handler},
        "root": {"level": "INFO", "handlers": ["json_console"]},
        "loggers": {
            "gunicorn.error": {"handlers": ["json_console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["json_console"], "level": "INFO", "propagate": False},
        },
    }


logconfig_dict = _json_logging() or {}
