"""``flask keyboard build``: the pinyin table, made at install from the installed packages' data."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from . import service


@click.group("keyboard", cls=AppGroup, help="The on-screen keyboard's pinyin dictionary.")
def keyboard_cli():
    pass


@keyboard_cli.command("build")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="where to write it (default: KEYBOARD_DICTIONARY, or the package's data folder)")
def build_command(output: Path | None):
    """Build the pinyin → words table from jieba's and pypinyin's data (run at install)."""
    built = service.build(output or service.dictionary_path())
    click.echo(f"{built.path}: {built.words} words under {built.keys} readings, {built.initials} initials, "
               f"{built.size // 1024} KiB")
