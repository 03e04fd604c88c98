# rnnlab: every target creates .venv and installs what it needs on first use.
#   make lab      JupyterLab on the student notebooks
#   make test     lint + every test (unit, gradient checks, nbval, nbgrader round trip, lab smoke test)

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
ASSIGNMENTS := $(notdir $(wildcard solutions/[0-9][0-9]_*))
PYTEST_WORKERS ?= 2
LAB_ARGS ?=
# Jupyter refuses to run as root unless told to (containers, CI).
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

# Notebooks are executed (make outputs, make test) with one BLAS thread, so stored outputs reproduce bit for
# bit, and two pytest workers each driving a kernel do not oversubscribe the cores (OpenBLAS threads spin while
# waiting, which slows notebooks tenfold).
ONE_BLAS_THREAD := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# nbgrader and jupyter call helper programs (alembic, jupyter-*) by name: use the venv's.
export PATH := $(BIN):$(PATH)

.PHONY: lab test lint release outputs clean-venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[course,test]'
	touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(ROOT_ARGS) $(LAB_ARGS)

test: lint
	$(ONE_BLAS_THREAD) $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		tests solutions

lint: $(STAMP)
	$(BIN)/ruff check rnnlab tests

# Regenerate the student release notebooks/ from solutions/ (never edit notebooks/ by hand).
release: $(STAMP)
	for a in $(ASSIGNMENTS); do $(BIN)/nbgrader generate_assignment $$a --force --log-level=WARN || exit 1; done

# Re-execute the solution notebooks to refresh the outputs that nbval compares.
outputs: $(STAMP)
	$(ONE_BLAS_THREAD) $(BIN)/python -m rnnlab.grading.outputs solutions/*/*.ipynb

clean-venv:
	rm -rf $(VENV)
