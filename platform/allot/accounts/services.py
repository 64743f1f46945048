"""Writes on accounts: people created from the command line (first platform staff user, tenant owners)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from allot.errors import ApplicationError


class AccountError(ApplicationError):
    pass


def user_create_verified(*, email: str, password: str | None, is_staff: bool = False):
    """A user whose email address counts as verified (an operator vouches for it). With `is_staff` the user is
    platform staff with every permission; on first sign-in they are asked to set up a second factor.
    Without a password the account has none until its owner sets one ("Forgot password?")."""
    from allauth.account.models import EmailAddress

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise AccountError(_("Enter a valid email address."), fields={"email": error.messages}) from error
    user_model = get_user_model()
    if user_model.objects.filter(email=email).exists():
        raise AccountError(_("A user with this email address already exists."),
                           fields={"email": [_("Already taken.")]})
    if password is not None:
        candidate = user_model(email=email, is_staff=is_staff)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            raise AccountError(_("Choose a stronger password."), fields={"password": error.messages}) from error
    with transaction.atomic():
        if is_staff:
            user = user_model.objects.create_superuser(email=email, password=password)
        else:
            user = user_model.objects.create_user(email=email, password=password)
        if password is None:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
