"""The booking site on a tenant's host: browsing, booking, and the pages behind the links in emails."""

from django.urls import path

import allot.url_converters  # noqa: F401  (the `token` converter)
from public_site import (
    booking_views,
    feed_views,
    invoice_views,
    manage_views,
    payment_views,
    programme_views,
    views,
    waitlist_views,
)

urlpatterns = [
    path("", views.tenant_home, name="tenant-home"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("brand/logo", views.tenant_logo, name="tenant-logo"),
    path("s/<slug:slug>/", views.service_page, name="public-service"),
    path("s/<slug:slug>/day/<str:day>/", views.service_page, name="public-service-day"),
    path("s/<slug:slug>/day/<str:day>/waitlist/", waitlist_views.waitlist_join_day_page,
         name="public-waitlist-join-day"),
    path("s/<slug:slug>/who/", views.staff_page, name="public-service-staff"),
    path("s/<slug:slug>/sessions/<int:session_id>/", views.session_page, name="public-session"),
    path("s/<slug:slug>/sessions/<int:session_id>/waitlist/", waitlist_views.waitlist_join_session_page,
         name="public-waitlist-join"),
    path("s/<slug:slug>/book/", booking_views.book_page, name="public-book"),
    path("p/<slug:slug>/", programme_views.programme_page, name="public-programme"),
    path("p/<slug:slug>/signup/", programme_views.programme_signup_page, name="public-programme-signup"),
    path("b/<token:token>/", manage_views.booking_manage, name="booking-manage"),
    path("b/<token:token>/done/", booking_views.booking_done, name="booking-done"),
    path("feeds/<token:token>.ics", feed_views.calendar_feed, name="calendar-feed"),
    path("b/<token:token>/feed/", manage_views.booking_client_feed, name="booking-client-feed"),
    # Paid bookings (billing): Stripe Checkout sends the client back here.
    path("b/<token:token>/payment/", payment_views.booking_payment, name="booking-payment"),
    # Invoices (issue 15 item 3).
    path("b/<token:token>/invoice/<str:number>.pdf", invoice_views.booking_invoice_pdf, name="booking-invoice-pdf"),
    path("b/<token:token>/calendar.ics", manage_views.booking_calendar, name="booking-calendar"),
    path("b/<token:token>/cancel/", manage_views.booking_cancel_page, name="booking-cancel"),
    path("b/<token:token>/reschedule/", manage_views.booking_reschedule_page, name="booking-reschedule"),
    path("b/<token:token>/confirm/", manage_views.booking_confirm_attendance_page, name="booking-confirm"),
    # Waitlist offers and entries (booking_core.messages.waitlist_emails links here).
    path("o/<token:token>/", waitlist_views.offer_page, name="offer-manage"),
    path("o/<token:token>/open.gif", waitlist_views.offer_open_image, name="offer-open-image"),
    path("o/<token:token>/seen/", waitlist_views.offer_seen, name="offer-seen"),
    path("o/<token:token>/accept/", waitlist_views.offer_accept_page, name="offer-accept"),
    path("o/<token:token>/decline/", waitlist_views.offer_decline_page, name="offer-decline"),
    path("w/<token:token>/", waitlist_views.waitlist_status_page, name="waitlist-manage"),
    path("w/<token:token>/joined/", waitlist_views.waitlist_joined_page, name="waitlist-joined"),
    path("w/<token:token>/leave/", waitlist_views.waitlist_leave, name="waitlist-leave"),
    # Programme sign-ups and place offers (booking_core.programmes.links: the emails link to exactly these).
    path("programmes/signups/<token:token>/", programme_views.programme_signup_status_page,
         name="programme-signup-status"),
    path("programmes/signups/<token:token>/withdraw/", programme_views.programme_signup_withdraw,
         name="programme-signup-withdraw"),
    path("programmes/offers/<token:token>/", programme_views.programme_offer_page, name="programme-offer"),
    path("programmes/offers/<token:token>/accept/", programme_views.programme_offer_accept,
         name="programme-offer-accept"),
    path("programmes/offers/<token:token>/decline/", programme_views.programme_offer_decline,
         name="programme-offer-decline"),
    path("programmes/offers/<token:token>/payment/", programme_views.programme_offer_payment,
         name="programme-offer-payment"),
    path("programmes/offers/<token:token>/invoice/<str:number>.pdf", invoice_views.place_offer_invoice_pdf,
         name="programme-offer-invoice-pdf"),
]
