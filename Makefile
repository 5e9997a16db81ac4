# The two commands of the README. Both install what they need (uv, the locked environment).
#   make report   verify the pinned data and build the report of the current edition
#   make test     run the test suite
# and the analyst's everyday commands, for when uv is not on PATH (it is installed under
# ~/.local/bin; add that to PATH to type `uv run levelup ...` yourself):
#   make preview  build, serve on http://127.0.0.1:4200/ and rebuild on save
#   make check    lint the chapters (vars, embeds, cross-references, citations, shortcodes)
#   make findings lists the finding keys a chapter can quote (PATTERN=text to filter)
# EDITION=YEAR picks the edition of report, preview, check and findings.
# Data come from the mirror in $(LEVELUP_DATA_MIRROR) (default ../shared/data when it exists),
# otherwise they are downloaded from their pinned upstream URLs.
# Bytecode is compiled at install time: where PYTHONDONTWRITEBYTECODE is set, every process (and
# every notebook kernel) would otherwise compile pandas, matplotlib and statsmodels from source.

SHELL := /bin/bash
UV_VERSION := 0.13.9
EDITION ?=
export LEVELUP_DATA_MIRROR ?= $(shell [ -d ../shared/data ] && cd ../shared/data && pwd)

UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: report test env lint axe preview check findings

env:
	@command -v uv >/dev/null 2>&1 || [ -x "$(UV)" ] || python3 -m pip install --quiet --user "uv==$(UV_VERSION)"
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(UV) run --frozen python -m compileall -q src

EDITION_ARG = $(if $(EDITION),--edition $(EDITION),)

report: env
	$(UV) run levelup build $(EDITION_ARG)
	@command -v uv >/dev/null 2>&1 || echo "note: uv is in $(dir $(UV)), not on PATH: use make preview / make check, or export PATH=\"$(dir $(UV)):\$$PATH\""

preview: env
	$(UV) run levelup preview $(EDITION_ARG)

check: env
	$(UV) run levelup check $(EDITION_ARG)

findings: env
	$(UV) run levelup findings $(PATTERN) $(EDITION_ARG)

# axe-core (pinned in package.json) for the accessibility tests and gate
axe:
	@[ -f node_modules/axe-core/axe.min.js ] || npm ci --no-audit --no-fund --loglevel=error

test: env axe
	$(UV) run pytest -n 2 --dist loadfile

lint: env
	$(UV) run ruff check .
	$(UV) run ruff format --check .
