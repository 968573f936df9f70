# make demo: set up .venv and render the bundled example into output/
# make test: install test extras (and Debian packages the tests need), lint, run every test;
#   without root or Debian, the tests whose system parts are missing are skipped (one line
#   each says why); in CI (CI=true) every test must run: a skipped one fails the run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: demo test lint pytest goldens fuzz system-deps clean bench sheets

$(STAMP): pyproject.toml examples/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c examples/constraints.txt -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -c examples/constraints.txt -e '.[test]'
	touch $@

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -c examples/constraints.txt -e '.[bench]'
	touch $@

demo: $(STAMP)
	$(BIN)/cardgen render
	@echo "open output/ to see the cards; output/manifest.json lists them"

# Debian's fonts and browser, with root; elsewhere what user space allows (see the script).
system-deps: $(TEST_STAMP)
	@VENV_BIN=$(BIN) bash .ci/system-deps

lint: $(TEST_STAMP)
	$(BIN)/ruff check cardgen tests benchmarks
	$(BIN)/mypy

pytest: $(TEST_STAMP) system-deps
	$(BIN)/pytest

test: lint pytest

# Regenerate the golden images after an intended visual change (then look at them!).
goldens: $(TEST_STAMP)
	$(BIN)/pytest tests/test_golden.py tests/test_golden_scripts.py tests/test_examples.py::test_reference_cards_have_the_bytes_the_docker_image_checks --regen-goldens

# Contact sheets for looking at the layouts: per layout, a short, a medium and a long
# sample quote in English, French, Japanese and Arabic on square, portrait, story,
# Pinterest and landscape, written to output/sheets/LAYOUT.png.
sheets: $(STAMP)
	$(BIN)/python -m cardgen.review.sheets output/sheets

# Speed against the Pillow floor, encoders, scaling, cold start: numbers, plots and
# the table in benchmarks/README.md (a few minutes; BENCH_QUICK=1 for a smoke run).
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run

# Fuzz the loaders for FUZZ_SECONDS in all; only CardgenError may come out of them.
FUZZ_SECONDS ?= 600
fuzz: $(TEST_STAMP)
	CARDGEN_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest tests/test_fuzz.py

clean:
	rm -rf $(VENV) output .pytest_cache .mypy_cache .ruff_cache
