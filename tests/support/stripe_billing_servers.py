"""The stand-in's part for Stripe Billing (the organisations' subscriptions): Checkout Sessions in subscription
mode on the platform's own account, and customer portal sessions. Customers stay localstripe's, for real.

Shapes from https://docs.stripe.com/api/checkout/sessions/object and
https://docs.stripe.com/api/customer_portal/sessions/object. A subclass, so the payments' stand-in is unchanged.
"""

from __future__ import annotations

import json
import secrets
import time

from tests.support.stripe_servers import StripeStandIn


class StripeBillingStandIn(StripeStandIn):
    def __init__(self, localstripe_base: str):
        super().__init__(localstripe_base)
        self.portal_sessions: list[dict] = []

    def _session_create(self, params: dict, account: str) -> tuple[int, dict]:
        if params.get("mode") != "subscription":
            return super()._session_create(params, account)
        if account:
            return self._error(400, "Subscriptions to the platform are created on the platform's own account.")
        if not params.get("customer"):
            return self._error(400, "Missing required param: customer.")
        customer = self._localstripe("GET", f"/v1/customers/{params['customer']}")  # a real customer, or 404
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id, "object": "checkout.session", "mode": "subscription", "status": "open",
            "payment_status": "unpaid", "customer": customer["id"], "subscription": None,
            "client_reference_id": params.get("client_reference_id"), "metadata": params.get("metadata") or {},
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "created": int(time.time()), "livemode": False, "url": f"{self.base}/subscribe/{session_id}",
            # Not Stripe's fields: what was asked, for the tests to assert.
            "_line_items": params.get("line_items"), "_subscription_data": params.get("subscription_data"),
        }
        self.sessions[session_id] = session
        return 200, session

    def _forward(self, method: str, path: str, body: bytes, headers) -> tuple[int, bytes]:
        if path.split("?")[0] == "/v1/billing_portal/sessions" and method == "POST":
            from tests.support.stripe_servers import _form_to_nested

            params = _form_to_nested(body)
            session = {"id": f"bps_{secrets.token_hex(10)}", "object": "billing_portal.session",
                       "customer": params.get("customer"), "return_url": params.get("return_url"),
                       "created": int(time.time()), "livemode": False,
                       "url": f"{self.base}/portal/{secrets.token_hex(8)}"}
            self.portal_sessions.append(session)
            return 200, json.dumps(session).encode()
        return super()._forward(method, path, body, headers)
