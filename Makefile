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

ASSIGNMENTS := optim_reg norm_sched

# Regenerate every assignment's notebooks and run them in a real Jupyter kernel, then grade each assignment's
# solution and template: full marks and zero, into dist/demo/<assignment>/.
demo: setup
	$(BIN)/autograder build --verify
	for name in $(ASSIGNMENTS); do \
		$(BIN)/autograder grade solutions/$$name.ipynb student_template/$$name.ipynb --assignment $$name \
			--out dist/demo/$$name || exit 1; \
	done

test: setup
	$(BIN)/python -m pytest
