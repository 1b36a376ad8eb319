# The two commands of the quick start: `make run` and `make test`. Everything they need is
# installed from here (Debian packages when missing, Python packages into .venv).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app kiosk
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0

.PHONY: run test translations system-deps-run system-deps-test bench clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    - install, migrate, load the Pingyang demo village, serve the kiosk on :$(PORT)"
	@echo "make test   - install what the tests need and run the whole suite"
	@echo "make bench  - sync benchmark (bench/sync_bench.py), prints figures"

# --- system packages -----------------------------------------------------------------------------
APT_UPDATED := /tmp/.kiosk-apt-updated
$(APT_UPDATED):
	$(APT) update -qq
	@touch $@

system-deps-run:
	@python3 -c 'import venv, ensurepip' 2>/dev/null || { $(MAKE) -s $(APT_UPDATED) && $(APT) install python3-venv python3-pip; }

# chromium + CJK fonts for browser tests, postgresql for the township tests, zbar to decode QR
# labels, shellcheck/systemd for the deployment checks, nginx + openssl for the township behind its
# proxy (tests/security), espeak-ng + sox for read-aloud, gettext-free (babel compiles catalogs)
TEST_DEBS := chromium fonts-noto-cjk postgresql libzbar0 zbar-tools shellcheck systemd nginx openssl espeak-ng sox
system-deps-test: system-deps-run
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	ldconfig -p | grep -q libzbar || missing="$$missing libzbar0"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	command -v shellcheck >/dev/null || missing="$$missing shellcheck"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing="$$missing nginx"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v espeak-ng >/dev/null || missing="$$missing espeak-ng"; \
	command -v sox >/dev/null || missing="$$missing sox"; \
	if [ -n "$$missing" ]; then echo "installing Debian packages:$$missing"; \
	  $(MAKE) -s $(APT_UPDATED) && $(APT) install --no-install-recommends $$missing; fi

# --- Python environment ----------------------------------------------------------------------------
$(VENV)/.run-installed: pyproject.toml | system-deps-run
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.run-installed
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

translations: $(VENV)/.run-installed
	@$(FLASK) i18n compile

# the on-screen keyboard's pinyin table, built from the installed packages' data (not committed)
KEYBOARD_TABLE := kiosk/keyboard/data/pinyin.sqlite3
$(KEYBOARD_TABLE): $(VENV)/.run-installed kiosk/keyboard/service.py kiosk/keyboard/vocabulary.py
	$(FLASK) keyboard build

# --- the two commands ------------------------------------------------------------------------------
run: $(VENV)/.run-installed translations $(KEYBOARD_TABLE)
	$(FLASK) db upgrade heads
	$(FLASK) demo load
	$(FLASK) serve --host 127.0.0.1 --port $(PORT) --with-sync-worker

# two workers, each with its own PostgreSQL cluster and Chromium; a test file stays on one worker
# (module fixtures are made once); TEST_WORKERS=0 runs in this process. The slowest tests are listed
# at the end: the whole suite must stay under 15 minutes on two cores
TEST_WORKERS ?= 2
test: system-deps-test $(VENV)/.test-installed translations $(KEYBOARD_TABLE)
	$(FLASK) i18n check
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS)

bench: $(VENV)/.test-installed translations system-deps-test
	$(PY) bench/sync_bench.py

clean:
	rm -rf $(VENV) tests/artefacts .pytest_cache kiosk/keyboard/data
