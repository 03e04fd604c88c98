# rnnlab: every target creates .venv and installs what it needs on first use.
#   make lab          JupyterLab for students, on workspace/ (your copy of notebooks/)
#   make instructor   JupyterLab for instructors, on the course directory, with nbgrader's formgrader
#   make test         lint + every test (unit, gradient checks, nbval, nbgrader round trip, grader, browser)

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
STUDENT_STAMP := $(VENV)/.installed-course
ASSIGNMENTS := $(notdir $(wildcard solutions/[0-9][0-9]_*))
PYTEST_WORKERS ?= 2
LAB_ARGS ?=
WORKSPACE ?= workspace
# Jupyter refuses to run as root unless told to (containers, CI).
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

# Notebooks run with default environment variables everywhere (lab, tests, make outputs): importing rnnlab limits
# numpy's BLAS to one thread itself, which is what keeps small-matrix notebooks fast on two cores.

# nbgrader and jupyter call helper programs (alembic, jupyter-*) by name: use the venv's.
export PATH := $(BIN):$(PATH)

.PHONY: lab instructor test lint release outputs clean-venv

# Students get the course; instructors and tests also get the grader's engine (dask) and the test tools.
$(STUDENT_STAMP): pyproject.toml constraints.txt
	@echo "Installing the course's packages into $(VENV) (first run only, about a minute)..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on --disable-pip-version-check -c constraints.txt -e '.[course]'
	touch $@

$(STAMP): pyproject.toml constraints.txt
	@echo "Installing the course's, the grader's and the tests' packages into $(VENV) (first run only)..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar on --disable-pip-version-check -c constraints.txt \
		-e '.[course,instructor,test]'
	touch $@ $(STUDENT_STAMP)

lab: $(STUDENT_STAMP)
	$(BIN)/python -m rnnlab.lab --workspace $(WORKSPACE) $(ROOT_ARGS) $(LAB_ARGS)

instructor: $(STAMP)
	$(BIN)/python -m rnnlab.lab --instructor $(ROOT_ARGS) $(LAB_ARGS)

test: lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 \
		--nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
		tests solutions

lint: $(STAMP)
	$(BIN)/ruff check rnnlab tests benchmarks scripts

# Regenerate the student release notebooks/ from solutions/ (never edit notebooks/ by hand).
release: $(STAMP)
	for a in $(ASSIGNMENTS); do $(BIN)/nbgrader generate_assignment $$a --force --log-level=WARN || exit 1; done

# Re-execute the solution notebooks to refresh the outputs that nbval compares.
outputs: $(STAMP)
	$(BIN)/python -m rnnlab.grading.outputs solutions/*/*.ipynb

clean-venv:
	rm -rf $(VENV)
