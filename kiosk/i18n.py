"""Languages: Simplified Chinese first, English one tap away.

Catalogs live in one folder per feature (``kiosk/translations`` for the shell, and
``kiosk/<feature>/translations``), so that features own their strings; Flask-Babel merges them.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask import Flask, has_request_context, request, session
from flask_babel import get_locale

from .extensions import babel

KIOSK_DIR = Path(__file__).resolve().parent
LANGS = ("zh_Hans", "en")


def translation_dirs() -> list[Path]:
    dirs = [KIOSK_DIR / "translations"]
    dirs += sorted(p for p in KIOSK_DIR.glob("*/translations") if p.is_dir())
    return dirs


def select_locale() -> str:
    """Explicit choice first, then any Chinese tag, then English; Chinese when nothing fits.

    ``best_match`` would pick English for ``zh-CN,zh;q=0.9,en;q=0.8`` (PITFALLS.md).
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


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        # later catalogs override earlier ones: the shell's comes last so its wording wins
        default_translation_directories=";".join(str(d) for d in reversed(translation_dirs())),
    )
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    app.cli.add_command(i18n_cli)


@click.group("i18n", cls=AppGroup, help="Translation catalogs: extract, update, compile, check.")
def i18n_cli():
    pass


def _catalog_roots(feature: str | None = None):
    """(name, source paths, translations folder) for each catalog: the shell's, then each feature's."""
    features = {t.parent.name: t for t in KIOSK_DIR.glob("*/translations") if t.is_dir()}
    skip = {"templates", "static", "translations", "__pycache__"}
    core = list(KIOSK_DIR.glob("*.py"))
    core += [p for p in sorted(KIOSK_DIR.iterdir()) if p.is_dir() and p.name not in features.keys() | skip]
    core += [p for p in sorted((KIOSK_DIR / "templates").iterdir()) if p.name not in features]
    roots = [("core", core, KIOSK_DIR / "translations")]
    roots += [(name, [KIOSK_DIR / name, KIOSK_DIR / "templates" / name], tdir)
              for name, tdir in sorted(features.items())]
    return [(n, [s for s in src if s.exists()], t) for n, src, t in roots if feature in (None, n)]


def _extract(sources, pot: Path) -> None:
    cfg = KIOSK_DIR.parent / "babel.cfg"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(cfg),
                    "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "--no-location", "--sort-output", "-o", str(pot),
                    *map(str, sources)], check=True, capture_output=True)


@i18n_cli.command("update")
@click.argument("feature", required=False)
def i18n_update(feature):
    """Extract strings and update the .po files (all catalogs, or one feature's)."""
    for name, sources, tdir in _catalog_roots(feature):
        pot = tdir / "messages.pot"
        tdir.mkdir(parents=True, exist_ok=True)
        _extract(sources, pot)
        for lang in LANGS:
            po = tdir / lang / "LC_MESSAGES" / "messages.po"
            verb = "update" if po.exists() else "init"
            args = ["-i", str(pot), "-d", str(tdir), "-l", lang]
            if verb == "update":
                args.append("--no-fuzzy-matching")
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", verb, *args], check=True)
        click.echo(f"updated {name}: {tdir}")


@i18n_cli.command("compile")
def i18n_compile():
    """Compile every catalog (.po -> .mo). Run at install and before tests."""
    for tdir in translation_dirs():
        if any(tdir.glob("*/LC_MESSAGES/messages.po")):
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "compile", "-d", str(tdir)],
                           check=True)
    click.echo("compiled " + ", ".join(str(d.relative_to(KIOSK_DIR.parent)) for d in translation_dirs()))


def untranslated(lang: str = "zh_Hans") -> list[str]:
    """Messages that would show untranslated: empty or fuzzy in any catalog of ``lang``."""
    from babel.messages.pofile import read_po
    missing = []
    for tdir in translation_dirs():
        po = tdir / lang / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if not message.id:
                continue
            text = message.string
            empty = not any(text) if isinstance(text, tuple) else not text
            if empty or message.fuzzy:
                missing.append(f"{po.relative_to(KIOSK_DIR.parent)}: {message.id!r}")
    return missing


def conflicting(lang: str = "zh_Hans") -> list[str]:
    """The same English message translated differently in two catalogs: one would silently win."""
    from babel.messages.pofile import read_po
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for tdir in translation_dirs():
        po = tdir / lang / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue
        with po.open("rb") as f:
            for m in read_po(f):
                if not m.id or not m.string or isinstance(m.id, tuple):
                    continue
                where = str(po.relative_to(KIOSK_DIR.parent))
                if m.id in seen and seen[m.id][0] != m.string:
                    clashes.append(f"{m.id!r}: {seen[m.id][0]!r} in {seen[m.id][1]} but {m.string!r} in {where}")
                seen.setdefault(m.id, (m.string, where))
    return clashes


@i18n_cli.command("check")
def i18n_check():
    """Fail when any Chinese message is missing or fuzzy."""
    missing = untranslated() + not_in_catalogs() + conflicting()
    for line in missing:
        click.echo(line)
    if missing:
        raise SystemExit(1)
    click.echo("all messages translated")




def not_in_catalogs(lang: str = "zh_Hans") -> list[str]:
    """Strings in the source that no catalog of ``lang`` carries (someone forgot `i18n update`)."""
    import tempfile
    from babel.messages.pofile import read_po
    known = set()
    for tdir in translation_dirs():
        po = tdir / lang / "LC_MESSAGES" / "messages.po"
        if po.exists():
            with po.open("rb") as f:
                known |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    missing = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, sources, _tdir in _catalog_roots():
            pot = Path(tmp) / f"{name}.pot"
            _extract(sources, pot)
            with pot.open("rb") as f:
                for m in read_po(f):
                    mid = m.id if isinstance(m.id, str) else (m.id[0] if m.id else "")
                    if mid and mid not in known:
                        missing.append(f"{name}: {mid!r}")
    return missing
