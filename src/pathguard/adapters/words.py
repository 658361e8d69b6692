"""What an agent reads when its tool call did not run: the same plain words from the MCP proxy
and from every framework adapter, so a model (and its developer) learns them once."""

from __future__ import annotations

from typing import Any

from pathguard.runtime import Checked

#: Where a decision travels as data (MCP `_meta` key, LangChain message artifact key).
DECISION_KEY = "io.pathguard/decision"


def decision_data(checked: Checked) -> dict[str, Any]:
    return {"id": checked.id, "endpoint": checked.endpoint, "effect": str(checked.effect),
            "reasons": checked.texts, "approval_id": checked.approval_id}


#: How the proxy says a call did not happen; an in-process adapter says `the tool did not run`.
NOT_SENT = "the call was not sent to the server"


def denied_text(tool: str, checked: Checked, note: str | None = None, not_run: str = NOT_SENT) -> str:
    lines = [f"pathguard denied `{tool}`: {not_run}.", "Why:"]
    lines += [f"- {reason}" for reason in checked.texts]
    if note:
        lines.append(note)
    lines.append(f"(decision {checked.id})")
    return "\n".join(lines)


def waiting_text(tool: str, checked: Checked, waited: float | None = None, not_run: str = NOT_SENT) -> str:
    """An `approval` decision: the request is open; the call did not run."""
    number = checked.approval_id
    lines = [f"pathguard: `{tool}` needs an approval; {not_run}.", "Why:"]
    lines += [f"- {reason}" for reason in checked.texts]
    if waited is not None:
        lines.append(f"Waited {waited:g} s for an approver; none decided.")
    lines.append(f"Request #{number} is open: a person approves it out of band "
                 f"(`pathguard approvals list`, `pathguard approvals approve {number} ...`). "
                 f"Once it is approved, call `{tool}` again with exactly the same arguments: the grant "
                 "covers that one call, once.")
    lines.append(f"(decision {checked.id})")
    return "\n".join(lines)
