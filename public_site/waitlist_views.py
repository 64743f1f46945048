"""Waitlist pages: joining the waitlist of a full session (or of an appointment day with no free times left),
the confirmation, the waitlist status page and the offer page behind the links in the emails.

Links in emails only show pages (mail scanners follow links): accepting, declining and leaving are POSTs
from those pages. Seeing the offer page, following its link from the email and opening the email (the
tracking image) count as the candidate's activity, so an operator can tell who is responsive. Mail scanners
fetch every link in a message, so fetching the offer page counts nothing: the page's script
(public_site/offer_seen.js) posts once it is shown in a browser, and that POST counts the view (and the click,
when the page came from the email's link). The pages
behind the links speak the entry's language unless the visitor picked another one.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from allot.errors import ApplicationError, NotFoundError
from billing.selectors.payments import payment_hold_deadline_for
from booking_core.acting import Actor
from booking_core.errors import OfferClosedError, OfferExpiredError
from booking_core.models import Booking, Offer, Service, Session, StaffMember, WaitlistEntry
from booking_core.selectors.catalogue import service_get_for_clients, staff_get_for_clients
from booking_core.selectors.public_pages import (
    accepted_offer_of,
    bookable_range,
    start_times_by_day,
    waitlist_expected_position_for_day,
)
from booking_core.selectors.sessions import availability_label, session_get_for_clients
from booking_core.waitlist.selectors.entries import (
    offer_get_by_token,
    waitlist_entry_get_by_token,
    waitlist_expected_position,
)
from booking_core.waitlist.services.entries import waitlist_activity_record, waitlist_entry_remove, waitlist_join
from booking_core.waitlist.services.offers import offer_accept, offer_decline
from public_site.forms import StaffFilterForm, WaitlistJoinForm
from public_site.languages import site_url, use_language
from public_site.pages import created, creation_page, link_action_page, public_page, secret_link_page
from public_site.payment_views import payment_redirect

# A 1x1 transparent GIF: the offer email's open-tracking image.
TRANSPARENT_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
ENTRY_NOTICES = {"left"}
OFFER_NOTICES = {"declined"}


# --- joining --------------------------------------------------------------------------------------------------


@dataclass
class JoinTarget:
    """What the client asks to wait for: a session (and how many seats), or an appointment day."""

    service: Service
    position: int
    session: Session | None = None
    day: dt.date | None = None
    staff: StaffMember | None = None
    seat_choices: list[int] | None = None

    def join_kwargs(self) -> dict:
        if self.session is not None:
            return {"session": self.session}
        return {"date_from": self.day, "staff": self.staff}


@public_page
@creation_page()
@require_http_methods(["GET", "POST"])
def waitlist_join_session_page(request, slug: str, session_id: int):
    """Join the waitlist of a full group session."""
    service = service_get_for_clients(slug=slug)
    if not service.is_group:
        raise Http404("Not a group service.")
    session = session_get_for_clients(service=service, session_id=session_id)
    if session.seats_free >= service.max_seats_per_booking:
        return redirect(site_url("public-session", slug, session.pk))  # nothing to wait for: book
    # Seats that are free now are booked, not waited for: the service says so if someone asks.
    target = JoinTarget(service=service, session=session, position=waitlist_expected_position(session),
                        seat_choices=list(range(1, service.max_seats_per_booking + 1)))
    return _join_page(request, target)


@public_page
@creation_page()
@require_http_methods(["GET", "POST"])
def waitlist_join_day_page(request, slug: str, day: str):
    """Join the waitlist for an appointment on a day that has no free times left."""
    service = service_get_for_clients(slug=slug)
    if not service.is_individual:
        raise Http404("Group services are waited for by session.")
    try:
        wanted = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404("Not a date.") from None
    first, last = bookable_range(service=service, zone=request.tenant.zone)
    if not first <= wanted <= last:
        raise Http404("Not a bookable day.")
    staff = _chosen_staff(request, service)
    staff_id = staff.pk if staff else None
    if request.method == "GET" and start_times_by_day(service=service, zone=request.tenant.zone, date_from=wanted,
                                                      date_to=wanted, staff_id=staff_id):
        return redirect(site_url("public-service-day", slug, wanted.isoformat(), staff=staff_id))  # book instead
    target = JoinTarget(service=service, day=wanted, staff=staff, position=waitlist_expected_position_for_day(
        service=service, day=wanted, staff_id=staff_id))
    return _join_page(request, target)


def _chosen_staff(request, service: Service) -> StaffMember | None:
    form = StaffFilterForm(request.GET)
    staff_id = form.cleaned_data.get("staff") if form.is_valid() else None
    if staff_id is None or not service.staff_choice_enabled:
        return None
    staff = staff_get_for_clients(service=service, staff_id=staff_id)
    return staff


def _join_page(request, target: JoinTarget):
    language = request.LANGUAGE_CODE
    form_options = {"service": target.service, "language": language, "seat_choices": target.seat_choices}
    if request.method == "GET":
        return _join_form(request, target, WaitlistJoinForm(**form_options))
    form = WaitlistJoinForm(request.POST, **form_options)
    if not form.is_valid():
        return _join_form(request, target, form)
    client = form.client()
    try:
        entry = waitlist_join(tenant=request.tenant, service=target.service, client=client, seats=form.seats(),
                              answers=form.answers(), language=language, source=WaitlistEntry.Source.WEB,
                              actor=Actor.client(client.email), **target.join_kwargs())
    except ApplicationError as error:
        if error.code in ("already_waitlisted", "seats_available"):
            # Not a mistake in the form: a double submit, or seats that freed up meanwhile.
            return _join_form(request, target, form, refusal=error.code, status=409)
        unplaced = form.add_service_errors(error.fields)
        return _join_form(request, target, form, error=" ".join([str(error.message), *unplaced]), status=400)
    created(request)
    return redirect(site_url("waitlist-joined", entry.token))


def _join_form(request, target: JoinTarget, form: WaitlistJoinForm, *, error: str = "", refusal: str = "",
               status: int = 200):
    session = target.session
    return render(request, "public_site/waitlist/join.html", {
        "service": target.service, "target": target, "session": session, "form": form, "error": error,
        "refusal": refusal, "availability": availability_label(session) if session else None,
        "step": "details",
    }, status=status)


# --- the entry's pages --------------------------------------------------------------------------------------


def _entry(request, token: str) -> WaitlistEntry:
    """The entry behind the link (404 otherwise), with the page switched to its language."""
    entry = waitlist_entry_get_by_token(token=token)
    use_language(request, hint=entry.language)
    return entry


def _entry_page(request, entry: WaitlistEntry, template: str, status: int = 200, **extra):
    return render(request, template, {
        "entry": entry, "service": entry.service, "service_name": entry.service.translated("name"),
        "position": entry.queue_position, "offer": entry.offer_awaiting_answer,
        "accepted_offer": accepted_offer_of(entry) if entry.status == WaitlistEntry.Status.ACCEPTED else None,
        **extra,
    }, status=status)


@secret_link_page
@public_page
def waitlist_joined_page(request, token: str):
    """The confirmation the join form leads to."""
    entry = _entry(request, token)
    return _entry_page(request, entry, "public_site/waitlist/joined.html")


@secret_link_page
@public_page
def waitlist_status_page(request, token: str):
    """Where the client stands on the waitlist (the link in the waitlist emails)."""
    entry = _entry(request, token)
    notice = request.GET.get("done")
    return _entry_page(request, entry, "public_site/waitlist/status.html",
                       notice=notice if notice in ENTRY_NOTICES else None)


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def waitlist_leave(request, token: str):
    """Leave the waitlist (POST from the status page); an open offer is declined with it."""
    entry = _entry(request, token)
    if request.method == "GET":
        return redirect(site_url("waitlist-manage", entry.token))
    try:
        waitlist_entry_remove(entry=entry, actor=Actor.client(entry.client.email))
    except ApplicationError as error:
        return _entry_page(request, entry, "public_site/waitlist/status.html", status=409, error=error.message)
    return redirect(site_url("waitlist-manage", entry.token, done="left"))


# --- offers -----------------------------------------------------------------------------------------------------


def _offer(request, token: str) -> Offer:
    """The offer behind the link: only once it has been sent (a prepared offer does not exist for the client)."""
    offer = offer_get_by_token(token=token)
    use_language(request, hint=offer.entry.language)
    return offer


def _offer_page(request, offer: Offer, *, status: int = 200, **extra):
    now = timezone.now()
    return render(request, "public_site/waitlist/offer.html", {
        "offer": offer, "entry": offer.entry, "service": offer.service,
        "service_name": offer.service.translated("name"), "is_open": offer.awaits_answer(now),
        "total_price": offer.service.price_amount * offer.seats,
        "is_expired": offer.has_expired(now),
        # Priced and the organisation takes payments online: accepting leads to Stripe Checkout.
        "pays_online": payment_hold_deadline_for(tenant=request.tenant, service=offer.service, now=now) is not None,
        "awaits_payment": offer.booking is not None and offer.booking.status == Booking.Status.PENDING_PAYMENT,
        **extra,
    }, status=status)


@secret_link_page
@public_page
def offer_page(request, token: str):
    """What is offered and until when, with Accept and Decline (the link in the offer email)."""
    offer = _offer(request, token)
    notice = request.GET.get("done")
    if notice in OFFER_NOTICES:
        return _offer_page(request, offer, notice=notice)  # back from our own form: not a new visit
    # Nothing is counted here (a mail scanner's fetch looks the same): the page's script reports the visit.
    return _offer_page(request, offer, via_email=request.GET.get("via") == "email")


@secret_link_page
@public_page
@require_http_methods(["POST"])
def offer_seen(request, token: str):
    """The offer page's script, once the page is shown in a browser: a page view, and a click on the email's link
    when the page was opened from it (`via=email`). CSRF-checked like the page's forms."""
    offer = _offer(request, token)
    if request.POST.get("via") == "email":
        waitlist_activity_record(entry_id=offer.entry_id, kind="link_clicked")
    waitlist_activity_record(entry_id=offer.entry_id, kind="page_view")
    return HttpResponse(status=204)


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def offer_accept_page(request, token: str):
    """Accept (POST): the held place becomes a booking, once; a second click lands on the same booking."""
    offer = _offer(request, token)
    if request.method == "GET":
        return redirect(site_url("offer-manage", offer.token))
    now = timezone.now()
    try:
        booking = offer_accept(offer=offer, now=now, payment_due_at=payment_hold_deadline_for(
            tenant=request.tenant, service=offer.service, now=now))
    except (OfferClosedError, OfferExpiredError) as error:
        return _offer_page(request, offer_get_by_token(token=token), status=409, error=error.message)
    except ApplicationError as error:
        return _offer_page(request, offer_get_by_token(token=token), status=400, error=error.message)
    if booking.status == Booking.Status.PENDING_PAYMENT:
        # A second click reopens the same Checkout Session. If none can be opened the offer holds the place again
        # (until its own deadline) and its page says to try again.
        return payment_redirect(request, booking, failure_page=lambda error: _offer_page(
            request, offer_get_by_token(token=token), status=503,
            error=_("The payment could not be started. The place is still held for you: please try again in a "
                    "moment.")))
    return redirect(site_url("booking-manage", booking.manage_token, done="accepted"))


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def offer_decline_page(request, token: str):
    """Decline (POST): the place goes to the next one waiting."""
    offer = _offer(request, token)
    if request.method == "GET":
        return redirect(site_url("offer-manage", offer.token))
    try:
        offer_decline(offer=offer)
    except (OfferClosedError, OfferExpiredError) as error:
        return _offer_page(request, offer_get_by_token(token=token), status=409, error=error.message)
    return redirect(site_url("offer-manage", offer.token, done="declined"))


@secret_link_page
def offer_open_image(request, token: str):
    """The offer email's tracking image: always the GIF, never cached; an opening is counted for a known offer."""
    try:
        offer = offer_get_by_token(token=token)
    except NotFoundError:
        offer = None
    if offer is not None:
        waitlist_activity_record(entry_id=offer.entry_id, kind="email_opened")
    response = HttpResponse(TRANSPARENT_GIF, content_type="image/gif")
    response["Cache-Control"] = "no-cache, no-store, must-revalidate, private, max-age=0"
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    return response
