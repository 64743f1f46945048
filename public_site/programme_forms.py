"""The programme sign-up form: who signs up (and for whom), which groups in which order, the programme's own
questions and the language of the emails.

Without JavaScript: participant names are plain inputs (the first few shown, the rest behind a native
<details>), and preferences are "any group" or numbered choices (1st, 2nd, ...) picked from selects. The
form only parses; `signup_create` decides, and its refusals are put next to the fields they name.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from booking_core.programmes.models import Programme
from booking_core.programmes.services.signups import MAX_ATTENDEES
from public_site.forms import CLIENT_FIELDS, ClientDetailsForm
from public_site.languages import LANGUAGE_NAMES

ATTENDEES_SHOWN = 3
ANY_GROUP = "any"
RANKED = "ranked"


class ProgrammeSignUpForm(ClientDetailsForm):
    """Sign-up for a programme; `groups` are the programme's live groups in display order."""

    service_field_names = {**CLIENT_FIELDS, "attendees": "attendee_1", "preferences": "preference_mode"}

    keep_together = forms.BooleanField(
        label=_("Place us together in one group"), required=False, initial=True,
        help_text=_("When you sign up several people: all of them get a place in the same group, or all of them "
                    "wait together."),
    )
    preference_mode = forms.ChoiceField(
        label=_("Which groups can you attend?"), widget=forms.RadioSelect, initial=ANY_GROUP, required=False,
        choices=[(ANY_GROUP, _("Any group suits us")),
                 (RANKED, _("Only the groups I choose below, in this order"))],
    )

    def __init__(self, *args, programme: Programme, language: str, languages: list[str], **kwargs):
        super().__init__(*args, service=programme, language=language, **kwargs)
        self.programme = programme
        self.groups = list(programme.live_groups)
        self.fields["email"].help_text = _("We send your sign-up's status, and any offer of a place, here.")
        self.fields["name"].help_text = _("The contact for this sign-up (a parent, for example).")
        for number in range(1, MAX_ATTENDEES + 1):
            self.fields[f"attendee_{number}"] = forms.CharField(
                label=_("Participant %(number)d") % {"number": number}, max_length=200, required=False,
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
        choices = [(group.pk, group.label()) for group in self.groups]
        for rank in range(1, len(self.groups) + 1):
            empty = _("(choose a group)") if rank == 1 else _("(no other group)")
            self.fields[f"choice_{rank}"] = forms.TypedChoiceField(
                label=self.rank_label(rank), required=False, coerce=int, empty_value=None,
                choices=[("", empty), *choices],
            )
        self.fields["language"] = forms.ChoiceField(
            label=_("Language of our emails"), initial=language,
            choices=[(code, LANGUAGE_NAMES[code]) for code in languages],
        )
        for field in self.fields.values():
            field.template_name = self.field_template

    @staticmethod
    def rank_label(rank: int) -> str:
        ordinals = {1: pgettext_lazy("group preference", "1st choice"), 2: pgettext_lazy("group preference",
                                                                                          "2nd choice"),
                    3: pgettext_lazy("group preference", "3rd choice")}
        return str(ordinals.get(rank) or pgettext_lazy("group preference", "Choice %(rank)d") % {"rank": rank})

    # --- what the template shows where -------------------------------------------------------------------

    @property
    def attendee_fields(self):
        return [self[f"attendee_{number}"] for number in range(1, ATTENDEES_SHOWN + 1)]

    @property
    def more_attendee_fields(self):
        return [self[f"attendee_{number}"] for number in range(ATTENDEES_SHOWN + 1, MAX_ATTENDEES + 1)]

    @property
    def more_attendees_given(self) -> bool:
        return any(field.value() for field in self.more_attendee_fields)

    @property
    def choice_fields(self):
        return [self[f"choice_{rank}"] for rank in range(1, len(self.groups) + 1)]

    @property
    def asks_for_preferences(self) -> bool:
        return len(self.groups) > 1

    # --- parsing ------------------------------------------------------------------------------------------

    def clean(self):
        data = super().clean()
        if not self.asks_for_preferences or data.get("preference_mode") != RANKED:
            return data
        seen = set()
        for rank in range(1, len(self.groups) + 1):
            group_id = data.get(f"choice_{rank}")
            if group_id is None:
                continue
            if group_id in seen:
                self.add_error(f"choice_{rank}", _("You chose this group already."))
            seen.add(group_id)
        if not seen:
            self.add_error("choice_1", _("Choose at least one group, or pick “Any group suits us”."))
        return data

    def attendees(self) -> list[str]:
        """The names given, in order; none means the contact takes part themselves."""
        names = [self.cleaned_data.get(f"attendee_{number}", "").strip() for number in range(1, MAX_ATTENDEES + 1)]
        return [name for name in names if name] or [""]

    def preferences(self) -> list[int]:
        """Group ids, best first; empty: any group."""
        if not self.asks_for_preferences or self.cleaned_data.get("preference_mode") != RANKED:
            return []
        ranked = [self.cleaned_data.get(f"choice_{rank}") for rank in range(1, len(self.groups) + 1)]
        return [group_id for group_id in ranked if group_id is not None]
