"""`allot up` without Stripe keys points the platform at its local Stripe stand-in; with keys, or told not to, it
starts none."""

import socket

from allot.cli import STANDIN_WEBHOOK_SECRET, _stripe_standin, build_parser


def _args(*extra):
    return build_parser().parse_args(["up", "--port", "8731", *extra])


def test_without_keys_the_platform_is_pointed_at_the_stand_in_and_the_demo_gets_its_accounts():
    # given
    env = {}
    # when: (port 0: any free port)
    command = _stripe_standin(env, _args("--stripe-port", "0"))
    # then
    port = env["STRIPE_API_BASE"].rsplit(":", 1)[1]
    assert int(port) > 0
    assert env["STRIPE_SECRET_KEY"].startswith("sk_test_")
    assert env["STRIPE_WEBHOOK_SECRET"] == STANDIN_WEBHOOK_SECRET
    assert env["ALLOT_DEMO_STRIPE_ACCOUNTS"] == "demo=acct_standin_demo,acme=acct_standin_acme"
    assert command[3:] == ["stripe-standin", "--port", port,
                           "--webhook-url", "http://localhost:8731/stripe/webhooks/payments/",
                           "--webhook-secret", STANDIN_WEBHOOK_SECRET,
                           "--onboarded-account=acct_standin_demo", "--onboarded-account=acct_standin_acme"]


def test_a_taken_port_is_replaced_by_a_free_one():
    # given: something listens on the stand-in's port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        env = {}
        # when
        _stripe_standin(env, _args("--stripe-port", str(busy)))
    # then
    assert env["STRIPE_API_BASE"] != f"http://127.0.0.1:{busy}"


def test_with_keys_or_told_not_to_no_stand_in_starts():
    env = {"STRIPE_SECRET_KEY": "sk_test_real"}
    assert _stripe_standin(env, _args()) is None
    assert env == {"STRIPE_SECRET_KEY": "sk_test_real"}
    assert _stripe_standin({}, _args("--no-stripe")) is None
