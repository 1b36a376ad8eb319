"""``flask backup`` and ``flask restore``: the technician's commands.

The work itself lives in :mod:`kiosk.maintenance.backup` (plain functions on paths, no Flask
needed), so the USB-stick service and the tests can use it directly.
"""
from __future__ import annotations

import os
import socket

import click
from flask import current_app
from flask.cli import with_appcontext

from . import backup as _backup


def _db_path() -> str:
    uri = current_app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    try:
        return _backup.sqlite_path_from_uri(uri)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


def _blobs_dir() -> str:
    return os.path.join(current_app.instance_path, "blobs")


def _app_is_listening(port: int) -> bool:
    """True when something answers on the loopback port the web app uses."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@click.command("backup")
@click.option("--to", "dest", required=True, type=click.Path(file_okay=False),
              help="Folder to write the backup into (created if missing).")
@click.option("--keep", default=14, show_default=True, type=click.IntRange(min=1),
              help="Number of database backups to keep in the folder (newest first).")
@with_appcontext
def backup_command(dest: str, keep: int) -> None:
    """Back up the SQLite database (sqlite backup API) and the photo blobs."""
    try:
        result = _backup.backup(_db_path(), _blobs_dir(), dest, keep=keep)
    except _backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"database backup: {result.db_file} ({result.db_bytes} bytes, integrity ok)")
    click.echo(f"blobs: {result.blobs_copied} copied, {result.blobs_present} already there"
               + (f", {len(result.blobs_skipped)} skipped (see warnings)" if result.blobs_skipped else ""))
    for name in result.blobs_skipped:
        click.echo(f"warning: blob not copied (content does not match its name): {name}", err=True)
    if result.removed:
        click.echo(f"removed {len(result.removed)} old backup(s): " + ", ".join(result.removed))


@click.command("restore")
@click.option("--from", "source", required=True,
              type=click.Path(exists=True, dir_okay=False),
              help="A kiosk-*.db file written by 'flask backup'.")
@click.option("--force", is_flag=True,
              help="Restore even though something answers on the app's port.")
@with_appcontext
def restore_command(source: str, force: bool) -> None:
    """Replace the database with a backup (stop the app and sync worker first).

    The backup is integrity-checked before anything is touched; the current
    database is moved aside (kiosk.db.before-restore-*) rather than deleted.
    Blobs found next to the backup file are copied back when missing.
    """
    port = int(os.environ.get("PORT") or 5000)
    if not force and _app_is_listening(port):
        raise click.ClickException(
            f"something answers on 127.0.0.1:{port}; stop the app first "
            "(systemctl stop village-kiosk-browser village-kiosk-web village-kiosk-sync) "
            "or pass --force")
    try:
        result = _backup.restore(source, _db_path(), _blobs_dir())
    except _backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {source} -> {result.db_file}")
    if result.moved_aside:
        click.echo("previous database kept as: " + ", ".join(result.moved_aside))
    click.echo(f"blobs: {result.blobs_copied} copied back")
