"""Organisations sign themselves up on the root domain (/signup/): the form, the check of the wanted subdomain
as you type, the service that creates owner, organisation and subdomain in one transaction, the owner's
verification email through the outbox, and the one-time hand-off that signs the owner in on their new host."""
