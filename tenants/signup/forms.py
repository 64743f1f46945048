"""The organisation sign-up form: parses and checks what can be checked without writing anything."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tenants.models import LANGUAGE_CHOICES
from tenants.signup.choices import (
    DEFAULT_TIMEZONE,
    SUGGESTED,
    country_choices,
    currency_choices,
    timezone_names,
)
from tenants.slugs import SLUG_MAX_LENGTH, SLUG_PROBLEM_MESSAGES, slug_normalise, slug_problem

EMAIL_TAKEN = _("An account with this email address exists already. Sign in, or use another address.")


class OrganisationSignUpForm(forms.Form):
    field_template = "public_site/forms/field.html"
    label_suffix = ""

    organisation_name = forms.CharField(
        label=_("Organisation name"), max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    slug = forms.CharField(
        label=_("Subdomain"), max_length=SLUG_MAX_LENGTH,
        help_text=_("Your booking site's address: lowercase letters, digits and hyphens."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}))
    owner_name = forms.CharField(label=_("Your name"), max_length=200,
                                 widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label=_("Email"), max_length=254,
                             help_text=_("You sign in with it; we send a link to confirm it."),
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    timezone = forms.ChoiceField(label=_("Time zone"),
                                 help_text=_("Times on your booking site are shown in this zone."))
    default_language = forms.ChoiceField(label=_("Default language of your booking site"),
                                         choices=LANGUAGE_CHOICES)
    country = forms.ChoiceField(label=_("Country"))
    currency = forms.ChoiceField(label=_("Currency"), help_text=_("Your prices are in this currency."))

    def __init__(self, *args, language: str = "en", **kwargs):
        country, currency = SUGGESTED.get(language, SUGGESTED["en"])
        kwargs.setdefault("initial", {"timezone": DEFAULT_TIMEZONE, "default_language": language,
                                      "country": country, "currency": currency})
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(name, name) for name in timezone_names()]
        self.fields["country"].choices = [("", "—"), *country_choices()]
        self.fields["currency"].choices = currency_choices()
        # The page's script sets the browser's zone while the field still has the suggested one.
        self.fields["timezone"].widget.attrs["data-browser-timezone"] = "1"
        if self.is_bound:
            self.fields["timezone"].widget.attrs["data-chosen"] = "1"
        # The subdomain is checked as it is typed (htmx, the answer goes next to the field).
        self.fields["slug"].widget.attrs.update({
            "hx-get": f"{reverse('organisation-signup-subdomain-check')}?lang={language}",
            "hx-trigger": "input changed delay:300ms, blur",
            "hx-target": "#subdomain-check",
            "hx-sync": "this:replace",
            "aria-describedby": "id_slug_helptext subdomain-check",
        })
        for field in self.fields.values():
            field.template_name = self.field_template

    def clean_slug(self) -> str:
        slug = slug_normalise(self.cleaned_data["slug"])
        problem = slug_problem(slug)
        if problem is not None:
            raise forms.ValidationError(SLUG_PROBLEM_MESSAGES[problem], code=problem.value)
        return slug

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")
        return email

    def clean(self):
        cleaned_data = super().clean()
        password = cleaned_data.get("password")
        if password:
            # Django's validators (length, common, numeric, similar to the name or address), through allauth.
            user = get_user_model()(email=cleaned_data.get("email", ""), full_name=cleaned_data.get("owner_name", ""))
            try:
                get_adapter().clean_password(password, user=user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned_data

    def add_service_errors(self, fields: dict[str, list[str]]) -> list[str]:
        """A service's refusals next to the fields they name; the messages no field takes are returned."""
        unplaced = []
        for name, messages in fields.items():
            for message in messages:
                if name in self.fields:
                    self.add_error(name, message)
                else:
                    unplaced.append(message)
        return unplaced

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("organisation_name", "slug", "owner_name", "email", "password",
                                              "timezone", "default_language", "country", "currency")}
