"""Outgoing webhooks: an organisation's endpoints, the events they get, signed deliveries through the outbox."""
