"""Real Stripe-speaking servers for the payment tests, and Stripe's webhook signing scheme.

`localstripe` (PyPI) is a stateful Stripe API server: customers, payment intents, charges and refunds are real
there. It answers 404 for Checkout Sessions and Connect (accounts, account links), so `StripeStandIn`, a small
HTTP server in front of it, answers those endpoints only, with the response shapes Stripe documents
(https://docs.stripe.com/api/checkout/sessions/object, /api/accounts/object, /api/account_links/object), and
forwards every other request to localstripe unchanged. A Checkout Session it creates owns a real localstripe
PaymentIntent, so paying confirms that intent with a test card and a refund goes through localstripe for real.

STRIPE_API_BASE points at the stand-in; the `stripe` library is the one production uses.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen | None = None, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (401/404 are answers)
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def localstripe_start() -> tuple[subprocess.Popen, str]:
    """Start `localstripe --port <free port> --from-scratch`; returns the process and its base URL."""
    port = free_port()
    executable = shutil.which("localstripe", path=str(Path(sys.executable).parent)) or "localstripe"
    process = subprocess.Popen([executable, "--port", str(port), "--from-scratch"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    _wait_for(f"{base}/v1/customers", process)
    return process, base


def _form_to_nested(body: bytes) -> dict:
    """Stripe's form encoding (`line_items[0][price_data][unit_amount]=...`) back into nested dicts."""
    result: dict = {}
    for key, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


class StripeStandIn:
    """Checkout Sessions and Connect endpoints in Stripe's shapes; everything else goes on to localstripe."""

    def __init__(self, localstripe_base: str):
        self.localstripe_base = localstripe_base
        self.sessions: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Stripe-Account header)
        self._idempotent: dict[str, tuple[int, bytes]] = {}
        self._lock = threading.Lock()
        self.fail_next_checkout = False
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                stand_in._handle(self)

            def do_POST(self):
                stand_in._handle(self)

            def do_DELETE(self):
                stand_in._handle(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- plumbing ---------------------------------------------------------------------------------------

    def _reply(self, handler, status: int, body: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
        handler.end_headers()
        handler.wfile.write(body)

    def _handle(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(handler.path).path
        account = handler.headers.get("Stripe-Account", "")
        with self._lock:
            self.requests.append((handler.command, path, account))
        ours = path.startswith(("/v1/checkout/sessions", "/v1/accounts", "/v1/account_links"))
        if not ours:
            status, answer = self._forward(handler.command, handler.path, body, handler.headers)
            return self._reply(handler, status, answer)
        key = handler.headers.get("Idempotency-Key", "")
        with self._lock:
            if handler.command == "POST" and key and key in self._idempotent:
                return self._reply(handler, *self._idempotent[key])  # Stripe replays the first answer
        status, answer = self._route(handler.command, path, _form_to_nested(body), account)
        encoded = json.dumps(answer).encode()
        with self._lock:
            if handler.command == "POST" and key and status < 500:
                self._idempotent[key] = (status, encoded)
        self._reply(handler, status, encoded)

    def _forward(self, method: str, path: str, body: bytes, headers) -> tuple[int, bytes]:
        request = urllib.request.Request(self.localstripe_base + path, data=body or None, method=method)
        for name in ("Authorization", "Content-Type", "Idempotency-Key"):
            if headers.get(name):
                request.add_header(name, headers[name])
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def _localstripe(self, method: str, path: str, params: dict | None = None) -> dict:
        body = urllib.parse.urlencode(params or {}).encode() if method == "POST" else None
        request = urllib.request.Request(self.localstripe_base + path, data=body, method=method)
        request.add_header("Authorization", "Bearer sk_test_standin")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    @staticmethod
    def _error(status: int, message: str, kind: str = "invalid_request_error") -> tuple[int, dict]:
        return status, {"error": {"type": kind, "message": message}}

    # --- the endpoints ------------------------------------------------------------------------------------

    def _route(self, method: str, path: str, params: dict, account: str) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if parts[:3] == ["v1", "checkout", "sessions"]:
            if len(parts) == 3 and method == "POST":
                return self._session_create(params, account)
            if len(parts) == 4 and method == "GET":
                session = self.sessions.get(parts[3])
                return (200, session) if session else self._error(404, f"No such checkout.session: '{parts[3]}'")
            if len(parts) == 5 and parts[4] == "expire" and method == "POST":
                session = self.sessions.get(parts[3])
                if session is None:
                    return self._error(404, f"No such checkout.session: '{parts[3]}'")
                if session["status"] != "open":
                    return self._error(400, f"Only Checkout Sessions with a status in [\"open\"] can be expired. "
                                            f"This Checkout Session has a status of \"{session['status']}\".")
                session["status"] = "expired"
                return 200, session
        if parts[:2] == ["v1", "accounts"]:
            if len(parts) == 2 and method == "POST":
                account_id = f"acct_{secrets.token_hex(8)}"
                self.accounts[account_id] = {
                    "id": account_id, "object": "account", "type": params.get("type", "standard"),
                    "email": params.get("email"), "country": params.get("country") or "HU",
                    "charges_enabled": False, "payouts_enabled": False, "details_submitted": False,
                    "created": int(time.time()), "metadata": {},
                }
                return 200, self.accounts[account_id]
            if len(parts) == 3 and method == "GET":
                found = self.accounts.get(parts[2])
                return (200, found) if found else self._error(404, f"No such account: '{parts[2]}'")
        if parts == ["v1", "account_links"] and method == "POST":
            if params.get("account") not in self.accounts:
                return self._error(400, f"No such account: '{params.get('account')}'")
            return 200, {"object": "account_link", "created": int(time.time()),
                         "expires_at": int(time.time()) + 300,
                         "url": f"{self.base}/setup/{params['account']}/{secrets.token_hex(6)}"}
        return self._error(404, f"Unrecognized request URL ({method}: {path}).")

    def _session_create(self, params: dict, account: str) -> tuple[int, dict]:
        if self.fail_next_checkout:
            self.fail_next_checkout = False
            return self._error(402, "The stand-in was told to refuse this session.", "card_error")
        if not account:
            return self._error(400, "Checkout Sessions of paid bookings must be created on a connected account.")
        item = params["line_items"]["0"]
        amount = int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
        currency = item["price_data"]["currency"]
        # The client's test card is attached now; paying confirms the intent (localstripe cannot take the card
        # at confirmation).
        intent = self._localstripe("POST", "/v1/payment_intents",
                                   {"amount": amount, "currency": currency, "payment_method": "pm_card_visa"})
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment", "status": "open",
            "payment_status": "unpaid", "amount_total": amount, "amount_subtotal": amount, "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"), "metadata": params.get("metadata") or {},
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "expires_at": int(params.get("expires_at") or time.time() + 86400), "created": int(time.time()),
            "locale": params.get("locale"), "payment_intent": intent["id"], "livemode": False,
            "url": f"{self.base}/pay/{session_id}",
            # Not part of Stripe's object: which connected account it was created on (asserted by the tests).
            "_stripe_account": account,
        }
        self.sessions[session_id] = session
        return 200, session

    # --- what a client or Stripe does in the tests -------------------------------------------------------

    def pay(self, session_id: str) -> dict:
        """The client pays with a test card: the session's PaymentIntent is confirmed in localstripe (a session
        that was expired meanwhile is paid anyway: the race of a payment with our closing its session)."""
        session = self.sessions[session_id]
        intent = self._localstripe("POST", f"/v1/payment_intents/{session['payment_intent']}/confirm")
        assert intent["status"] == "succeeded", intent
        session.update(status="complete", payment_status="paid")
        return dict(session)

    def onboard(self, account_id: str) -> dict:
        """The organisation finishes Stripe's onboarding: the account takes charges."""
        self.accounts[account_id].update(charges_enabled=True, details_submitted=True, payouts_enabled=True)
        return dict(self.accounts[account_id])

    def refunds_of(self, payment_intent: str) -> list[dict]:
        return self._localstripe("GET", f"/v1/refunds?payment_intent={payment_intent}")["data"]


# --- webhooks, signed the way Stripe signs them --------------------------------------------------------


def stripe_event(event_type: str, data_object: dict, *, account: str | None = None, created: int | None = None,
                 event_id: str | None = None) -> dict:
    """An event in Stripe's shape (https://docs.stripe.com/api/events/object)."""
    return {
        "id": event_id or f"evt_{secrets.token_hex(12)}", "object": "event", "api_version": "2024-06-20",
        "created": created if created is not None else int(time.time()), "type": event_type,
        "account": account, "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": {key: value for key, value in data_object.items() if not key.startswith("_")}},
    }


def stripe_signature(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header: `t=<unix time>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
