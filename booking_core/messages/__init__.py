"""What clients are told, and when: every email a booking or a waitlist change sends.

- booking_notifications, waitlist_notifications: what to say (the outbox event types) and the `notify_*`
  functions services call inside their transaction, so a message commits or rolls back with the change;
- reminders: when to say it later (the per-tenant job scheduling reminders and attendance requests);
- booking_emails, waitlist_emails: the outbox renderers that turn a committed row into an email in the
  client's language, in the worker; rendering: the shared way a tenant's email is built from its
  templates (booking_core/templates/booking_core/email/); ics: the .ics calendar files.

Programmes keep their own notices and renderers in booking_core.programmes (an app of its own) and use
the same rendering.
"""
