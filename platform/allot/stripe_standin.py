"""Real Stripe-speaking servers for the payment tests and for `allot up` without Stripe keys, and Stripe's
webhook signing scheme.

`localstripe` (PyPI) is a stateful Stripe API server: customers, payment intents, charges and refunds are real
there. It answers 404 for Checkout Sessions and Connect (accounts, account links), so `StripeStandIn`, a small
HTTP server in front of it, answers those endpoints only, with the response shapes Stripe documents
(https://docs.stripe.com/api/checkout/sessions/object, /api/accounts/object, /api/account_links/object), and
forwards every other request to localstripe unchanged. A Checkout Session it creates owns a real localstripe
PaymentIntent, so paying confirms that intent with a test card and a refund goes through localstripe for real.

STRIPE_API_BASE points at the stand-in; the `stripe` library is the one production uses.

For a person trying the platform (`allot up` starts it with `allot stripe-standin`), a session's `url` is a small
page of the stand-in's own: its "Pay" button pays as `pay()` does, sends the signed `checkout.session.completed`
event to the platform's webhook (as Stripe would) and returns to the session's `success_url`. An account link's
page finishes the account's onboarding the same way. A development tool: it serves 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import hmac
import html
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


def localstripe_executable() -> str | None:
    """localstripe's command (installed with the development extras), or None."""
    return shutil.which("localstripe", path=str(Path(sys.executable).parent)) or shutil.which("localstripe")


def localstripe_start(port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `localstripe --port <port> --from-scratch`; returns the process and its base URL."""
    port = port or free_port()
    executable = localstripe_executable() or "localstripe"
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

    def __init__(self, localstripe_base: str, *, port: int = 0, webhook_url: str = "", webhook_secret: str = ""):
        self.localstripe_base = localstripe_base
        # Where the pages' "Pay" button sends checkout.session.completed, signed with this secret ("": nowhere).
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict] = {}
        self.accounts: dict[str, dict] = {}
        self.account_links: dict[str, dict] = {}
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

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- plumbing ---------------------------------------------------------------------------------------

    def _reply(self, handler, status: int, body: bytes, content_type: str = "application/json") -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
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
        if path.startswith(("/pay/", "/setup/")):
            return self._page(handler, path, _form_to_nested(body))
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
            token = secrets.token_hex(6)
            self.account_links[token] = {"account": params["account"], "return_url": params.get("return_url"),
                                         "refresh_url": params.get("refresh_url")}
            return 200, {"object": "account_link", "created": int(time.time()),
                         "expires_at": int(time.time()) + 300,
                         "url": f"{self.base}/setup/{params['account']}/{token}"}
        return self._error(404, f"Unrecognized request URL ({method}: {path}).")

    def _session_create(self, params: dict, account: str) -> tuple[int, dict]:
        if self.fail_next_checkout:
            self.fail_next_checkout = False
            return self._error(402, "The stand-in was told to refuse this session.", "card_error")
        if not account:
            return self._error(400, "Checkout Sessions of paid bookings must be created on a connected account.")
        item = params["line_items"]["0"]
        product = (item["price_data"].get("product_data") or {}).get("name", "")
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
            "_stripe_account": account, "_product_name": product,
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
        session["status"], session["payment_status"] = "complete", "paid"
        return dict(session)

    def account_add_onboarded(self, account_id: str) -> dict:
        """An account that exists and takes charges from the start (the demo organisations' accounts)."""
        self.accounts[account_id] = {
            "id": account_id, "object": "account", "type": "standard", "email": None, "country": "HU",
            "charges_enabled": True, "payouts_enabled": True, "details_submitted": True,
            "created": int(time.time()), "metadata": {},
        }
        return dict(self.accounts[account_id])

    def onboard(self, account_id: str) -> dict:
        """The organisation finishes Stripe's onboarding: the account takes charges."""
        account = self.accounts[account_id]
        account["charges_enabled"] = account["details_submitted"] = account["payouts_enabled"] = True
        return dict(self.accounts[account_id])

    def refunds_of(self, payment_intent: str) -> list[dict]:
        return self._localstripe("GET", f"/v1/refunds?payment_intent={payment_intent}")["data"]

    # --- the pages a person sees instead of Stripe's (allot up) ---------------------------------------------

    def _page(self, handler, path: str, form: dict) -> None:
        parts = path.strip("/").split("/")
        if parts[0] == "pay" and len(parts) == 2 and parts[1] in self.sessions:
            session = self.sessions[parts[1]]
            if handler.command == "POST" and session["status"] == "open":
                self.pay(session["id"])
                self._send_completed(session)
                return self._redirect(handler, session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
            return self._html(handler, 200, self._checkout_page(session))
        if parts[0] == "setup" and len(parts) == 3 and parts[2] in self.account_links:
            link = self.account_links[parts[2]]
            if handler.command == "POST":
                self.onboard(link["account"])
                return self._redirect(handler, link["return_url"])
            return self._html(handler, 200, _PAGE.format(
                title="Stripe onboarding (local stand-in)",
                body=f"<p>Account <code>{html.escape(link['account'])}</code>. Stripe would ask for the business's "
                     "details here; this stand-in only marks the account as able to take charges.</p>"
                     '<form method="post"><button type="submit">Finish onboarding</button></form>'))
        return self._html(handler, 404, _PAGE.format(title="Not found", body="<p>No such page.</p>"))

    def _checkout_page(self, session: dict) -> str:
        amount = _display_amount(session["amount_total"], session["currency"])
        if session["status"] != "open":
            body = (f"<p>This Checkout Session is {html.escape(session['status'])}.</p>"
                    f'<p><a href="{html.escape(session["success_url"] or "/")}">Back to the booking site</a></p>')
        else:
            body = (f"<p class=item>{html.escape(session['_product_name'])}</p>"
                    f'<p class=amount data-amount="{session["amount_total"]}">{amount}</p>'
                    f"<p>{html.escape(session['customer_email'] or '')}</p>"
                    '<form method="post"><button type="submit">Pay</button></form>'
                    f'<p><a href="{html.escape(session["cancel_url"] or "/")}">Cancel and go back</a></p>'
                    "<p class=note>A local stand-in for Stripe Checkout: no card, no money. Paying confirms a test "
                    "PaymentIntent in localstripe and sends a signed checkout.session.completed event to the "
                    "platform's webhook, as Stripe would.</p>")
        return _PAGE.format(title="Checkout (local Stripe stand-in)", body=body)

    def _send_completed(self, session: dict) -> None:
        """Tell the platform, as Stripe does: the event, signed with the webhook endpoint's secret."""
        if not self.webhook_url:
            return
        payload = json.dumps(stripe_event("checkout.session.completed", session,
                                          account=session.get("_stripe_account") or None)).encode()
        request = urllib.request.Request(self.webhook_url, data=payload, method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("Stripe-Signature", stripe_signature(payload, self.webhook_secret))
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                answer = response.status
        except urllib.error.HTTPError as error:
            answer = error.code
        except OSError as error:
            answer = error
        print(f"stripe stand-in: checkout.session.completed for {session['id']} -> {self.webhook_url}: {answer}",
              file=sys.stderr, flush=True)

    def _html(self, handler, status: int, page: str) -> None:
        self._reply(handler, status, page.encode(), "text/html; charset=utf-8")

    def _redirect(self, handler, location: str) -> None:
        handler.send_response(303)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()


_ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf",
                 "xof", "xpf"}


def _display_amount(amount: int, currency: str) -> str:
    if currency.lower() in _ZERO_DECIMAL:
        return f"{amount} {currency.upper()}"
    return f"{amount / 100:.2f} {currency.upper()}"


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#1a1f36}}
h1{{font-size:1.25rem}}.amount{{font-size:2rem;font-weight:600;margin:.25rem 0}}.note{{color:#697386;font-size:.85rem}}
button{{font:inherit;width:100%;padding:.75rem;border:0;border-radius:6px;background:#635bff;color:#fff;cursor:pointer}}
</style></head><body><h1>{title}</h1>{body}</body></html>"""


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


# --- `allot stripe-standin` -----------------------------------------------------------------------------


def serve(*, port: int, localstripe_port: int | None, webhook_url: str, webhook_secret: str,
          onboarded_accounts: list[str]) -> None:
    """Run localstripe and the stand-in in front of it until SIGTERM or Ctrl-C."""
    import signal

    process, localstripe_base = localstripe_start(localstripe_port)
    stand_in = None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    try:
        stand_in = StripeStandIn(localstripe_base, port=port, webhook_url=webhook_url, webhook_secret=webhook_secret)
        for account_id in onboarded_accounts:
            stand_in.account_add_onboarded(account_id)
        print(f"stripe stand-in listening on {stand_in.base} (localstripe at {localstripe_base}); "
              f"webhooks to {webhook_url or 'nowhere'}", flush=True)
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if stand_in is not None:
            stand_in.stop()
        process.terminate()
        process.wait(timeout=10)
