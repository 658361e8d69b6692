#!/usr/bin/env bash
# Create .venv and install pathguard. `--all` adds the runtime's embedding model, PostgreSQL
# driver, the MCP proxy and the LangGraph adapter, the test tools (CPU torch first, or pip
# would pull a multi-GB CUDA build), and the MCP servers the proxy tests run (npm, pinned).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [[ "${1:-}" == "--all" ]]; then
    .venv/bin/pip install -q torch==2.13.0
    .venv/bin/pip install -q -e '.[intent,postgres,proxy,langgraph,dev]'
    npm ci --prefix tests/proxy/node --no-audit --no-fund --loglevel=error
else
    .venv/bin/pip install -q -e .
fi
