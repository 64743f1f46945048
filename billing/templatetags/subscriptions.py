"""The back office's billing banner: shown to every member while the subscription's payment is overdue or
unpaid (the owners can fix it on the billing page)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("billing/_billing_banner.html", takes_context=True)
def billing_banner(context):
    from billing.subscriptions.services import standing_of

    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    state = standing_of(tenant).state if tenant is not None and getattr(tenant, "pk", None) else ""
    return {"state": state, "is_owner": getattr(request, "office_role", None) == "owner"}
