"""Property-based API tests: schemathesis generates requests from the OpenAPI schema the API serves and sends them to
a live server; no request may be answered with a server error (5xx).

Bounded and seeded so the run is short and repeatable: few examples per operation and generation mode
(data that fits the schema, and data that does not), derandomized (the same examples every run), no shrinking
(a failure prints the request as a curl command instead), no example database. Run twice: anonymously and with
an operator's API key (admin role), against a tenant with a small committed catalogue.
"""

from __future__ import annotations

import os

import pytest

from booking_core.models import Service
from tests.factories import make_question, make_service, make_session, make_staff

pytestmark = [pytest.mark.slow]

# Examples per operation and generation mode: a few for the public API, one for each of the 90-odd operator
# operations (both runs together take about a minute on a busy 2-core machine). ALLOT_FUZZ_EXAMPLES=N multiplies
# both for a deeper run; the examples stay the same from run to run for the same N.
SCALE = int(os.environ.get("ALLOT_FUZZ_EXAMPLES", "1"))
EXAMPLES_PUBLIC = 3 * SCALE
EXAMPLES_OPERATOR = 1 * SCALE


@pytest.fixture
def committed_catalogue(committed_db, tenant_alpha, in_tenant):
    """A group service with a session and a question, an individual service with a staff member (committed, so
    the live server's threads see them)."""
    with in_tenant(tenant_alpha):
        swim = make_service(Service.Kind.GROUP, name_en="Swimming", max_seats_per_booking=3)
        make_question(swim, "notes", required=False)
        make_session(swim, capacity=4)
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        make_staff(massage, name="Anna")
    return {"swim": swim, "massage": massage}


def _schema(client_for, tenant):
    import schemathesis

    response = client_for(tenant).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return schemathesis.openapi.from_dict(response.json())


def _server_errors(schema, *, base_url: str, headers: dict) -> list[str]:
    """Every generated request that a live server answered with a 5xx, as curl commands."""
    import requests

    failures: list[str] = []
    session = requests.Session()
    try:
        _send_all(schema, session=session, base_url=base_url, headers=headers, failures=failures)
    finally:
        session.close()
    return failures


def _send_all(schema, *, session, base_url: str, headers: dict, failures: list[str]) -> None:
    from schemathesis import GenerationMode

    for result in schema.get_all_operations():
        operation = result.ok()
        examples = EXAMPLES_OPERATOR if operation.path.startswith("/api/v1/operator/") else EXAMPLES_PUBLIC
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _send_examples(operation, mode, examples=examples, session=session, base_url=base_url, headers=headers,
                           failures=failures)


def _send_examples(operation, mode, *, examples: int, session, base_url: str, headers: dict,
                   failures: list[str]) -> None:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case):
        case_headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=base_url, session=session, headers=case_headers, timeout=30)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {operation.label} ({mode}): "
                            f"{case.as_curl_command(headers=case_headers)}")

    try:
        send()
    except Unsatisfiable:  # no request of this mode fits the operation (nothing to send is not a server error)
        pass


def test_no_request_an_anonymous_client_can_make_is_a_server_error(client_for, tenant_alpha, committed_catalogue,
                                                                   live_server_port):
    # given the schema the tenant serves, and a live server
    schema = _schema(client_for, tenant_alpha)
    # when schemathesis sends generated requests without credentials
    failures = _server_errors(schema, base_url=f"http://127.0.0.1:{live_server_port}",
                              headers={"Host": f"{tenant_alpha.slug}.localhost"})
    # then none is answered with a 5xx
    assert failures == [], "\n".join(failures)


def test_no_request_an_operator_can_make_is_a_server_error(client_for, tenant_alpha, committed_catalogue,
                                                           live_server_port):
    from tenants.api_keys import api_key_create

    # given an operator's API key (admin role) and the schema the tenant serves
    _key, secret = api_key_create(tenant=tenant_alpha, name="fuzz", role="admin")
    schema = _schema(client_for, tenant_alpha)
    # when schemathesis sends generated requests with the key
    failures = _server_errors(schema, base_url=f"http://127.0.0.1:{live_server_port}",
                              headers={"Host": f"{tenant_alpha.slug}.localhost", "Authorization": f"Api-Key {secret}"})
    # then none is answered with a 5xx
    assert failures == [], "\n".join(failures)
