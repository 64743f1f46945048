"""The back office's addresses on a tenant's host, under /office/."""

from django.urls import path

from booking_core.backoffice import calendar_sync_views, feeds_views, members_views
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
    # Calendar subscriptions (issue 16 item 2).
    path("calendar-feeds/", feeds_views.calendar_feeds, name="office-calendar-feeds"),
    path("calendar-feeds/issue/", feeds_views.calendar_feed_issue, name="office-calendar-feed-issue"),
    # --- calendar sync: each staff member's connected calendar (issue 16 item 3) ---
    path("calendar-sync/", calendar_sync_views.calendar_sync_overview, name="office-calendar-sync"),
    path("calendar-sync/<int:staff_id>/", calendar_sync_views.calendar_sync_staff, name="office-calendar-sync-staff"),
    path("calendar-sync/<int:staff_id>/disconnect/", calendar_sync_views.calendar_sync_disconnect,
         name="office-calendar-sync-disconnect"),
    path("calendar-sync/<int:staff_id>/sync/", calendar_sync_views.calendar_sync_now, name="office-calendar-sync-now"),
    # --- members, invitations and sign-in security (roles) ---
    path("members/", members_views.members_page, name="office-members"),
    path("members/invite/", members_views.member_invite, name="office-member-invite"),
    path("members/security-policy/", members_views.mfa_policy, name="office-members-mfa-policy"),
    path("members/<int:membership_id>/role/", members_views.member_role, name="office-member-role"),
    path("members/<int:membership_id>/calendar/", members_views.member_calendar, name="office-member-calendar"),
    path("members/<int:membership_id>/remove/", members_views.member_remove, name="office-member-remove"),
    path("members/invitations/<int:invitation_id>/resend/", members_views.invitation_resend,
         name="office-invitation-resend"),
    path("members/invitations/<int:invitation_id>/revoke/", members_views.invitation_revoke,
         name="office-invitation-revoke"),
    path("security/", members_views.security_page, name="office-security"),
    path("invitation/<str:token>/", members_views.invitation_accept, name="office-invitation"),
]
