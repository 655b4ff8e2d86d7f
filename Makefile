# Every target bootstraps .venv itself; a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench train train-brief train-qa lock clean

$(STAMP): requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/briefbot run $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/qa.py
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/repoll.py
	$(BIN)/python bench/write_lock.py
	$(BIN)/python bench/slowloris.py
	$(BIN)/python bench/limits.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/digest.py
	$(BIN)/python bench/scheduler.py
	$(BIN)/python bench/qa.py --scale 50000

# Rebuild every learned file from ../shared/silver (settings chosen on ../shared/dev-set);
# seeded, so the same data gives the same files, which are committed.
train: train-brief train-qa

# The brief's learned models (summarizer/local/models/).
train-brief: $(STAMP)
	$(BIN)/python -m summarizer.local.training

# The answerer's ranker and "I don't know" confidence (summarizer/qa/model.json).
train-qa: $(STAMP)
	$(BIN)/python bench/qa_train.py

# Maintainers: re-resolve the hash-pinned locks after changing pins in pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes pyproject.toml -o requirements.lock
	$(BIN)/uv pip compile --python-version 3.11 --generate-hashes --extra dev pyproject.toml -o requirements-dev.lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
