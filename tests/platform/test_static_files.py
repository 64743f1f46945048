"""Production's static files storage remembers each file's address per process, and forgets them when
collectstatic post-processes (the manifest changes then)."""

import json

import pytest

from allot.static_files import RememberingManifestStaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps(
        {"version": "1.1", "paths": {"public_site/site.css": "public_site/site.0123456789ab.css"}, "hash": "x"}))
    return RememberingManifestStaticFilesStorage(location=tmp_path, base_url="/static/")


def test_an_address_is_the_manifests_and_is_worked_out_once(storage):
    # when
    first = storage.url("public_site/site.css")
    storage.hashed_files["public_site/site.css"] = "public_site/site.changed.css"
    again = storage.url("public_site/site.css")
    # then
    assert first == again == "/static/public_site/site.0123456789ab.css"
    assert storage.url("public_site/site.css", force=True) == "/static/public_site/site.changed.css"


def test_a_file_missing_from_the_manifest_is_refused_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("public_site/missing.css")


def test_post_processing_forgets_the_remembered_addresses(storage):
    # given
    storage.url("public_site/site.css")
    # when: collectstatic post-processes (here nothing: the manifest comes out empty)
    list(storage.post_process({}))
    # then
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("public_site/site.css")
