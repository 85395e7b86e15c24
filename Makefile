# Every target works on a fresh machine: it makes .venv and installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench lint install clean

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The demo warehouse on embedded SQLite with simulated carriers, on http://$(HOST):$(PORT)
# (`make run PORT=8001` when 8000 is taken; HOST=0.0.0.0 to be reached from other machines).
run: $(STAMP)
	$(BIN)/wms init --demo
	$(BIN)/wms run --host $(HOST) --port $(PORT)

# The whole suite; PostgreSQL tests skip with a reason when no server answers (they fail instead under CI=true).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/wms bench

# Style, the layering contracts of setup.cfg [importlinter], and the count of import cycles (it must be 0).
lint: $(STAMP)
	$(BIN)/ruff check wms devices tests tools
	$(BIN)/lint-imports
	$(BIN)/python tools/import_cycles.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
