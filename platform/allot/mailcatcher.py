"""A local SMTP server for development and tests: every message it accepts becomes an .eml file."""

from __future__ import annotations

import email
import email.policy
import threading
import time
import uuid
from pathlib import Path

from aiosmtpd.controller import Controller


class FolderHandler:
    def __init__(self, folder: Path, *, echo: bool = True):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.echo = echo
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        content = envelope.original_content or envelope.content
        temporary = self.folder / f".{name}.tmp"
        temporary.write_bytes(content)
        temporary.rename(self.folder / name)  # readers never see half a message
        if self.echo:
            message = email.message_from_bytes(content, policy=email.policy.default)
            print(f"mail: to {', '.join(envelope.rcpt_tos)}: {message['subject']} -> {name}", flush=True)
        return "250 Message accepted for delivery"


def serve(*, host: str, port: int, folder: Path) -> None:
    controller = Controller(FolderHandler(folder), hostname=host, port=port)
    controller.start()
    print(f"mail catcher listening on {host}:{port}, writing to {folder}", flush=True)
    stop = threading.Event()
    import signal

    signal.signal(signal.SIGTERM, lambda *args: stop.set())
    signal.signal(signal.SIGINT, lambda *args: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()
