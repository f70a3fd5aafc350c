#!/usr/bin/env bash
# One command to run fundtrack: set up, load the demo portfolio into SQLite, serve the UI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/fundtrack demo
.venv/bin/fundtrack demo-users
exec .venv/bin/fundtrack serve --port "${PORT:-5000}"
