"""Waitlists and offers: entries, their ranking, and the offers that hold a freed place for the best-ranked.

A sub-package of the booking_core app (not an app of its own): its models keep the app label
`booking_core` and their tables, and booking_core.models imports them so Django finds them.
models (entries, offers) · services (joining and leaving, preparing, releasing and answering offers)
· selectors (queues, positions, access helpers, figures) · api · admin. What waitlisted clients are
told lives with the other messages in booking_core.messages.
"""
