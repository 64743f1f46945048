"""The declared dependencies are what the code uses: production needs no development tool, and nothing is
declared that nothing imports."""

import re
import subprocess
import sys
import tomllib

from tests.conftest import CHECKOUT_DIR

PYPROJECT = tomllib.loads((CHECKOUT_DIR / "pyproject.toml").read_text())
LOCK = {line.split("==")[0].lower() for line in (CHECKOUT_DIR / "requirements.lock").read_text().splitlines()
        if "==" in line}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}


def test_django_environ_is_not_declared_because_config_parses_the_environment_itself():
    declared = _names(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        declared |= _names(extra)
    assert "django-environ" not in declared and "django-environ" not in LOCK


def test_the_mail_catchers_smtp_server_is_a_development_dependency_only():
    assert "aiosmtpd" not in _names(PYPROJECT["project"]["dependencies"])
    assert "aiosmtpd" in _names(PYPROJECT["project"]["optional-dependencies"]["dev"])


def test_every_declared_dependency_is_pinned_in_the_lock():
    declared = _names(PYPROJECT["project"]["dependencies"])
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        declared |= _names(extra) - {"allot"}
    assert declared - LOCK == set()


def test_production_processes_start_without_the_development_smtp_server():
    # given an interpreter where aiosmtpd cannot be imported
    code = ("import sys; sys.modules['aiosmtpd'] = None; "
            "import allot.cli, allot.wsgi, allot.workers.entry, allot.jobs.scheduler; "
            "sys.exit(allot.cli.main(['mailcatcher', '--port', '0']))")
    from tests.conftest import child_environment

    result = subprocess.run([sys.executable, "-c", code], env=child_environment(), cwd=CHECKOUT_DIR,
                            capture_output=True, text=True, timeout=120)
    # then web, worker and scheduler import fine, and only the mail catcher says what it is missing
    assert result.returncode == 2, result.stderr
    assert "the mail catcher is a development tool and needs aiosmtpd" in result.stderr
