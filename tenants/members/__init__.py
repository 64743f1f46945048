"""An organisation's members from its own back office: invitations by email, roles, the two-factor policy."""
