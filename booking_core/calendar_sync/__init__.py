"""Two-way calendar sync (issue 16 item 3): bookings written into a staff member's own calendar, busy times read
back from it. The providers live behind one interface (providers/base.py); README "Calendar sync" says how."""
