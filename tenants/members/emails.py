"""The invitation email: written to the outbox by the invitation services, rendered (in the inviter's
language) when a worker delivers it. The row carries the invitation's id; the link is derived at rendering."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from allot.outbox.delivery import NoLongerRelevant, renderer
from tenants.links import tenant_url
from tenants.members.services import INVITATION_EVENT
from tenants.members.tokens import invitation_token
from tenants.models import Invitation


@renderer(INVITATION_EVENT)
def render_invitation(row) -> EmailMultiAlternatives:
    invitation = (Invitation.objects.select_related("tenant", "invited_by")
                  .filter(pk=row.payload["invitation_id"], accepted_at__isnull=True, revoked_at__isnull=True).first())
    if invitation is None or invitation.key_salt != row.payload.get("key_salt"):
        raise NoLongerRelevant("the invitation was accepted, revoked or sent again with a new link")
    token = invitation_token(invitation.key_salt)
    context = {
        "invitation": invitation,
        "organisation": invitation.tenant.display_name,
        "inviter": (invitation.invited_by.full_name or invitation.invited_by.email) if invitation.invited_by else "",
        "role": invitation.get_role_display(),
        "accept_url": tenant_url(invitation.tenant, reverse("office-invitation", args=[token])),
        "expires_at": invitation.expires_at.astimezone(invitation.tenant.zone),
    }
    subject = render_to_string("members/email/invitation_subject.txt", context).strip()
    body = render_to_string("members/email/invitation_message.txt", context)
    return EmailMultiAlternatives(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL,
                                  to=[row.recipient])
