# Two entry points, both safe on a fresh machine: `make demo` and `make test`.
# Everything is installed into .venv; torch is pinned to the 2.13.0 CPU build.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup demo test

$(BIN)/autograder: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[jupyter,otter,test]"
	touch $@

setup: $(BIN)/autograder

# Regenerate the notebooks, run both in a real Jupyter kernel, then grade them: full marks and zero.
demo: setup
	$(BIN)/autograder build --verify
	$(BIN)/autograder grade solutions/optim_reg.ipynb student_template/optim_reg.ipynb --assignment optim_reg --out dist/demo

test: setup
	$(BIN)/python -m pytest
