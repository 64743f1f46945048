"""The back office's client email settings (managers only): which emails the organisation sends, and its own
subject and text per email and language, with a preview and "send me a test" through the outbox.

Switching an email off is a tenant setting (tenants.services.tenant_update, audited with the member); the
texts and tests are booking_core.services.notification_texts (audited with the member)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from allot.errors import ApplicationError
from booking_core.acting import Actor
from booking_core.backoffice.access import MANAGERS, office_page
from booking_core.backoffice.catalogue_views import refusal_on_form
from booking_core.backoffice.settings_forms import EventSwitchesForm, NotificationTextForm
from booking_core.messages.custom import CLIENT_EVENTS, PLACEHOLDERS
from booking_core.messages.sample_emails import sample_email
from booking_core.models import NotificationTemplate
from booking_core.selectors.notification_texts import notification_texts_for_operator
from booking_core.services import notification_texts as text_services
from tenants import services as tenant_services
from tenants.models import LANGUAGE_CHOICES


def _languages(tenant) -> list[tuple[str, str]]:
    enabled = set(tenant.enabled_languages or [tenant.default_language])
    return [(code, label) for code, label in LANGUAGE_CHOICES if code in enabled]


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def notifications_page(request):
    tenant = request.tenant
    form = EventSwitchesForm(request.POST or None, events=CLIENT_EVENTS,
                             switched_off=list(tenant.notifications_off or []))
    if request.method == "POST" and form.is_valid():
        switched_off = form.switched_off()
        if switched_off != list(tenant.notifications_off or []):
            try:
                tenant_services.tenant_update(tenant=tenant, actor=request.user, notifications_off=switched_off)
            except ApplicationError as error:
                refusal_on_form(form, error)
        if not form.errors:
            messages.success(request, _("Saved."))
            return redirect("office-notifications")
    texts = notification_texts_for_operator()
    rows = [{"event_type": event_type, "label": label, "field": form[event_type],
             "own_texts": [code for code, _label in LANGUAGE_CHOICES if (event_type, code) in texts]}
            for event_type, label in CLIENT_EVENTS.items()]
    return render(request, "backoffice/settings/notifications.html", {
        "tenant": tenant, "nav": "settings", "form": form, "rows": rows,
    }, status=400 if form.errors else 200)


def _preview(tenant, event_type: str, language: str, recipient: str, *, custom=None, use_saved=True) -> dict:
    with translation.override(language):
        email = sample_email(tenant=tenant, event_type=event_type, recipient=recipient, custom=custom,
                             use_saved=use_saved)
    return {"subject": email.subject, "text": email.body}


@office_page(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def notification_texts_page(request, event_type: str):
    if event_type not in CLIENT_EVENTS:
        raise Http404("No such email.")
    tenant, actor = request.tenant, Actor.operator(request.user)
    saved = notification_texts_for_operator(event_type=event_type)
    languages = _languages(tenant)
    action, posted_language = request.POST.get("action"), request.POST.get("language")
    if request.method == "POST" and posted_language not in dict(languages):
        raise Http404("No such language.")
    sections, invalid = [], False
    for code, label in languages:
        own = saved.get((event_type, code))
        posted = request.method == "POST" and code == posted_language
        form = NotificationTextForm(request.POST if posted else None, prefix=code,
                                    initial={"subject": own.subject, "text": own.text} if own else None)
        preview = None
        if posted and form.is_valid():
            data = form.cleaned_data
            try:
                if action == "save":
                    text_services.notification_text_save(event_type=event_type, language=code, actor=actor,
                                                          subject=data["subject"], text=data["text"])
                    messages.success(request, _("Saved."))
                    return redirect(reverse("office-notification-texts", args=[event_type]) + f"#{code}")
                if action == "test":
                    text_services.notification_test_send(event_type=event_type, language=code, actor=actor,
                                                         recipient=request.user.email)
                    messages.success(request, _("A test is on its way to %(email)s.") % {"email": request.user.email})
                    return redirect(reverse("office-notification-texts", args=[event_type]) + f"#{code}")
                # preview: the text as written, not saved (both empty: the built-in email)
                custom = NotificationTemplate(event_type=event_type, language=code, subject=data["subject"],
                                              text=data["text"]) if data["subject"] or data["text"] else None
                preview = _preview(tenant, event_type, code, request.user.email, custom=custom, use_saved=False)
            except ApplicationError as error:
                refusal_on_form(form, error)
        if posted and form.errors:
            invalid = True
        sections.append({"code": code, "label": label, "form": form, "own": own, "previewing": preview is not None,
                         "preview": preview or _preview(tenant, event_type, code, request.user.email)})
    return render(request, "backoffice/settings/notification_texts.html", {
        "tenant": tenant, "nav": "settings", "event_type": event_type, "label": CLIENT_EVENTS[event_type],
        "switched_off": event_type in (tenant.notifications_off or []), "sections": sections,
        "placeholders": [f"{{{name}}}" for name in PLACEHOLDERS],
    }, status=400 if invalid else 200)
