"""The payment tests' Stripe servers: localstripe with the stand-in in front of it, and Stripe's webhook signing
scheme. They live in allot.stripe_standin, which `allot up` also starts when no real Stripe keys are set."""

from allot.stripe_standin import (  # noqa: F401
    StripeStandIn,
    _form_to_nested,
    free_port,
    localstripe_start,
    stripe_event,
    stripe_signature,
)
