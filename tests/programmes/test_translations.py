"""The programmes' own Hungarian and German catalogs are complete, keep every placeholder, and are compiled."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

from booking_core import programmes
from tests.test_translations import _placeholders

LOCALE = Path(programmes.__file__).parent / "locale"


def _po(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["hu", "de"])
def test_every_string_is_translated_with_its_placeholders_and_compiled(language):
    # given
    po = _po(language)
    entries = [entry for entry in po if not entry.obsolete]
    # when
    untranslated = [entry.msgid for entry in entries if not (entry.msgstr or all(entry.msgstr_plural.values()))]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    mismatched = [entry.msgid for entry in entries if not entry.msgid_plural and entry.msgstr
                  and _placeholders(entry.msgid, entry) != _placeholders(entry.msgstr, entry)]
    compiled = {entry.msgid: entry.msgstr for entry in polib.mofile(str(LOCALE / language / "LC_MESSAGES" /
                                                                        "django.mo")) if not entry.msgid_plural}
    stale = [entry.msgid for entry in entries if not entry.msgid_plural and compiled.get(entry.msgid) != entry.msgstr]
    # then
    assert len(entries) > 100 and po.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert (untranslated, fuzzy, mismatched, stale) == ([], [], [], [])


@pytest.mark.parametrize(("language", "expected"), [("hu", "Minden számodra megfelelő csoport megtelt."),
                                                    ("de", "Alle für Sie passenden Gruppen sind voll.")])
def test_django_serves_the_programme_catalog(language, expected):
    with translation.override(language):
        assert translation.gettext("Every group you can attend is full.") == expected
