"""The README stays true: every environment variable the code reads is documented there."""

from pathlib import Path

from tests.deploy.test_helm_chart import APP_SOURCE_DIRS, ENVIRONMENT_READ

CHECKOUT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_the_code_reads_is_in_the_readme():
    readme = (CHECKOUT / "README.md").read_text()
    read = {
        name
        for folder in APP_SOURCE_DIRS
        for path in (CHECKOUT / folder).rglob("*.py")
        for name in ENVIRONMENT_READ.findall(path.read_text())
    }
    assert read, "the pattern found no variables: the test would pass for the wrong reason"
    assert sorted(name for name in read if f"`{name}`" not in readme) == []


def test_the_readme_gives_the_two_commands():
    readme = (CHECKOUT / "README.md").read_text()
    assert "make up" in readme and "make test" in readme
