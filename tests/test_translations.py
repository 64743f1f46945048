"""The Hungarian and German catalogs are complete, keep every placeholder, and are compiled.

`makemessages` (see docs/translations.md) adds new strings untranslated; these tests then fail and name
them. They need Django settings (LOCALE_PATHS) but no database.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

LANGUAGES = ["hu", "de"]
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# %(name)s, %s, %5.2f, ... but not the escaped %%.
PERCENT_PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])"
)
# {name}, {0}, {} but not the escaped {{ and }}.
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}")


def _catalog_path(language: str, suffix: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / f"django.{suffix}"


def _po(language: str) -> polib.POFile:
    return polib.pofile(str(_catalog_path(language, "po")))


def _live_entries(po: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in po if not entry.obsolete]


def _placeholders(text: str, entry: polib.POEntry) -> tuple[frozenset[str], tuple[str, ...]]:
    """Named placeholders (in any order, any number of times) and positional ones (in order)."""
    named, positional = set(), []
    if "python-format" in entry.flags:
        for match in PERCENT_PLACEHOLDER.finditer(text):
            if match.group("type") == "%":
                continue
            if match.group("name") is not None:
                named.add(match.group(0))
            else:
                positional.append(match.group(0))
    if "python-brace-format" in entry.flags:
        named.update(BRACE_PLACEHOLDER.findall(text))
    return frozenset(named), tuple(positional)


def _translations(entries) -> dict[tuple[str, str, str], str | tuple[str, ...]]:
    """msgctxt, msgid, msgid_plural -> msgstr (or the plural forms in order), without the header."""
    result = {}
    for entry in entries:
        if not entry.msgid:
            continue
        key = (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")
        if entry.msgid_plural:
            result[key] = tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
        else:
            result[key] = entry.msgstr
    return result


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_header_names_the_language_and_its_plural_forms(language):
    # given
    po = _po(language)
    # when
    header = {name: po.metadata.get(name) for name in ("Language", "Plural-Forms", "Content-Type")}
    # then
    assert header == {
        "Language": language,
        "Plural-Forms": PLURAL_FORMS,
        "Content-Type": "text/plain; charset=UTF-8",
    }
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"  # polib gives ["fuzzy"] then


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    # given
    entries = _live_entries(_po(language))
    # when
    untranslated = [
        entry.msgid for entry in entries
        if (entry.msgid_plural and (sorted(entry.msgstr_plural) != [0, 1] or not all(entry.msgstr_plural.values())))
        or (not entry.msgid_plural and not entry.msgstr)
    ]
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    # then
    assert len(entries) > 0
    assert {"untranslated": untranslated, "fuzzy": fuzzy} == {"untranslated": [], "fuzzy": []}, (
        f"{language}: untranslated {untranslated}, fuzzy {fuzzy}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_day_and_month_names_are_what_django_writes_dates_with(language):
    # given: our catalog comes before Django's, so a "Monday" of ours is what `{{ date|date:"l" }}` prints
    import django

    django_po = polib.pofile(str(Path(django.__file__).parent / "conf" / "locale" / language / "LC_MESSAGES" /
                                 "django.po"))
    names = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
             "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
    django_names = {entry.msgid: entry.msgstr for entry in django_po if entry.msgid in names and not entry.msgctxt}
    # when: ours are compared with Django's
    differing = {entry.msgid: (entry.msgstr, django_names[entry.msgid]) for entry in _live_entries(_po(language))
                 if entry.msgid in django_names and not entry.msgctxt and entry.msgstr != django_names[entry.msgid]}
    # then: they say the same (Hungarian writes day names in lower case, also in dates)
    assert differing == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_source(language):
    # given
    entries = _live_entries(_po(language))
    # when
    mismatched = []
    for entry in entries:
        if entry.msgid_plural:
            pairs = [(entry.msgid if index == 0 else entry.msgid_plural, text)
                     for index, text in sorted(entry.msgstr_plural.items())]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if text and _placeholders(source, entry) != _placeholders(text, entry):
                mismatched.append(entry.msgid)
    # then
    assert mismatched == [], f"{language}: placeholders differ from the source in {mismatched}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_po_file(language):
    # given
    po = _po(language)
    mo_path = _catalog_path(language, "mo")
    assert mo_path.exists(), f"{mo_path} is missing: run compilemessages"
    # when
    mo = polib.mofile(str(mo_path))
    # then
    compiled, source = _translations(mo), _translations(po.translated_entries())
    stale = sorted(key[1] for key in compiled.keys() | source.keys() if compiled.get(key) != source.get(key))
    assert stale == [], f"{mo_path} is out of date for {stale}: run compilemessages"
    assert mo.metadata.get("Plural-Forms") == po.metadata["Plural-Forms"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("hu", "A foglalásodat megerősítettük."), ("de", "Ihre Buchung ist bestätigt.")],
)
def test_django_serves_the_compiled_catalog(language, expected):
    # given
    message = "Your booking is confirmed."
    # when
    with translation.override(language):
        translated = translation.gettext(message)
    # then
    assert translated == expected


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [("hu", "1 hely", "3 hely"), ("de", "1 Platz", "3 Plätze")],
)
def test_django_picks_the_plural_form(language, one, three):
    # given
    singular, plural = "%(seats)s seat", "%(seats)s seats"
    # when
    with translation.override(language):
        texts = [translation.ngettext(singular, plural, seats) % {"seats": seats} for seats in (1, 3)]
    # then
    assert texts == [one, three]


CODE_FOLDERS = ["platform/allot", "booking_core", "public_site", "tenants", "billing"]


def test_every_translatable_string_in_the_code_is_translated(tmp_path, settings):
    """makemessages over a copy of the code: a string added or changed without a translation fails here."""
    import contextlib
    import os
    import shutil

    from django.core.management import call_command

    # given: a copy of the code with the catalogs as committed
    checkout = Path(__file__).resolve().parents[1]
    for folder in CODE_FOLDERS:
        shutil.copytree(checkout / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static", "*.pyc"))
    settings.LOCALE_PATHS = [tmp_path / "platform" / "allot" / "locale"]
    # when: the strings are collected again, as docs/translations.md says
    with contextlib.chdir(tmp_path):
        call_command("makemessages", locale=LANGUAGES, verbosity=0, no_obsolete=True)
    # then: every catalog that results is complete
    problems = {}
    for po_path in sorted(tmp_path.rglob("django.po")):
        po = polib.pofile(str(po_path))
        missing = [entry.msgid for entry in po if not entry.obsolete and entry.msgid
                   and ("fuzzy" in entry.flags or not entry.translated())]
        if missing:
            problems[str(po_path.relative_to(tmp_path))] = missing
    assert problems == {}, f"untranslated or fuzzy strings (run makemessages, translate, compilemessages): {problems}"
    assert os.path.exists(tmp_path / "platform" / "allot" / "locale" / "hu" / "LC_MESSAGES" / "django.po")
