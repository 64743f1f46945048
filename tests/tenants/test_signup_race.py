"""Two people sign up for the same subdomain at the same moment, over real HTTP connections to a live server
(each request its own thread and database connection): exactly one gets it, the other is told, and nothing of
the loser's is left behind."""

from __future__ import annotations

import html
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from allot.outbox.models import OutboxMessage
from tenants.models import Tenant
from tenants.signup.forms import OrganisationSignUpForm
from tests.support.sign_in import forget_sign_in_limits

pytestmark = pytest.mark.slow

JUST_TAKEN = "This subdomain was just taken. Please choose another."
TAKEN = "This subdomain is taken. Please choose another."


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One visitor: own cookies, own HTTP connection; does not follow redirects."""

    def __init__(self, port: int):
        self.base = f"http://localhost:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())

    def get(self, path: str) -> tuple[int, str, dict]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, str, dict]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def _open(self, request) -> tuple[int, str, dict]:
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)


def race(port: int, slug: str) -> list[tuple[int, str, dict]]:
    """Two visitors load the form, then send it for `slug` at the same moment (different people)."""
    browsers = [Browser(port), Browser(port)]
    tokens = []
    for browser in browsers:
        status, page, _headers = browser.get("/signup/?lang=hu")
        assert status == 200
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def submit(index: int) -> None:
        barrier.wait()
        outcomes[index] = browsers[index].post("/signup/?lang=hu", {
            "csrfmiddlewaretoken": tokens[index], "organisation_name": f"Race {index}", "slug": slug,
            "owner_name": f"Racer {index}", "email": f"racer{index}@race.example",
            "password": "kek-lo-fut-2026-nyaron", "timezone": "Europe/Budapest", "default_language": "hu",
            "country": "HU", "currency": "HUF",
        })

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


@pytest.fixture
def racing(committed_db, live_server_port):
    forget_sign_in_limits()
    yield live_server_port
    forget_sign_in_limits()


def assert_exactly_one_won(outcomes, slug: str, loser_messages: tuple[str, ...]) -> str:
    statuses = sorted(status for status, _page, _headers in outcomes)
    assert statuses == [302, 400], statuses
    winner = next(index for index, (status, _p, _h) in enumerate(outcomes) if status == 302)
    loser = 1 - winner
    assert outcomes[winner][2]["Location"].startswith(f"http://{slug}.localhost")
    loser_page = html.unescape(outcomes[loser][1])
    with translation.override("hu"):  # the race is run in Hungarian
        said = [message for message in loser_messages if gettext(message) in loser_page]
    assert said, loser_page[:2000]
    # the organisation is the winner's, and nothing of the loser's exists
    connection.set_schema_to_public()
    tenants = list(Tenant.objects.filter(slug=slug))
    assert [tenant.display_name for tenant in tenants] == [f"Race {winner}"]
    assert list(get_user_model().objects.filter(email__endswith="@race.example").values_list("email", flat=True)) \
        == [f"racer{winner}@race.example"]
    assert EmailAddress.objects.filter(email__endswith="@race.example").count() == 1
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == [f"racer{winner}@race.example"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [f"t_{slug}"])
        assert cursor.fetchone()[0] == 1
    return said[0]


def test_two_sign_ups_that_both_passed_the_form_race_for_one_subdomain_and_exactly_one_gets_it(racing,
                                                                                               monkeypatch):
    # given: both forms have checked the subdomain (free) before either organisation is written, so the database's
    # unique slug, schema and domain decide
    checked = threading.Barrier(2, timeout=30)
    clean_slug = OrganisationSignUpForm.clean_slug

    def clean_slug_then_wait(form):
        slug = clean_slug(form)
        checked.wait()
        return slug

    monkeypatch.setattr(OrganisationSignUpForm, "clean_slug", clean_slug_then_wait)
    # when
    outcomes = race(racing, "race")
    # then: one 302 to its new host, the other the form with the message next to the subdomain
    said = assert_exactly_one_won(outcomes, "race", (JUST_TAKEN,))
    assert said == JUST_TAKEN


def test_two_sign_ups_sent_at_the_same_moment_get_one_organisation(racing):
    # when: no help with the timing (the later one may already see the subdomain taken at the form's check)
    outcomes = race(racing, "race")
    # then
    assert_exactly_one_won(outcomes, "race", (JUST_TAKEN, TAKEN))
