# Two targets a fresh clone needs: `make run` (set up; ingest, validate, query and export records/) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STORE ?= filmgraph-store
OUT ?= out

.PHONY: run test setup test-setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/python -m pip install --quiet .

test-setup: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]"

run: setup
	$(BIN)/filmgraph ingest --store $(STORE) records/
	$(BIN)/filmgraph validate --store $(STORE)
	$(BIN)/filmgraph query --store $(STORE) director-filmography --param "director=Nicolas Winding Refn"
	$(BIN)/filmgraph query --store $(STORE) recurring-characters --param series=Pusher
	mkdir -p $(OUT)
	$(BIN)/filmgraph export --store $(STORE) --format turtle -o $(OUT)/films.ttl
	$(BIN)/filmgraph export --store $(STORE) --format trig -o $(OUT)/films.trig
	$(BIN)/filmgraph export --store $(STORE) --format nquads -o $(OUT)/films.nq
	$(BIN)/filmgraph export --store $(STORE) --format ntriples -o $(OUT)/films.nt
	$(BIN)/filmgraph export --store $(STORE) --format jsonld -o $(OUT)/films.jsonld
	$(BIN)/filmgraph stats --store $(STORE)

test: test-setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) $(STORE) $(OUT) build dist
