"""A real SMTP server (aiosmtpd) that records what it accepts: for tests and benchmarks."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    message_id: str
    recipients: tuple[str, ...]
    subject: str
    received_at: float  # time.time()
    raw: bytes


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        if self.sink.delay_seconds:
            time.sleep(self.sink.delay_seconds)  # a slow mail server, deliberately blocking
        content = envelope.original_content or envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        self.sink.record(Received(str(message["Message-ID"]), tuple(envelope.rcpt_tos), str(message["Subject"]),
                                  time.time(), content))
        return "250 OK"


class SmtpSink:
    def __init__(self, delay_seconds: float = 0.0):
        self.delay_seconds = delay_seconds
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def record(self, received: Received) -> None:
        with self._lock:
            self.messages.append(received)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def message_ids(self) -> list[str]:
        with self._lock:
            return [message.message_id for message in self.messages]

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count() >= count:
                return True
            time.sleep(0.05)
        return self.count() >= count
