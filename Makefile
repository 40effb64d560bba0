# CivicGrid: `make run` sets everything up and serves the demo city; `make test` runs every test.
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: setup run test lint bench screenshots clean

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

setup: $(VENV)/.installed
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py build_demo_city --if-missing
	$(PY) manage.py simulate_history --days 90 --if-empty

run: setup
	$(PY) manage.py demo_info --port $(PORT)
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed
	bash scripts/test.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) bench/locate.py

screenshots: $(VENV)/.installed
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) var
