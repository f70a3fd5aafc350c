#!/usr/bin/env bash
# Set up a machine for fundtrack: system packages (as root, where missing) and a virtualenv.
# Usage: scripts/setup.sh [--test]   (--test also installs what the test suite needs)
set -euo pipefail
cd "$(dirname "$0")/.."
WANT_TEST=0
[ "${1:-}" = "--test" ] && WANT_TEST=1

# WeasyPrint needs Pango; HarfBuzz's subsetter keeps CJK fonts small; Noto CJK prints Chinese.
PKGS="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk"
# The tests drive a real Chromium and read PDFs with poppler.
[ "$WANT_TEST" = 1 ] && PKGS="$PKGS chromium poppler-utils"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "missing system packages:$missing — run this script as root, or: sudo apt-get install$missing" >&2
    exit 1
  fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$WANT_TEST" = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[test,server]"
else
  .venv/bin/python -m pip install -q -e ".[server]"
fi
