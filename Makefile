# The two commands of the README. Both install what they need (uv, the locked environment).
#   make report   verify the pinned data and build the report of the current edition
#   make test     run the test suite
# Data come from the mirror in $(LEVELUP_DATA_MIRROR) (default ../shared/data when it exists),
# otherwise they are downloaded from their pinned upstream URLs.
# Bytecode is compiled at install time: where PYTHONDONTWRITEBYTECODE is set, every process (and
# every notebook kernel) would otherwise compile pandas, matplotlib and statsmodels from source.

SHELL := /bin/bash
UV_VERSION := 0.13.9
EDITION ?=
export LEVELUP_DATA_MIRROR ?= $(shell [ -d ../shared/data ] && cd ../shared/data && pwd)

UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: report test env lint axe

env:
	@command -v uv >/dev/null 2>&1 || [ -x "$(UV)" ] || python3 -m pip install --quiet --user "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(UV) run --frozen python -m compileall -q src

report: env
	$(UV) run levelup build $(if $(EDITION),--edition $(EDITION),)

# axe-core (pinned in package.json) for the accessibility tests and gate
axe:
	@[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --loglevel=error

test: env axe
	$(UV) run pytest -n 2 --dist loadfile

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .
