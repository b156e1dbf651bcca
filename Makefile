# Set-up is part of every entry point: each target installs what is missing, idempotently.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := make s3270 unixodbc odbc-postgresql libsqliteodbc odbc-mariadb \
	openssh-server openssh-client chromium postgresql redis-server hercules
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint setup apt venv bench clean soap-peer

run: setup
	$(VENV)/bin/mainbridge serve --demo

test: setup soap-peer
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

setup: apt venv

# Installs only the Debian packages that are missing; a no-op (about 0.1 s) once all are there.
apt:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed

# node-soap, the independent SOAP server the SOAP tests cross-check zeep against.
soap-peer: tests/soap/node_modules/.installed

tests/soap/node_modules/.installed: tests/soap/package.json
	command -v npm >/dev/null || ($(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		$(SUDO) apt-get install -y -q --no-install-recommends nodejs npm)
	cd tests/soap && npm install --no-audit --no-fund --silent
	touch $@

$(VENV)/.installed: pyproject.toml
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

bench: setup
	for b in bench/*.py; do $(PY) $$b --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
