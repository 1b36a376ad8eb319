"""The township as it runs in production, on loopback: Debian's nginx in front (its own prefix and
config in a temporary folder, on free ports, plain HTTP and HTTPS with a self-signed certificate) and
the app under waitress (`flask serve`) or gunicorn, each a subprocess of the test."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited: {log.read_text()[-3000:]}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer: {log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class App:
    """The app under a production server: ``server`` is 'waitress' or 'gunicorn'."""

    def __init__(self, folder: Path, database_url: str, server: str, **env):
        self.folder, self.server, self.port = folder, server, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        outside = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "TRUST")) and k != "DATABASE_URL"}
        self.env = dict(outside, KIOSK_DATA_DIR=str(folder), DATABASE_URL=database_url, SECRET_KEY="proxy-test",
                        **{k: str(v) for k, v in env.items()})

    def start(self) -> "App":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.log = self.folder / f"{self.server}.log"
        if self.server == "waitress":
            command = [sys.executable, "-m", "flask", "--app", "kiosk", "serve", "--port", str(self.port)]
        else:
            # deploy/township/gunicorn.conf.py says the same: nginx on this machine is the proxy
            command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                       "--forwarded-allow-ips", "127.0.0.1", "kiosk:create_app()"]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        wait_until_up(self.url + "/healthz", self.process, self.log)
        return self

    def stop(self) -> None:
        stop(self.process)


class Nginx:
    """nginx proxying to ``upstream`` the way deploy/township/ does: plain HTTP on ``url``, HTTPS on
    ``https_url``. The host is passed with its port ($http_host; deploy/ uses $host on 443), which
    CSRF's same-origin check of HTTPS posts compares with the Referer."""

    def __init__(self, folder: Path, upstream: str):
        self.folder, self.upstream = folder, upstream
        self.port, self.https_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.https_url = f"https://127.0.0.1:{self.https_port}"

    def start(self) -> "Nginx":
        f = self.folder
        f.mkdir(parents=True, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-keyout", str(f / "key.pem"), "-out", str(f / "cert.pem")],
                       check=True, capture_output=True)
        proxy = f"""
            proxy_pass {self.upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;"""
        (f / "nginx.conf").write_text(f"""
daemon off;
master_process off;
pid {f}/nginx.pid;
error_log {f}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {f}/access.log;
    client_body_temp_path {f}/body;
    proxy_temp_path {f}/proxy;
    fastcgi_temp_path {f}/fastcgi;
    uwsgi_temp_path {f}/uwsgi;
    scgi_temp_path {f}/scgi;
    client_max_body_size 20m;
    server {{
        listen 127.0.0.1:{self.port};
        location / {{ {proxy} }}
    }}
    server {{
        listen 127.0.0.1:{self.https_port} ssl;
        ssl_certificate {f}/cert.pem;
        ssl_certificate_key {f}/key.pem;
        location / {{ {proxy} }}
    }}
}}
""")
        self.log = f / "error.log"
        self.log.touch()
        self.process = subprocess.Popen([NGINX, "-p", str(f), "-c", str(f / "nginx.conf"), "-e", str(self.log)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until_up(self.url + "/healthz", self.process, self.log)
        return self

    def stop(self) -> None:
        stop(self.process)
