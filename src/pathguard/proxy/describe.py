"""The policy's constraints on one endpoint, in words, for `--describe-policy`.

Appended to a tool's description in `tools/list`, so a model plans around the
policy instead of discovering it one denial at a time. It lists the clauses
that can touch this endpoint (layer-1 rules, critical, budget limits, forbidden
sequences ending in it, the intent review); it does not predict a decision,
which depends on the session's history.
"""

from __future__ import annotations

from pathguard.policy.compile import CompiledPolicy


def constraints(policy: CompiledPolicy, endpoint: str) -> list[str]:
    plan = policy.plans.get(endpoint)
    if plan is None:
        return ["not described by the proxy's world model: every call is denied"]
    spec = policy.spec
    out: list[str] = []
    for rule in plan.rules:
        when = spec.rules[rule.number - 1].when if spec is not None else None
        condition = f" when `{when}`" if when else ""
        out.append(f"{rule.effect}{condition} ({rule.reason.text})")
    if not plan.rules and policy.default.name != "ALLOW":
        out.append(f"{policy.default} by default")
    if plan.critical:
        limit = f", at most {policy.max_critical} per window" if policy.max_critical is not None else ""
        out.append(f"critical: needs approval{limit}")
    limits = []
    if policy.max_actions is not None:
        limits.append(f"{policy.max_actions} actions")
    if not plan.is_read and policy.max_writes is not None:
        limits.append(f"{policy.max_writes} writes")
    if limits:
        minutes = f"{policy.window_seconds / 60:g}"
        text = f"budget: {' and '.join(limits)} per {minutes} min"
        if not plan.is_read and policy.read_only_at is not None:
            text += f"; read-only once {float(policy.read_only_at):.0%} is used"
        out.append(text)
    names = policy.endpoint_names
    for entry in plan.forbidden:
        after = "directly after" if entry.within == 1 else f"within {entry.within} calls after"
        out.append(f"{entry.effect} {after} `{names[entry.first]}` ({entry.reason.text})")
    if policy.intent_threshold is not None and not plan.is_read:
        out.append("needs approval once the session strays from its declared intent")
    return out


def annotate(description: str | None, policy: CompiledPolicy, endpoint: str) -> str:
    found = constraints(policy, endpoint)
    if not found:
        return description or ""
    note = "[pathguard policy: " + "; ".join(found) + "]"
    return f"{description}\n\n{note}" if description else note
