"""What an agent reads when the proxy does not forward a call: plain words (`adapters.words`),
as a tool result.

Every refusal is a `CallToolResult` with `isError` set, so the model sees it as
the outcome of its call and can adapt (ask for approval, pick another tool),
and nothing about it looks like a transport failure. The decision is also in
`_meta["io.pathguard/decision"]` for clients that want it as data.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types

from pathguard.adapters.words import DECISION_KEY, decision_data, denied_text, waiting_text
from pathguard.runtime import Checked

META_KEY = DECISION_KEY
RESERVED = "io.modelcontextprotocol/"


def text(body: str, *, error: bool, meta: dict[str, Any] | None = None) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=body)], is_error=error,
                                _meta=meta)


def _decision(checked: Checked) -> dict[str, Any]:
    return {META_KEY: decision_data(checked)}


def denied(tool: str, checked: Checked, note: str | None = None) -> types.CallToolResult:
    return text(denied_text(tool, checked, note), error=True, meta=_decision(checked))


def waiting(tool: str, checked: Checked, waited: float | None) -> types.CallToolResult:
    return text(waiting_text(tool, checked, waited), error=True, meta=_decision(checked))


def refused(tool: str, why: str) -> types.CallToolResult:
    """Refused before any decision (no session, no intent yet, upstream gone)."""
    return text(f"pathguard refused `{tool}`: {why}. The call was not sent to the server.", error=True,
                meta={META_KEY: {"effect": "deny", "reasons": [why]}})


def failed(tool: str, why: str) -> types.CallToolResult:
    """The call was allowed and forwarded, but the server did not answer."""
    return text(f"pathguard: `{tool}` was allowed and sent, but {why}.", error=True,
                meta={META_KEY: {"effect": "allow", "reasons": [why]}})


def internal(tool: str, exc: BaseException) -> types.CallToolResult:
    why = f"internal error in the proxy ({type(exc).__name__}: {exc}); it fails closed"
    return refused(tool, why)


def relayed(result: types.CallToolResult) -> types.CallToolResult:
    """The upstream's result as the client gets it: unchanged, except the `_meta` keys the
    protocol reserves (`io.modelcontextprotocol/...`), which describe the proxy's connection to the
    upstream, not the client's to the proxy."""
    meta = result.meta
    if not meta or not any(k.startswith(RESERVED) for k in meta):
        return result
    kept = {k: v for k, v in meta.items() if not k.startswith(RESERVED)}
    return result.model_copy(update={"meta": kept or None})


def outcome(result: types.CallToolResult) -> str:
    """The `result` recorded in the trace: `success`, or `error: <first text>` for an isError result."""
    if not result.is_error:
        return "success"
    first = next((c.text for c in result.content if isinstance(c, types.TextContent)), "")
    first = " ".join(first.split())
    return f"error: {first[:200]}" if first else "error"
