"""A real HTTP server that receives webhooks in tests: it verifies each delivery's Standard Webhooks signature
with the `standardwebhooks` library and records it; it can answer slowly, fail, or be down for a while."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    headers: dict
    body: bytes
    event: dict | None
    verified: bool
    at: float = field(default_factory=time.monotonic)

    @property
    def event_id(self) -> str:
        return self.headers.get("webhook-id", "")


class WebhookReceiver:
    def __init__(self, *, secrets: list[str] | None = None, status: int = 200, delay_seconds: float = 0.0):
        self.secrets = list(secrets or [])
        self.status = status
        self.delay_seconds = delay_seconds
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                receiver._record(headers, body)
                answer = b'{"ok": true}' if receiver.status < 300 else b"receiver says no"
                self.send_response(receiver.status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _record(self, headers: dict, body: bytes) -> None:
        verified, event = False, None
        for secret in self.secrets:
            try:
                event = Webhook(secret).verify(body, headers)
                verified = True
                break
            except WebhookVerificationError:
                continue
        if event is None:
            try:
                event = json.loads(body)
            except ValueError:
                event = None
        with self._arrived:
            self.received.append(Received(headers=headers, body=body, event=event, verified=verified))
            self._arrived.notify_all()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/allot"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, count: int, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    def event_ids(self) -> list[str]:
        with self._lock:
            return [item.event_id for item in self.received]
