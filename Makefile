# Two commands do all the set-up on a fresh clone: `make demo` and `make test`.
# Both create .venv if missing and install everything through constraints.txt.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install browser demo test lint bench bench-quick fuzz clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Chromium for the HTML report's browser test (Debian, as root; skipped quietly elsewhere).
browser:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && apt-get install -y -qq chromium) || true

demo: install
	$(VENV)/bin/weightfit demo

lint: install
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# two worker processes: the machine's two cores (pytest-xdist)
test: lint browser
	$(VENV)/bin/pytest -n 2

# two checks that are not ratios (the split detector's false-alarm and detection rates, one
# series of 10 million prices end to end), then the ratios against references (results.md),
# which end with issue 11's targets: target, measured, met
bench: install
	$(PYTHON) benchmarks/splits.py --series 100
	$(PYTHON) benchmarks/long_series.py --rows 10000000
	$(PYTHON) benchmarks/run.py

bench-quick: install
	$(PYTHON) benchmarks/splits.py --series 10
	$(PYTHON) benchmarks/long_series.py --rows 100000
	$(PYTHON) benchmarks/run.py --quick

# read_prices on generated and byte-mutated files, for minutes: WF_FUZZ_BATCHES processes of
# WF_FUZZ_EXAMPLES examples each; an exception other than DataError, a crash or a hang fails
fuzz: install
	WF_FUZZ_BATCHES=$${WF_FUZZ_BATCHES:-8} WF_FUZZ_EXAMPLES=$${WF_FUZZ_EXAMPLES:-1000} \
		$(VENV)/bin/pytest tests/test_read_fuzz.py -q -k batch

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
