"""``flask sync …``: the commands the kiosk's systemd units and the installer call."""
from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from . import client, cursor


def _echo_result(r: client.Result) -> None:
    line = (f"{r.outcome}: pushed {r.pushed}, pulled {r.pulled}, conflicts {r.conflicts}, files up {r.blobs_up} / "
            f"down {r.blobs_down}, {r.requests} request(s), {r.bytes_up} B up / {r.bytes_down} B down")
    click.echo(line)
    if r.code and r.outcome != "ok":
        click.echo(f"  {r.code}: {r.message}", err=True)
    for note in r.notes:
        click.echo(f"  {note}")


@click.group("sync", cls=AppGroup, help="Replication with the township server.")
def sync_cli():
    pass


@sync_cli.command("once")
def sync_once_command():
    """One full push and pull. Exit code: 0 ok, 1 offline, 2 refused, 3 not enrolled, 4 busy, 5 error."""
    result = client.sync_once()
    _echo_result(result)
    sys.exit(result.exit_code)


@sync_cli.command("worker")
def sync_worker_command():
    """Run the sync worker (its own process): every SYNC_INTERVAL seconds with jitter, and at once on `sync now`."""
    from .worker import run_worker
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    sys.exit(run_worker(current_app._get_current_object()))


@sync_cli.command("now")
def sync_now_command():
    """Ask the running worker to sync at once. Exit code 1 when no worker is running."""
    if client.request_sync_now():
        click.echo("asked the sync worker to sync now")
        return
    click.echo("no sync worker is running; it will sync when it starts (or run `flask sync once`)", err=True)
    sys.exit(1)


@sync_cli.command("enroll")
@click.option("--server", "server_url", required=True, help="the township server, e.g. https://fire.example.cn")
@click.option("--code", required=True, help="the one-time enrolment code from the township")
@click.option("--label", default="", help="a name for this kiosk on the township's device list")
@click.option("--force", is_flag=True, help="enrol again although already enrolled")
def sync_enroll_command(server_url, code, label, force):
    """Exchange a one-time code for this kiosk's own credential."""
    try:
        st = client.enroll(server_url, code, label=label, force=force)
    except client.SyncError as e:
        raise click.ClickException(f"{e.code}: {e.message}")
    click.echo(f"enrolled with {st.server_url} as device {st.device_id} for village {st.village_code}")


@sync_cli.command("status")
def sync_status_command():
    """Enrolment, last sync, changes waiting, clock offset."""
    s = client.summary()
    st = s["state"]
    if not s["enrolled"]:
        click.echo(f"not enrolled; {s['pending']} change(s) waiting")
        sys.exit(3)
    click.echo(f"server:       {st.server_url}")
    click.echo(f"device:       {st.device_id} (village {st.village_code})")
    click.echo(f"last success: {st.last_success_at or 'never'} (device clock, UTC)")
    if st.last_error:
        click.echo(f"last error:   {st.last_error}: {st.last_error_detail}")
    if st.offline_since:
        click.echo(f"offline since {st.offline_since} (device clock, UTC)")
    click.echo(f"waiting:      {s['pending']} change(s), {s['files']} file(s)")
    click.echo(f"conflicts:    {s['conflicts']} to settle")
    if st.clock_offset_s is not None:
        click.echo(f"clock:        {st.clock_offset_s:+.1f} s against the township")
    click.echo(f"cursors:      pushed up to {st.push_acked}, pulled up to {cursor.text(st.pull_cursor)}")
