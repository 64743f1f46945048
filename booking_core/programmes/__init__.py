"""Monthly programmes: sign-up windows, groups, and places allocated by fast fill or gradual balancing.

A Django app of its own (label `programmes`, tenant schema) inside booking_core, so that its models and
migrations evolve independently of the booking models they build on.
"""
