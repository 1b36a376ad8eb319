"""Languages: Simplified Chinese first, English one tap away.

One catalog per language, ``kiosk/translations/<lang>/LC_MESSAGES/messages.po``, holding every string
of the shell and every feature once. ``flask i18n update`` extracts them from the Python files and
templates under kiosk/; ``flask i18n check`` (run by ``make test``) fails on anything untranslated or
fuzzy. Compiled catalogs are built at install and never committed.
"""
from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_time, get_locale, get_timezone

from .extensions import babel

KIOSK_DIR = Path(__file__).resolve().parent
TRANSLATIONS = KIOSK_DIR / "translations"
LANGS = ("zh_Hans", "en")


def catalog_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def select_locale() -> str:
    """Explicit choice first, then any Chinese tag, then English; Chinese when nothing fits.

    ``best_match`` would pick English for ``zh-CN,zh;q=0.9,en;q=0.8`` (docs/pitfalls.md).
    """
    if not has_request_context():
        return "zh_Hans"
    choice = request.args.get("lang") or session.get("lang") or request.cookies.get("lang")
    if choice in LANGS:
        return choice
    for tag, _quality in request.accept_languages:
        tag = tag.lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return "zh_Hans"


def html_lang() -> str:
    """BCP-47 for ``<html lang>``."""
    return "zh-Hans" if str(get_locale()) == "zh_Hans" else "en"


def translated(labels: dict) -> dict:
    """A mapping of lazy labels (``{"ebike": _l("E-bike")}``) in the reader's language, translated once a
    request: a list of fifty rows reads each row's label from it instead of asking gettext fifty times.
    Outside a request, the lazy labels themselves."""
    if not has_request_context():
        return labels
    done = g.setdefault("translated_labels", {})
    # keyed by identity, the mapping itself kept beside its translation so that its id is not reused
    entry = done.get(id(labels))
    if entry is None:
        entry = done[id(labels)] = (labels, {key: str(label) for key, label in labels.items()})
    return entry[1]


def remembered(format_value):
    """A date filter that formats each (value, format, language, time zone) once, not once a row.

    Babel formats a date in ~0.1 ms here, and a list of fifty hazards formats a hundred of them on
    every render: the same rows, again and again, on a kiosk's screen. ``None`` means "now", which is
    never the same twice, so it is never remembered.
    """
    @functools.lru_cache(maxsize=4096)
    def formatted(value, _its_zone, format, rebase, _language, _zone):
        return format_value(value, format, rebase)  # in the language and zone the key names

    def date_filter(value=None, format=None, rebase=True):
        if value is None:
            return format_value(value, format, rebase)
        # the value's own zone too: one instant in two zones is equal, but not rebased it reads apart
        return formatted(value, getattr(value, "tzinfo", None), format, rebase, str(get_locale()),
                         str(get_timezone()))

    date_filter.cache_info = formatted.cache_info
    return date_filter


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
    app.jinja_env.filters.update(dateformat=remembered(format_date), datetimeformat=remembered(format_datetime),
                                 timeformat=remembered(format_time))
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.cli.add_command(i18n_cli)


@click.group("i18n", cls=AppGroup, help="Translation catalogs: extract, update, compile, check.")
def i18n_cli():
    pass


def _extract(pot: Path) -> None:
    cfg = KIOSK_DIR.parent / "babel.cfg"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(cfg),
                    "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "--no-location",
                    "--sort-output", "-o", str(pot), str(KIOSK_DIR)], check=True, capture_output=True)


def _read(path: Path):
    from babel.messages.pofile import read_po
    with path.open("rb") as f:
        return read_po(f)


@i18n_cli.command("update")
def i18n_update():
    """Extract every string under kiosk/ and update both catalogs (new strings come untranslated)."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        _extract(pot)
        for lang in LANGS:
            verb = "update" if catalog_path(lang).exists() else "init"
            args = ["-i", str(pot), "-d", str(TRANSLATIONS), "-l", lang, "-w", "100"]
            if verb == "update":
                args += ["--no-fuzzy-matching", "--ignore-obsolete"]
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", verb, *args], check=True)
    click.echo(f"updated {TRANSLATIONS.relative_to(KIOSK_DIR.parent)}")


@i18n_cli.command("compile")
def i18n_compile():
    """Compile both catalogs (.po -> .mo). Run at install and before tests."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "compile", "-d", str(TRANSLATIONS)],
                   check=True)
    click.echo(f"compiled {TRANSLATIONS.relative_to(KIOSK_DIR.parent)}")


def untranslated(lang: str = "zh_Hans") -> list[str]:
    """Messages that would show untranslated: empty or fuzzy. (The English catalog may leave a
    message empty: its msgid is the English text.)"""
    missing = []
    for message in _read(catalog_path(lang)):
        if not message.id:
            continue
        text = message.string
        empty = not all(text) if isinstance(text, tuple) else not text
        if (empty and lang != "en") or message.fuzzy:
            missing.append(f"{lang}: {message.id!r}")
    return missing


def not_in_catalog(lang: str = "zh_Hans") -> list[str]:
    """Strings in the source that the catalog does not carry (someone forgot `i18n update`)."""
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in _read(catalog_path(lang)) if m.id}
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        _extract(pot)
        found = [m.id if isinstance(m.id, str) else m.id[0] for m in _read(pot) if m.id]
    return [f"{lang}: {mid!r} is not in the catalog" for mid in found if mid not in known]


@i18n_cli.command("check")
def i18n_check():
    """Fail when any message is missing, untranslated or fuzzy, in either language."""
    missing = [line for lang in LANGS for line in untranslated(lang) + not_in_catalog(lang)]
    for line in missing:
        click.echo(line)
    if missing:
        raise SystemExit(1)
    click.echo("all messages translated")
