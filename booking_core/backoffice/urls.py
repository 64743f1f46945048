"""The back office's addresses on a tenant's host, under /office/."""

from django.urls import path

from booking_core.backoffice import booking_new_views, calendar_views, clients_views
from booking_core.backoffice import views as office_views
from tenants.signup import views as signup_views

urlpatterns = [
    path("handoff/", signup_views.handoff, name="office-handoff"),
    path("", office_views.office_home, name="office-home"),
    path("today/", office_views.office_today, name="office-today"),
    path("offers/<int:offer_id>/release/", office_views.office_offer_release, name="office-offer-release"),
    path("bookings/", office_views.bookings_list, name="office-bookings"),
    path("bookings.csv", office_views.bookings_csv, name="office-bookings-csv"),
    path("bookings/<int:booking_id>/", office_views.booking_detail, name="office-booking"),
    path("bookings/<int:booking_id>/cancel/", office_views.booking_cancel, name="office-booking-cancel"),
    path("bookings/<int:booking_id>/attendance/", office_views.booking_attendance,
         name="office-booking-attendance"),
    path("bookings/<int:booking_id>/reschedule/", office_views.booking_reschedule,
         name="office-booking-reschedule"),
    path("bookings/<int:booking_id>/confirm/", office_views.booking_confirm, name="office-booking-confirm"),
    path("waitlist/", office_views.waitlist_overview, name="office-waitlist"),
    path("waitlist/figures/", office_views.waitlist_figures_page, name="office-waitlist-figures"),
    path("waitlist/session/<int:session_id>/", office_views.waitlist_session, name="office-waitlist-session"),
    path("waitlist/session/<int:session_id>/release/", office_views.waitlist_session_release,
         name="office-waitlist-session-release"),
    path("waitlist/service/<int:service_id>/<str:day>/", office_views.waitlist_day, name="office-waitlist-day"),
    path("waitlist/service/<int:service_id>/<str:day>/release/", office_views.waitlist_day_release,
         name="office-waitlist-day-release"),
    path("waitlist/offers/<int:offer_id>/release/", office_views.waitlist_offer_release,
         name="office-waitlist-offer-release"),
    path("waitlist/offers/<int:offer_id>/skip/", office_views.waitlist_offer_skip, name="office-waitlist-offer-skip"),
    path("waitlist/offers/<int:offer_id>/withdraw/", office_views.waitlist_offer_withdraw,
         name="office-waitlist-offer-withdraw"),
    path("waitlist/entries/<int:entry_id>/offer/", office_views.waitlist_entry_offer,
         name="office-waitlist-entry-offer"),
    # --- calendar, clients, book for a client, booking notes (issue 14 items 2 and 3) ---
    path("calendar/", calendar_views.office_calendar, name="office-calendar"),
    path("clients/", clients_views.clients_list, name="office-clients"),
    path("clients/<int:client_id>/", clients_views.client_detail, name="office-client"),
    path("clients/<int:client_id>/merge/", clients_views.client_merge_view, name="office-client-merge"),
    path("bookings/new/", booking_new_views.booking_new, name="office-booking-new"),
    path("bookings/new/<int:service_id>/", booking_new_views.booking_new_for_service,
         name="office-booking-new-for-service"),
    path("bookings/<int:booking_id>/note/", clients_views.booking_note, name="office-booking-note"),
]
