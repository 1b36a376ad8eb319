"""gunicorn for the township server (its production server): several worker processes, behind nginx.

    gunicorn -c deploy/township/gunicorn.conf.py

Every worker opens its own database connections (no preloading); sync stays correct across workers
because the township serialises what must be serial in PostgreSQL itself (the change-log counter row,
the enrolment code row), never in a process. Sync jobs never run here: kiosks sync, the township only
answers. Settings come from the environment, as the app's do (README: KIOSK_ROLE=township,
DATABASE_URL, SECRET_KEY, KIOSK_DATA_DIR, TRUST_PROXY=1 behind nginx).
"""
import multiprocessing
import os

wsgi_app = "kiosk:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# CPU-bound work (compression, JSON) in processes; threads cover slow links and PostgreSQL round trips
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 4))
# a 4 MB push over a slow 4G link in the hills, and a photo chunk, fit well inside this
timeout = 120
graceful_timeout = 30
keepalive = 5
# workers are replaced now and then, with jitter, so that none grows old together
max_requests = 5000
max_requests_jitter = 500
# nginx on the same machine; the app reads X-Forwarded-For through ProxyFix (TRUST_PROXY=1)
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
