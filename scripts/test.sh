#!/usr/bin/env bash
# One command to run the whole test suite (SQLite and PostgreSQL), after setting up.
# PostgreSQL: FUNDTRACK_TEST_POSTGRES (default postgresql+psycopg://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
scripts/audit.sh
# Two workers: the machines this runs on have two cores.
exec .venv/bin/python -m pytest -n 2 "$@"
