"""The back office's addresses on a tenant's host, under /office/."""

from django.urls import path

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
]
