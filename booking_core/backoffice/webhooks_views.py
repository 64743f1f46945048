"""The back office's webhook endpoints: register, change, switch off, delete; the secret shown once (at
creation and after a rotation); the delivery log with redelivery; a test event. Owners and admins only."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.webhooks_forms import EndpointForm
from booking_core.webhooks import services as webhook_services
from booking_core.webhooks.events import PAYLOAD_VERSION
from booking_core.webhooks.selectors import (
    deliveries_for_endpoint,
    delivery_get_for_operator,
    endpoint_get_for_operator,
    endpoints_for_operator,
)


def _refusal_to_form(form: EndpointForm, error: ApplicationError) -> None:
    for field, problems in error.fields.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, str(error.message))


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def webhooks_list(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhook_services.webhook_endpoint_create(
                actor=Actor.operator(request.user), url=form.cleaned_data["url"],
                description=form.cleaned_data["description"], event_types=form.cleaned_data["event_types"])
        except ApplicationError as error:
            _refusal_to_form(form, error)
        else:
            return _endpoint_page(request, endpoint, new_secret=endpoint.secret, status=201)
    return render(request, "backoffice/webhooks.html", {
        "tenant": request.tenant, "nav": "settings", "endpoints": endpoints_for_operator(), "form": form,
        "payload_version": PAYLOAD_VERSION,
    }, status=400 if form.errors else 200)


def _endpoint_page(request, endpoint, *, form=None, new_secret=None, status=200):
    form = form or EndpointForm(initial={"url": endpoint.url, "description": endpoint.description,
                                         "event_types": endpoint.event_types, "is_enabled": endpoint.is_enabled})
    return render(request, "backoffice/webhook_endpoint.html", {
        "tenant": request.tenant, "nav": "settings", "endpoint": endpoint, "form": form, "new_secret": new_secret,
        "deliveries": deliveries_for_endpoint(endpoint),
    }, status=status)


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def webhook_endpoint(request, endpoint_id: int):
    endpoint = endpoint_get_for_operator(endpoint_id=endpoint_id)
    if request.method == "GET":
        return _endpoint_page(request, endpoint)
    form = EndpointForm(request.POST)
    if form.is_valid():
        try:
            webhook_services.webhook_endpoint_update(
                actor=Actor.operator(request.user), endpoint=endpoint, url=form.cleaned_data["url"],
                description=form.cleaned_data["description"], event_types=form.cleaned_data["event_types"],
                is_enabled=form.cleaned_data["is_enabled"])
        except ApplicationError as error:
            _refusal_to_form(form, error)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("office-webhook", endpoint_id=endpoint.pk)
    return _endpoint_page(request, endpoint, form=form, status=400)


@office_page(roles=MANAGERS)
@require_POST
def webhook_endpoint_rotate(request, endpoint_id: int):
    endpoint = webhook_services.webhook_secret_rotate(actor=Actor.operator(request.user),
                                                      endpoint=endpoint_get_for_operator(endpoint_id=endpoint_id))
    return _endpoint_page(request, endpoint, new_secret=endpoint.secret)


@office_page(roles=MANAGERS)
@require_POST
def webhook_endpoint_test(request, endpoint_id: int):
    endpoint = endpoint_get_for_operator(endpoint_id=endpoint_id)
    webhook_services.webhook_test_send(actor=Actor.operator(request.user), endpoint=endpoint)
    messages.success(request, _("A test event is on its way; its delivery appears in the log below."))
    return redirect("office-webhook", endpoint_id=endpoint.pk)


@office_page(roles=MANAGERS)
@require_POST
def webhook_endpoint_delete(request, endpoint_id: int):
    endpoint = endpoint_get_for_operator(endpoint_id=endpoint_id)
    webhook_services.webhook_endpoint_delete(actor=Actor.operator(request.user), endpoint=endpoint)
    messages.success(request, _("The endpoint is deleted."))
    return redirect("office-webhooks")


@office_page(roles=MANAGERS)
@require_POST
def webhook_delivery_redeliver(request, endpoint_id: int, delivery_id: int):
    endpoint = endpoint_get_for_operator(endpoint_id=endpoint_id)
    delivery = delivery_get_for_operator(endpoint=endpoint, delivery_id=delivery_id)
    webhook_services.webhook_redeliver(actor=Actor.operator(request.user), endpoint=endpoint,
                                       event_id=delivery.event_id)
    messages.success(request, _("The event will be delivered again, with the same event id."))
    return redirect("office-webhook", endpoint_id=endpoint.pk)
