"""Request plumbing shared by every feature: fragment-or-page rendering, errors, health, language."""
from __future__ import annotations

import time

import click
from flask.cli import with_appcontext
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, Flask, abort, current_app, jsonify, make_response, redirect, render_template,
                   request, session, url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from wtforms import Form
from sqlalchemy import text

from .extensions import csrf, db

bp = Blueprint("web", __name__)


def wants_fragment() -> bool:
    """An htmx request that is neither boosted nor a history restore wants only the fragment.

    ``bool(request.htmx)`` is also true for boosted and history-restore requests (docs/pitfalls.md).
    """
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def _has_form_errors(context: dict) -> bool:
    return any(isinstance(v, Form) and v.errors for v in context.values())


def render(page: str, fragment: str | None = None, status: int | None = None, **context):
    """Render the fragment for htmx swaps and the full page otherwise; one URL, both forms.

    The status is 422 when a form in the context has errors (htmx is configured to swap 422s), else
    200, unless the caller says otherwise."""
    template = fragment if fragment and wants_fragment() else page
    if status is None:
        status = 422 if _has_form_errors(context) else 200
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(url: str, status: int = 303):
    """Redirect after a form post. An htmx swap would follow a plain redirect inside its target; ask
    htmx for a real page load instead (204, nothing to swap), so the whole page — and who is signed
    in — changes. Boosted requests and plain browsers get a 303."""
    if wants_fragment():
        return make_response("", 204, {"HX-Redirect": url})
    return redirect(url, status)


def public(view):
    """Mark a view anyone may use without signing in (residents' pages, the notice board, health).
    Every view says who may use it, with this or ``auth.role_required``: tests/test_access.py checks."""
    view.kiosk_access = "public"
    return view


def passive(view):
    """Mark a view that pages call by themselves (status bar, banners, heartbeat): it does not count
    as someone at the screen, so it never keeps an idle kiosk signed in."""
    view.kiosk_passive = True
    return view


def is_passive() -> bool:
    """True when no person asked for this request: a passive view, a static file, or a request the
    page says no input started (kiosk.js: a poll of a page's own panel). Believing that header can
    only end a session sooner, never keep one alive."""
    if request.endpoint in (None, "static") or request.headers.get("X-Kiosk-Passive") == "1":
        return True
    return getattr(current_app.view_functions.get(request.endpoint), "kiosk_passive", False)


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths may be redirect targets."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def is_township() -> bool:
    return current_app.config["KIOSK_ROLE"] == "township"


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True, help="loopback on the kiosk")
@click.option("--port", type=int, default=None, help="default: $PORT or 5000")
@click.option("--threads", type=int, default=8, show_default=True)
@click.option("--with-sync-worker", is_flag=True,
              help="also run `flask sync worker` beside the app, and stop both together (make run)")
def serve_command(host, port, threads, with_sync_worker):
    """Serve the app with waitress: one process, several threads (the kiosk's production server)."""
    from waitress import serve
    app = current_app._get_current_object()
    port = port or app.config["PORT"]
    worker = _start_sync_worker() if with_sync_worker else None
    click.echo(f"serving {app.config['KIOSK_ROLE']} role on http://{host}:{port}"
               + (f" with the sync worker (pid {worker.pid})" if worker else ""))
    try:
        # waitress would strip X-Forwarded-* unless told which proxy to trust (docs/pitfalls.md); it
        # passes them on, and the app believes them only from its trusted proxies (TrustedProxies),
        # the same under every server
        serve(app, host=host, port=port, threads=threads, ident="kiosk", clear_untrusted_proxy_headers=False)
    finally:
        if worker is not None:
            _stop(worker)


_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT",
              "HTTP_X_FORWARDED_PREFIX", "HTTP_FORWARDED")


class TrustedProxies:
    """X-Forwarded-* are believed only from the reverse proxies in front of the app (TRUSTED_PROXIES,
    loopback by default; an empty address is a Unix socket, which only local processes reach), and
    only their last TRUST_PROXY hops (ProxyFix). From anyone else they are dropped: a resident could
    otherwise pick the address their report limit is counted under, or claim HTTPS. Done here rather
    than in waitress or gunicorn, so that every server behaves the same."""

    def __init__(self, app, hops: int, proxies: set[str]):
        from werkzeug.middleware.proxy_fix import ProxyFix
        self.app, self.proxies = app, proxies
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops) if hops else None

    def __call__(self, environ, start_response):
        if self.fixed is not None and environ.get("REMOTE_ADDR", "") in self.proxies:
            return self.fixed(environ, start_response)
        for key in _FORWARDED:
            environ.pop(key, None)
        return self.app(environ, start_response)


def _start_sync_worker():
    """The sync worker in its own process (never in a web worker), with this app's environment."""
    import os
    import subprocess
    import sys
    env = dict(os.environ)
    env.setdefault("KIOSK_DATA_DIR", current_app.instance_path)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "kiosk", "sync", "worker"], env=env)


def _stop(process) -> None:
    import subprocess
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _stylesheets(app: Flask) -> list[str]:
    """Every stylesheet in static/css, the shell's first. All are linked from every page: htmx 2
    swaps only the body on boosted navigation, so a page's own <link> in <head> would never load."""
    folder = Path(app.static_folder) / "css"
    names = sorted(p.name for p in folder.glob("*.css") if p.name != "kiosk.css")
    return ["css/kiosk.css", *(f"css/{n}" for n in names)]


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    sheets = _stylesheets(app)
    app.jinja_env.globals["stylesheets"] = lambda: sheets
    from . import registry
    app.jinja_env.globals["feature_scripts"] = lambda: registry.get(app).scripts
    app.jinja_env.globals["feature_banners"] = lambda: registry.get(app).banners
    # the township server behind a reverse proxy: rate limits need the resident's address, cookies
    # and HSTS whether the resident came over HTTPS (docs/security.md)
    proxies = {a.strip() for a in str(app.config.get("TRUSTED_PROXIES", "127.0.0.1,::1")).split(",")} | {""}
    app.wsgi_app = TrustedProxies(app.wsgi_app, int(app.config.get("TRUST_PROXY") or 0), proxies)
    app.cli.add_command(serve_command)
    app.jinja_env.globals["is_township"] = is_township
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.before_request
    def _no_nul():
        """Nobody types a NUL, and PostgreSQL text cannot hold one (every lookup with it would be a
        500): a request carrying one in its path, query or form is refused before any view runs."""
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.values.items(multi=True)):
            abort(400)

    @app.after_request
    def _headers(response):
        if response.mimetype == "text/html":
            response.vary.add("HX-Request")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure and is_township():
            # reached over HTTPS once, never over plain HTTP again (the kiosk on loopback stays HTTP)
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        # no page may load anything from outside the device
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        return response

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    app.register_error_handler(CSRFError, _csrf_error)


_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This action is not allowed here."),
    413: lambda: _("The upload is too large."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on this device. Nothing you saved before was lost."),
}


def _error_page(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()
    message = getattr(error, "kiosk_message", None) or _MESSAGES.get(code, _MESSAGES[500])()
    return render("errors/error.html", "errors/_error.html", status=code, code=code, message=message)


def _csrf_error(error):
    message = _("This form has expired or did not come from this device. Please open it again.")
    return render("errors/error.html", "errors/_error.html", status=400, code=400, message=message)


@bp.get("/healthz")
@public
@passive
def healthz():
    # also idle-neutral: it is called by the watchdog, never with a session cookie
    db.session.execute(text("SELECT 1"))
    beat = Path(current_app.instance_path) / "heartbeat"
    age = round(time.time() - beat.stat().st_mtime, 1) if beat.exists() else None
    return jsonify(status="ok", role=current_app.config["KIOSK_ROLE"],
                   version=current_app.config["APP_VERSION"], heartbeat_age=age)


@bp.post("/healthz/heartbeat")
@csrf.exempt
@public
@passive
def heartbeat():
    """The kiosk page calls this every 30 s so that a watchdog can tell a frozen browser."""
    if request.remote_addr not in ("127.0.0.1", "::1"):
        return ("", 403)
    (Path(current_app.instance_path) / "heartbeat").touch()
    return ("", 204)


@bp.get("/lang/<code>")
@public
def set_language(code: str):
    if code in ("zh_Hans", "en"):
        session["lang"] = code
    response = redirect(safe_next(request.args.get("next"), url_for("home.index")))
    if code in ("zh_Hans", "en"):
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure)
    return response
