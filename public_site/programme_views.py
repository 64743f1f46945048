"""Programme pages: a programme with its groups, the sign-up form, the participant's status page and the
place-offer page (the last two are the links in the programme emails, see booking_core.programmes.links).

Views only translate: parse with a form, call one service or selector, render. Withdrawing and answering
an offer are POSTs from the pages behind the links; a GET never changes anything.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allot.errors import ApplicationError
from billing.invoicing.selectors import invoices_for_place_offer
from billing.selectors.payments import (
    PaymentState,
    payment_hold_deadline_for,
    place_offer_payment_for,
    place_offer_payment_state,
)
from billing.services.place_offer_payments import place_offer_payment_start
from booking_core.acting import Actor
from booking_core.programmes.errors import AlreadySignedUpError, OfferClosedError, SignUpClosedError
from booking_core.programmes.models import PlaceOffer, Programme, SignUp
from booking_core.programmes.selectors import SignUpStatus, offer_get_by_token, signup_get_by_token
from booking_core.programmes.services.offers import place_offer_accept, place_offer_decline
from booking_core.programmes.services.signups import signup_create, signup_withdraw
from booking_core.selectors.public_pages import (
    place_offer_participants,
    programme_get_for_clients_by_slug,
    programme_sessions_of_group,
    programme_signup_window,
    signup_can_withdraw,
    signups_made_together,
)
from public_site.languages import offered_languages, site_url, use_language
from public_site.page_cache import cached_page
from public_site.pages import created, creation_page, link_action_page, public_page, secret_link_page
from public_site.programme_forms import ProgrammeSignUpForm

SIGNUP_NOTICES = {"signed_up", "withdrawn", "accepted"}
OFFER_NOTICES = {"declined"}


@public_page
@cached_page()
def programme_page(request, slug: str):
    """A programme: its groups (weekday, time, sessions, places), the sign-up window and how places are given."""
    programme = programme_get_for_clients_by_slug(slug=slug)
    return render(request, "public_site/programmes/programme.html", {
        "programme": programme, "groups": programme.live_groups, "window": programme_signup_window(programme),
    })


@public_page
@creation_page()
@require_http_methods(["GET", "POST"])
def programme_signup_page(request, slug: str):
    """The sign-up form; a refusal is shown next to the fields it concerns, never as an error page."""
    programme = programme_get_for_clients_by_slug(slug=slug)
    if programme_signup_window(programme) != "open" and request.method == "GET":
        return redirect(site_url("public-programme", slug))
    options = {"programme": programme, "language": request.LANGUAGE_CODE,
               "languages": offered_languages(request.tenant)}
    if request.method == "GET":
        return _signup_form(request, programme, ProgrammeSignUpForm(**options))
    form = ProgrammeSignUpForm(request.POST, **options)
    if not form.is_valid():
        return _signup_form(request, programme, form)
    client = form.client()
    try:
        signups = signup_create(
            tenant=request.tenant, programme=programme, client=client, attendees=form.attendees(),
            preferences=form.preferences(), keep_together=form.cleaned_data["keep_together"], answers=form.answers(),
            language=form.cleaned_data["language"], actor=Actor.client(client.email),
        )
    except (AlreadySignedUpError, SignUpClosedError) as error:
        # A double submit, or the window closed meanwhile: nothing to correct in the form.
        return _signup_form(request, programme, form, refusal=error.message, refusal_code=error.code, status=409)
    except ApplicationError as error:
        unplaced = form.add_service_errors(error.fields)
        return _signup_form(request, programme, form, error=" ".join([str(error.message), *unplaced]), status=400)
    created(request)
    return redirect(site_url("programme-signup-status", signups[0].token, done="signed_up"))


def _signup_form(request, programme: Programme, form: ProgrammeSignUpForm, *, error: str = "", refusal: str = "",
                 refusal_code: str = "", status: int = 200):
    return render(request, "public_site/programmes/signup.html", {
        "programme": programme, "form": form, "error": error, "refusal": refusal, "refusal_code": refusal_code,
        "window": programme_signup_window(programme),
    }, status=status)


# --- the participant's pages ------------------------------------------------------------------------------------


def _status(request, token: str) -> SignUpStatus:
    """The sign-up behind the link (404 otherwise), with the page switched to its language."""
    status = signup_get_by_token(token=token)
    use_language(request, hint=status.signup.language)
    return status


def _status_page(request, status: SignUpStatus, *, http_status: int = 200, **extra):
    signup = status.signup
    return render(request, "public_site/programmes/status.html", {
        "status": status, "signup": signup, "programme": signup.programme,
        "group_sessions": programme_sessions_of_group(group_id=signup.group_id) if signup.group_id else [],
        "together": signups_made_together(signup),
        "can_withdraw": signup_can_withdraw(signup, zone=request.tenant.zone),
        **extra,
    }, status=http_status)


@secret_link_page
@public_page
def programme_signup_status_page(request, token: str):
    """Where a participant stands: pending, a place, the waitlist, no place (and why), or withdrawn."""
    status = _status(request, token)
    notice = request.GET.get("done")
    return _status_page(request, status, notice=notice if notice in SIGNUP_NOTICES else None)


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def programme_signup_withdraw(request, token: str):
    """Withdraw (POST from the status page); a place given back goes to the next one waiting."""
    status = _status(request, token)
    if request.method == "GET":
        return redirect(site_url("programme-signup-status", token))
    signup = status.signup
    try:
        signup_withdraw(tenant=request.tenant, signup=signup, actor=Actor.client(signup.client.email))
    except ApplicationError as error:
        return _status_page(request, signup_get_by_token(token=token), http_status=409, error=error.message)
    return redirect(site_url("programme-signup-status", token, done="withdrawn"))


def _offer(request, token: str) -> tuple[PlaceOffer, list[SignUp]]:
    """A sent (or answered) place offer behind the link, with whom it is for; prepared offers are a 404."""
    offer = offer_get_by_token(token=token)
    participants = place_offer_participants(offer)
    use_language(request, hint=participants[0].language if participants else None)
    return offer, participants


def _offer_page(request, offer: PlaceOffer, participants: list[SignUp], *, status: int = 200, **extra):
    now = timezone.now()
    return render(request, "public_site/programmes/offer.html", {
        "offer": offer, "programme": offer.programme, "group": offer.group, "participants": participants,
        "sessions": programme_sessions_of_group(group_id=offer.group_id), "is_open": offer.awaits_answer(now),
        "is_expired": offer.has_expired(now),
        "awaits_payment": offer.status == PlaceOffer.Status.AWAITING_PAYMENT,
        # Accepted, then left unpaid: its places went on to the next one waiting.
        "payment_expired": offer.status == PlaceOffer.Status.EXPIRED and offer.payment_due_at is not None,
        **extra,
    }, status=status)


@secret_link_page
@public_page
def programme_offer_page(request, token: str):
    """An offered place and until when it is held, with Accept and Decline."""
    offer, participants = _offer(request, token)
    notice = request.GET.get("done")
    return _offer_page(request, offer, participants, notice=notice if notice in OFFER_NOTICES else None)


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def programme_offer_accept(request, token: str):
    """Accept (POST): every participant of the offer gets the place, once; a second click changes nothing."""
    offer, participants = _offer(request, token)
    if request.method == "GET":
        return redirect(site_url("programme-offer", token))
    due = payment_hold_deadline_for(tenant=request.tenant, service=offer.programme, now=timezone.now())
    try:
        offer = place_offer_accept(offer=offer, payment_due_at=due)
    except OfferClosedError as error:
        offer, participants = _offer(request, token)
        return _offer_page(request, offer, participants, status=409, error=error.message)
    if offer.status == PlaceOffer.Status.AWAITING_PAYMENT:
        return _offer_payment_redirect(request, offer, participants)
    if not participants:
        return redirect(site_url("programme-offer", token))
    return redirect(site_url("programme-signup-status", participants[0].token, done="accepted"))


@secret_link_page
@public_page
@link_action_page
@require_http_methods(["GET", "POST"])
def programme_offer_decline(request, token: str):
    """Decline (POST): the place goes to the next one waiting."""
    offer, _participants = _offer(request, token)
    if request.method == "GET":
        return redirect(site_url("programme-offer", token))
    try:
        place_offer_decline(tenant=request.tenant, offer=offer)
    except OfferClosedError as error:
        offer, participants = _offer(request, token)
        return _offer_page(request, offer, participants, status=409, error=error.message)
    return redirect(site_url("programme-offer", token, done="declined"))


# --- paying for a priced place offer (billing opens the Checkout Session; the return page reads our rows) ------


def _offer_payment_redirect(request, offer: PlaceOffer, participants: list[SignUp]):
    """Open (or reopen) the offer's Checkout Session and send the participant there. If it cannot be opened the
    offer is open again: its page says to try again."""
    return_url = request.build_absolute_uri(site_url("programme-offer-payment", offer.token))
    try:
        payment = place_offer_payment_start(tenant=request.tenant, offer=offer, success_url=return_url,
                                            cancel_url=return_url)
    except ApplicationError as error:
        offer, participants = _offer(request, offer.token)
        return _offer_page(request, offer, participants, status=503, error=error.message)
    return redirect(payment.checkout_url)


@secret_link_page
@public_page
@require_http_methods(["GET", "POST"])
def programme_offer_payment(request, token: str):
    """Where Stripe Checkout sends the participant back: the payment's state from our rows (POST: pay now)."""
    offer, participants = _offer(request, token)
    state = place_offer_payment_state(tenant=request.tenant, offer=offer)
    if state == PaymentState.NONE or offer.awaits_answer(timezone.now()):
        return redirect(site_url("programme-offer", token))  # nothing paid, or open again to be accepted
    can_pay = state == PaymentState.AWAITING and offer.status == PlaceOffer.Status.AWAITING_PAYMENT
    if request.method == "POST" and can_pay:
        return _offer_payment_redirect(request, offer, participants)
    return render(request, "public_site/programmes/offer_payment.html", {
        "offer": offer, "programme": offer.programme, "group": offer.group, "participants": participants,
        "state": state, "payment": place_offer_payment_for(tenant=request.tenant, offer_id=offer.pk),
        "can_pay": can_pay, "refresh_seconds": 5 if state in (PaymentState.PROCESSING, PaymentState.AWAITING) else None,
        "invoices": (invoices_for_place_offer(tenant=request.tenant, offer_id=offer.pk)
                     if state == PaymentState.PAID else []),
    })
