"""The rules behind every allocation decision, and how each is explained to the participant.

Strategy rules come from booking_core.allocation (pure functions); the others are fired by the services
around them. Operators read the rule and the reason in the allocation log; participants read the
explanation below, chosen by rule and translated into their language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from booking_core.allocation import strategies

FAST_FILL_FIRST_OPEN_GROUP = strategies.FAST_FILL_FIRST_OPEN_GROUP
FAST_FILL_PREFERRED_GROUP = strategies.FAST_FILL_PREFERRED_GROUP
BALANCED_LOWEST_FILL = strategies.BALANCED_LOWEST_FILL
HOUSEHOLD_PLACED_TOGETHER = strategies.HOUSEHOLD_PLACED_TOGETHER
HOUSEHOLD_NO_GROUP_FITS_ALL = strategies.HOUSEHOLD_NO_GROUP_FITS_ALL
HOUSEHOLD_NO_SHARED_GROUP = strategies.HOUSEHOLD_NO_SHARED_GROUP
NO_ACCEPTABLE_GROUP_HAS_ROOM = strategies.NO_ACCEPTABLE_GROUP_HAS_ROOM
NO_ACCEPTABLE_GROUP = strategies.NO_ACCEPTABLE_GROUP

SIGNED_UP_PENDING = "signup.pending_batch"
WITHDRAWN = "signup.withdrawn"
OFFER_FREED_PLACE = "offer.next_on_waitlist"
OFFER_RELEASED = "offer.released_by_staff"
OFFER_ACCEPTED = "offer.accepted"
OFFER_DECLINED = "offer.declined"
OFFER_EXPIRED = "offer.expired"
OFFER_WITHDRAWN = "offer.group_changed"
GROUP_CANCELLED = "group.cancelled"
GROUP_CAPACITY_REDUCED = "group.capacity_reduced"
GROUP_CAPACITY_CHANGED = "group.capacity_changed"
GROUP_MERGED = "group.merged"
GROUP_BELOW_MINIMUM = "group.below_minimum"
GROUP_RUNS_BELOW_MINIMUM = "group.runs_below_minimum"
GROUP_SCHEDULE_CHANGED = "group.schedule_changed"  # weekday, time, duration, place or the programme's period

# Rules after which a participant still waits for a place (as opposed to "not allocated").
WAITING_RULES = {NO_ACCEPTABLE_GROUP_HAS_ROOM, HOUSEHOLD_NO_GROUP_FITS_ALL}

EXPLANATIONS = {
    FAST_FILL_FIRST_OPEN_GROUP: _("Groups are filled one after another; you have a place in the first group "
                                  "that had room."),
    FAST_FILL_PREFERRED_GROUP: _("You have a place in the group you ranked highest that still had room."),
    BALANCED_LOWEST_FILL: _("Groups are kept evenly filled; you have a place in the least full of the groups "
                            "you can attend."),
    HOUSEHOLD_PLACED_TOGETHER: _("Your household has places together in one group."),
    HOUSEHOLD_NO_GROUP_FITS_ALL: _("No group has room for your whole household yet, so you wait together."),
    HOUSEHOLD_NO_SHARED_GROUP: _("No group suits every member of your household."),
    NO_ACCEPTABLE_GROUP_HAS_ROOM: _("Every group you can attend is full."),
    NO_ACCEPTABLE_GROUP: _("None of the groups you chose takes place."),
    SIGNED_UP_PENDING: _("Places are allocated when the sign-up window closes."),
    WITHDRAWN: _("The sign-up was withdrawn."),
    OFFER_ACCEPTED: _("You accepted the place offered to you."),
    OFFER_DECLINED: _("You declined the place offered to you."),
    OFFER_EXPIRED: _("The place offered to you was not accepted in time."),
    OFFER_WITHDRAWN: _("The group of the place offered to you changed, so the offer was withdrawn."),
    GROUP_CANCELLED: _("Your group was cancelled."),
    GROUP_CAPACITY_REDUCED: _("Your group became smaller, so you were moved."),
    GROUP_MERGED: _("Your group was merged with another one."),
}


def explain(rule: str) -> str:
    """The participant's explanation of a rule, in the active language ("" for rules they never see)."""
    text = EXPLANATIONS.get(rule)
    return str(text) if text else ""
