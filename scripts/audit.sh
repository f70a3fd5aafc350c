#!/usr/bin/env bash
# Known vulnerabilities in the installed dependencies (pip-audit against the package index's
# advisory data). Any finding fails the run. Skipped, with a message, only when the index
# cannot answer pip-audit's questions at all (a mirror without the per-release JSON API).
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(.venv/bin/pip-audit --strict --skip-editable --progress-spinner off 2>&1)
status=$?
if [ $status -eq 0 ]; then
  echo "pip-audit: no known vulnerabilities"
  exit 0
fi
if echo "$out" | grep -qi "known vulnerabilit"; then
  echo "$out"
  exit 1
fi
if echo "$out" | grep -qiE "not found on PyPI and could not be audited|ConnectionError|ServiceError|Max retries"; then
  echo "pip-audit SKIPPED: the package index does not answer vulnerability queries here:"
  echo "$out" | head -3
  exit 0
fi
echo "$out"
exit $status
