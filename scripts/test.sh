#!/usr/bin/env bash
# Set up everything the tests need on a fresh Debian machine and run them:
# the full Python environment, PostgreSQL 15 (the tests start their own server), ruff, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "PostgreSQL is missing: run 'sudo apt-get install -y postgresql' first" >&2
        exit 1
    fi
fi
bash scripts/setup.sh --all
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy src
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
