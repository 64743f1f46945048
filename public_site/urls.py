"""The booking site on a tenant's host: browsing, booking, and the pages behind the links in emails."""

from django.urls import path

from public_site import booking_views, manage_views, views

urlpatterns = [
    path("", views.tenant_home, name="tenant-home"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("s/<slug:slug>/", views.service_page, name="public-service"),
    path("s/<slug:slug>/day/<str:day>/", views.service_page, name="public-service-day"),
    path("s/<slug:slug>/who/", views.staff_page, name="public-service-staff"),
    path("s/<slug:slug>/sessions/<int:session_id>/", views.session_page, name="public-session"),
    path("s/<slug:slug>/book/", booking_views.book_page, name="public-book"),
    # WAITLIST: the join-the-waitlist page of a full session plugs in here,
    # e.g. path("s/<slug:slug>/sessions/<int:session_id>/waitlist/", ..., name="public-waitlist-join").
    # PROGRAMMES: programme pages plug in here, e.g. path("p/<slug:slug>/", ..., name="public-programme").
    path("b/<str:token>/", manage_views.booking_manage, name="booking-manage"),
    path("b/<str:token>/done/", booking_views.booking_done, name="booking-done"),
    path("b/<str:token>/calendar.ics", manage_views.booking_calendar, name="booking-calendar"),
    path("b/<str:token>/cancel/", manage_views.booking_cancel_page, name="booking-cancel"),
    path("b/<str:token>/reschedule/", manage_views.booking_reschedule_page, name="booking-reschedule"),
    path("b/<str:token>/confirm/", manage_views.booking_confirm_attendance_page, name="booking-confirm"),
    # OFFERS / WAITLIST STATUS: the pages behind offer and waitlist links plug in here, next to the booking's,
    # e.g. path("o/<str:token>/", ..., name="offer-manage") and path("w/<str:token>/", ..., name="waitlist-manage").
]
