# Two commands do all the set-up: `make demo` runs the coach, `make test` runs the tests.
# Each creates the virtual environment on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench-test serve lint eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/coach demo

serve: $(STAMP)
	$(BIN)/coach serve

# pytest exits 5 when it collected no tests: that must fail, never pass silently.
test: $(STAMP)
	@$(BIN)/python -m pytest -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "ERROR: pytest collected no tests"; exit 1; fi; exit $$rc

# The benchmark's own test (marker `bench`): slow, so `make test` leaves it out; CI runs it.
bench-test: $(STAMP)
	@$(BIN)/python -m pytest -q -m bench $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "ERROR: pytest collected no benchmark tests"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy agent tools knowledge api evals tests

eval: $(STAMP)
	$(BIN)/coach eval --engine offline --out eval-out

bench: $(STAMP)
	$(BIN)/python -m benchmarks.load --out benchmarks/load.json
	$(BIN)/python -m benchmarks.retrieval
	$(BIN)/python -m benchmarks.latency
	$(BIN)/python -m benchmarks.review_tokens --out benchmarks/review_tokens.json

clean:
	rm -rf $(VENV) .coach eval-out
