"""Translation catalogs: complete, faithful to their placeholders, compiled, and in step with the code.

The source language is French (message ids are French text); guichet/translations holds the
template messages.pot and one catalog per other language. docs/translating.md says how to update them.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from markupsafe import escape

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "guichet" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGS = ("en", "ar", "es", "pt")
# The very command of docs/translating.md, with the output file left to the caller.
EXTRACT = [
    "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-wrap", "--sort-by-file",
    "--project=Guichet", "--copyright-holder=Guichet",
]  # fmt: skip
EXTRACT_INPUTS = [
    "guichet",
    "api",
    "kiosk",
    "display",
    "counters",
    "admin",
    "scheduler",
    "tracking",
    "reporting",
    "webform",
]
# A %-format conversion: %(name)s, %(n)d, %(x).1f... (named ones are all this project uses).
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def mo_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"


def load_po(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def messages(catalog: Catalog) -> list[Message]:
    """The real entries (no header, no obsolete ones)."""
    return [m for m in catalog if m.id]


def key(message: Message) -> str | tuple[str, ...]:
    """A plural entry is identified by its singular and plural ids together; a pgettext entry by its
    context too (the same French text may need two translations: a clock time and a duration)."""
    ident = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
    context = message.context
    if isinstance(context, bytes):  # babel's read_mo leaves the context undecoded
        context = context.decode("utf-8")
    if context:
        return (context, *ident) if isinstance(ident, tuple) else f"{context}\x04{ident}"
    return ident


def forms(message: Message) -> list[str]:
    s = message.string
    return list(s) if isinstance(s, (list, tuple)) else [s]


def ids(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def placeholders(text: str) -> list[str]:
    """Sorted names of %(name)s placeholders; an unnamed %s counts as '' (%% is a literal percent)."""
    return sorted(m.group(1) or "" for m in PLACEHOLDER.finditer(text.replace("%%", "")))


def show(keys: set) -> str:
    return "\n".join(f"  {k!r}" for k in sorted(keys, key=str))


@pytest.fixture(scope="module")
def pot() -> Catalog:
    return load_po(POT)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    out = tmp_path_factory.mktemp("i18n") / "messages.pot"
    cmd = [sys.executable, "-m", "babel.messages.frontend", "-q", *EXTRACT, "-o", str(out), *EXTRACT_INPUTS]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"pybabel extract failed:\n{done.stdout}\n{done.stderr}"
    return load_po(out)


def test_messages_pot_lists_exactly_the_strings_of_the_code(pot: Catalog, extracted: Catalog) -> None:
    in_code = {key(m) for m in messages(extracted)}
    in_pot = {key(m) for m in messages(pot)}
    missing, stale = in_code - in_pot, in_pot - in_code
    assert not missing and not stale, (
        "guichet/translations/messages.pot is out of date with the code: run the steps of "
        "docs/translating.md (pybabel extract, pybabel update, translate, pybabel compile).\n"
        f"In the code but not in messages.pot ({len(missing)}):\n{show(missing)}\n"
        f"In messages.pot but no longer in the code ({len(stale)}):\n{show(stale)}"
    )


def test_extraction_covers_python_and_jinja_templates(pot: Catalog) -> None:
    files = {path for m in messages(pot) for path, _line in m.locations}
    assert any(f.endswith(".py") for f in files), "no string extracted from Python: check babel.cfg"
    assert any(f.endswith(".html") for f in files), "no string extracted from templates: check babel.cfg"
    assert any(isinstance(m.id, (list, tuple)) for m in messages(pot)), "ngettext plurals not extracted"
    for package in EXTRACT_INPUTS:
        assert any(f.startswith(f"{package}/") for f in files), f"no string extracted from {package}/"


@pytest.mark.parametrize("lang", LANGS)
def test_every_catalog_translates_every_msgid_of_the_pot_without_empty_or_fuzzy_entries(
    lang: str, pot: Catalog
) -> None:
    catalog = load_po(po_path(lang), lang)
    have = {key(m): m for m in messages(catalog)}
    missing = {key(m) for m in messages(pot)} - set(have)
    empty = {k for k, m in have.items() if not all(f.strip() for f in forms(m))}
    fuzzy = {k for k, m in have.items() if m.fuzzy}
    assert not catalog.fuzzy, f"{lang}: the catalog header is marked fuzzy"
    assert not missing, f"{lang}: msgids of messages.pot missing (run pybabel update):\n{show(missing)}"
    assert not empty, f"{lang}: empty translations:\n{show(empty)}"
    assert not fuzzy, f"{lang}: fuzzy translations (check them, then remove the fuzzy flag):\n{show(fuzzy)}"


@pytest.mark.parametrize("lang", LANGS)
def test_plural_entries_fill_every_plural_form_of_the_language(lang: str) -> None:
    catalog = load_po(po_path(lang), lang)
    wrong = {
        key(m): len(forms(m))
        for m in messages(catalog)
        if isinstance(m.id, (list, tuple)) and len(forms(m)) != catalog.num_plurals
    }
    assert not wrong, f"{lang} has {catalog.num_plurals} plural forms; entries with another count: {wrong}"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_are_identical_in_msgid_and_every_translation_and_plural_form(lang: str) -> None:
    catalog = load_po(po_path(lang), lang)
    bad = []
    for m in messages(catalog):
        expected = sorted(set().union(*(placeholders(i) for i in ids(m))))
        for n, text in enumerate(forms(m)):
            if text and sorted(set(placeholders(text))) != expected:
                bad.append(f"  {ids(m)[0]!r} [{n}]: {text!r} has {placeholders(text)}, expected {expected}")
    assert not bad, f"{lang}: placeholders differ from the msgid:\n" + "\n".join(bad)


@pytest.mark.parametrize("lang", LANGS)
def test_translations_format_wherever_their_msgid_formats(lang: str) -> None:
    """Jinja's gettext always applies %: a stray % in a translation would break the page."""
    catalog = load_po(po_path(lang), lang)
    bad = []
    for m in messages(catalog):
        values = {name: "x" for i in ids(m) for name in placeholders(i) if name}
        for text in forms(m):
            try:
                ids(m)[0] % values
            except (KeyError, TypeError, ValueError):
                continue  # the msgid itself is not a format string
            try:
                text % values
            except (KeyError, TypeError, ValueError) as exc:
                bad.append(f"  {text!r}: {exc!r}")
    assert not bad, f"{lang}: translations that cannot be formatted (write a literal % as %%):\n" + "\n".join(
        bad
    )


@pytest.mark.parametrize("lang", LANGS)
def test_committed_mo_file_is_compiled_from_the_current_po(lang: str) -> None:
    assert mo_path(lang).is_file(), f"{mo_path(lang)} is missing: run pybabel compile -d guichet/translations"
    po = load_po(po_path(lang), lang)
    with mo_path(lang).open("rb") as f:
        mo = read_mo(f)
    # pybabel compile leaves fuzzy entries out of the .mo.
    from_po = {key(m): tuple(forms(m)) for m in messages(po) if not m.fuzzy and any(forms(m))}
    from_mo = {key(m): tuple(forms(m)) for m in messages(mo)}
    changed = {k for k in from_po.keys() | from_mo.keys() if from_po.get(k) != from_mo.get(k)}
    assert not changed, (
        f"{lang}: messages.mo differs from messages.po (run pybabel compile -d guichet/translations):\n"
        f"{show(changed)}"
    )
    assert mo.plural_forms == po.plural_forms, f"{lang}: messages.mo has another Plural-Forms header"


def test_every_offered_language_has_a_catalog_and_every_catalog_is_offered() -> None:
    from guichet.web.i18n import LANGUAGES

    on_disk = {p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}
    assert on_disk == set(LANGS)
    assert set(LANGUAGES) - {"fr"} == on_disk, "guichet/web/i18n.py LANGUAGES and the catalogs differ"


@pytest.mark.parametrize("lang", LANGS)
def test_flask_babel_serves_the_catalog_for_accept_language_and_lang_parameter(
    client, world, lang: str
) -> None:
    # `world` makes accounts: on a database without any, the home page leads to the setup page.
    catalog = load_po(po_path(lang), lang)
    home = [
        m
        for m in messages(catalog)
        if any(path.endswith("templates/home.html") for path, _line in m.locations)
        and not placeholders(ids(m)[0])
        and m.string != m.id
    ]
    assert home, "no translated string of home.html to look for"
    for page in (
        client.get("/", headers={"Accept-Language": lang}),
        client.get(f"/?lang={lang}", headers={"Accept-Language": "fr"}),
    ):
        body = page.get_data(as_text=True)
        shown = [m.string for m in home if str(escape(m.string)) in body]
        assert shown, f"no {lang} text on the home page: the catalog is not used"
    french = client.get("/").get_data(as_text=True)
    assert any(str(escape(m.id)) in french for m in home), "without a language asked, pages are French"
