"""The back office's addresses on a tenant's host, under /office/."""

from django.urls import path

from booking_core.backoffice import (
    billing_views,
    booking_new_views,
    calendar_sync_views,
    calendar_views,
    catalogue_views,
    clients_views,
    feeds_views,
    invoicing_views,
    members_views,
    notification_views,
    organisation_views,
    payments_views,
    programme_edit_views,
    programme_views,
    refund_views,
    settings_views,
    webhooks_views,
)
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
    # Invoices (issue 15 item 3): seller details (owners), a booking's invoices and credit notes (managers).
    path("invoicing/", invoicing_views.invoicing_settings, name="office-invoicing"),
    path("invoices/<str:number>.pdf", invoicing_views.invoice_download, name="office-invoice-pdf"),
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
    # Outgoing webhooks (issue 16 item 1).
    path("webhooks/", webhooks_views.webhooks_list, name="office-webhooks"),
    path("webhooks/<int:endpoint_id>/", webhooks_views.webhook_endpoint, name="office-webhook"),
    path("webhooks/<int:endpoint_id>/rotate/", webhooks_views.webhook_endpoint_rotate, name="office-webhook-rotate"),
    path("webhooks/<int:endpoint_id>/test/", webhooks_views.webhook_endpoint_test, name="office-webhook-test"),
    path("webhooks/<int:endpoint_id>/delete/", webhooks_views.webhook_endpoint_delete, name="office-webhook-delete"),
    path("webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
         webhooks_views.webhook_delivery_redeliver, name="office-webhook-redeliver"),
    # Leaving (owners only): export the organisation's data, download exports, close the organisation.
    path("organisation/", organisation_views.organisation_page, name="office-organisation"),
    path("organisation/export/", organisation_views.organisation_export, name="office-organisation-export"),
    path("organisation/exports/<str:token>/", organisation_views.organisation_export_download,
         name="office-organisation-export-download"),
    path("organisation/close/", organisation_views.organisation_close_view, name="office-organisation-close"),
]

# --- catalogue and capacity (issue 14 item 4): services, their questions, staff, group sessions ---------------
urlpatterns += [
    path("catalogue/services/", catalogue_views.services_page, name="office-catalogue-services"),
    path("catalogue/services/new/", catalogue_views.service_new, name="office-catalogue-service-new"),
    path("catalogue/services/<int:service_id>/", catalogue_views.service_edit, name="office-catalogue-service"),
    path("catalogue/services/<int:service_id>/questions/", catalogue_views.question_new,
         name="office-catalogue-question-new"),
    path("catalogue/services/<int:service_id>/questions/<int:question_id>/", catalogue_views.question_edit,
         name="office-catalogue-question"),
    path("catalogue/services/<int:service_id>/questions/<int:question_id>/delete/", catalogue_views.question_delete,
         name="office-catalogue-question-delete"),
    path("catalogue/staff/", catalogue_views.staff_page, name="office-catalogue-staff"),
    path("catalogue/staff/<int:staff_id>/", catalogue_views.staff_member, name="office-catalogue-staff-member"),
    path("catalogue/staff/<int:staff_id>/<str:kind>/", catalogue_views.staff_item_add,
         name="office-catalogue-staff-add"),
    path("catalogue/staff/<int:staff_id>/<str:kind>/<int:item_id>/delete/", catalogue_views.staff_item_remove,
         name="office-catalogue-staff-remove"),
    path("catalogue/sessions/", catalogue_views.sessions_page, name="office-catalogue-sessions"),
    path("catalogue/sessions/new/", catalogue_views.session_new, name="office-catalogue-session-new"),
    path("catalogue/sessions/series/", catalogue_views.series_new, name="office-catalogue-series-new"),
    path("catalogue/sessions/<int:session_id>/", catalogue_views.session_page, name="office-catalogue-session"),
    path("catalogue/sessions/<int:session_id>/capacity/", catalogue_views.session_capacity,
         name="office-catalogue-session-capacity"),
    path("catalogue/sessions/<int:session_id>/cancel/", catalogue_views.session_cancel,
         name="office-catalogue-session-cancel"),
]

# --- settings (issue 14 item 6): profile, zone and languages, branding, booking rules, job runs ---------------
urlpatterns += [
    path("settings/", settings_views.settings_page, name="office-settings"),
    path("settings/logo/", settings_views.settings_logo, name="office-settings-logo"),
    path("settings/jobs/", settings_views.job_runs_page, name="office-job-runs"),
    path("settings/notifications/", notification_views.notifications_page, name="office-notifications"),
    path("settings/notifications/<str:event_type>/", notification_views.notification_texts_page,
         name="office-notification-texts"),
    path("settings/<str:section>/", settings_views.settings_save, name="office-settings-save"),
]

# --- programmes (issue 14 item 4): groups and sign-ups, the allocation's preview and commit, its log ------------
urlpatterns += [
    path("programmes/", programme_views.programmes_page, name="office-programmes"),
    path("programmes/<int:programme_id>/", programme_views.programme_page, name="office-programme"),
    path("programmes/<int:programme_id>/allocation/", programme_views.allocation_page,
         name="office-programme-allocation"),
    path("programmes/<int:programme_id>/allocation/commit/", programme_views.allocation_commit_view,
         name="office-programme-allocation-commit"),
    path("programmes/<int:programme_id>/log/", programme_views.allocation_log_page, name="office-programme-log"),
    path("programmes/<int:programme_id>/groups/<int:group_id>/<str:action>/", programme_views.group_action,
         name="office-programme-group"),
    # --- creating and editing programmes and their groups (issue 14 follow-up; managers) ---
    path("programmes/new/", programme_edit_views.programme_new, name="office-programme-new"),
    path("programmes/<int:programme_id>/edit/", programme_edit_views.programme_edit, name="office-programme-edit"),
    path("programmes/<int:programme_id>/groups/new/", programme_edit_views.group_new,
         name="office-programme-group-new"),
    path("programmes/<int:programme_id>/groups/<int:group_id>/", programme_edit_views.group_edit,
         name="office-programme-group-edit"),
    # Payments (billing): connecting the organisation's Stripe account (owners).
    path("payments/", payments_views.office_payments, name="office-payments"),
    path("payments/connect/", payments_views.office_payments_connect, name="office-payments-connect"),
    path("payments/return/", payments_views.office_payments_return, name="office-payments-return"),
    # --- the organisation's plan and subscription (issue 15 item 4; owners) ---
    path("billing/", billing_views.office_billing, name="office-billing"),
    path("billing/checkout/", billing_views.office_billing_checkout, name="office-billing-checkout"),
    path("billing/portal/", billing_views.office_billing_portal, name="office-billing-portal"),
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

# --- refunds (issue 15 item 2): cancellation policies per paid service ---
urlpatterns += [
    path("refund-policies/", refund_views.refund_policies, name="office-refund-policies"),
    path("refund-policies/<int:service_id>/", refund_views.refund_policy_save, name="office-refund-policy-save"),
]
