"""The owner's "confirm your email address" message: allauth decides when one is due (the account adapter
hands it here), the outbox sends it after commit, rendered in the language of the page that asked for it.

The row carries only the email address's id; the confirmation link (allauth's signed key) is made when the
message is rendered, so no secret sits in the outbox and a retried message gets a fresh link.
"""

from __future__ import annotations

import secrets

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from allot.outbox.delivery import NoLongerRelevant, renderer
from allot.outbox.services import outbox_write
from tenants.models import LANGUAGE_CODES, Tenant

EMAIL_CONFIRMATION = "account.email_confirmation"


def root_url(path: str) -> str:
    """An absolute link to the root domain (for emails: there is no request to build it from)."""
    port = f":{settings.ALLOT_PUBLIC_PORT}" if settings.ALLOT_PUBLIC_PORT else ""
    return f"{settings.ALLOT_PUBLIC_SCHEME}://{settings.ALLOT_ROOT_DOMAIN}{port}{path}"


def email_confirmation_queue(*, email_address: EmailAddress, signup: bool, language: str) -> None:
    """Write the confirmation message for `email_address` to the outbox (in the caller's transaction, if any)."""
    language = language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE
    # The sign-up's message is written once however often the service is retried; a resend is a new message.
    key = f"account:{email_address.pk}:confirm:" + ("signup" if signup else secrets.token_hex(8))
    with transaction.atomic():
        outbox_write(
            event_type=EMAIL_CONFIRMATION, recipient=email_address.email, language=language,
            payload={"email_address_id": email_address.pk, "signup": signup}, idempotency_key=key,
            subject_ref=f"email_address:{email_address.pk}", tenant_schema=settings.PUBLIC_SCHEMA_NAME,
        )


@renderer(EMAIL_CONFIRMATION)
def render_email_confirmation(row) -> EmailMultiAlternatives:
    email_address = (EmailAddress.objects.select_related("user")
                     .filter(pk=row.payload["email_address_id"], verified=False).first())
    if email_address is None:
        raise NoLongerRelevant("the address is confirmed already, or gone")
    key = EmailConfirmationHMAC(email_address).key
    organisations = list(Tenant.objects.filter(memberships__user=email_address.user)
                         .values_list("display_name", flat=True))
    context = {
        "user": email_address.user,
        "activate_url": root_url(reverse("account_confirm_email", args=[key])),
        "organisations": organisations,
        "signup": row.payload.get("signup", False),
    }
    subject = render_to_string("signup/email/email_confirmation_subject.txt", context).strip()
    body = render_to_string("signup/email/email_confirmation_message.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                                  to=[row.recipient])
