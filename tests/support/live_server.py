"""One live HTTP server for the tests that need real connections (browsers, races, the API fuzzer)."""

from __future__ import annotations

import pytest
from django.db import connections


def _closing_connections(application):
    """Close the request thread's database connections after every request.

    Clients keep HTTP connections alive, and the live server keeps one thread (with its own database
    connection) per HTTP connection; left open, they keep the test database from being dropped at the end.
    WhiteNoise serves /static/ from the finders in tests; the live server thread only adds /media/.
    """

    def handle(environ, start_response):
        try:
            return application(environ, start_response)
        finally:
            connections.close_all()

    return handle


@pytest.fixture(scope="session")
def live_server_port(django_db_setup):
    from django.test.testcases import LiveServerThread

    server = LiveServerThread("127.0.0.1", static_handler=_closing_connections, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield server.port
    server.terminate()
