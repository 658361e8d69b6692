"""The model checker's findings as lines people read: hazards, bypasses, what each assumes.

Shared by `check` (text and markdown) and `analyze` (the same sections under its
paths). Output stays proportional to what matters, whatever the size of the API:
long lists show their first entries and say how many more `--format json`
holds; a trace step shows only the variables the call changed (the whole world
after each step is in the JSON); calls that were simply allowed by the default
are not annotated.
"""

from __future__ import annotations

from pathguard.modelcheck.results import (
    Bypass,
    BypassSearch,
    HazardResult,
    TargetReachable,
    TraceStep,
    Unbypassed,
)

SHOW_TRACES = 10
"""Findings listed with their whole trace; the rest get one line each."""
SHOW_LINES = 50
"""Entries of a list shown before `… and N more`."""
QUIET = ("default: allow",)


def chain(calls: list[str]) -> str:
    return " → ".join(calls)


def condition_text(condition: dict[str, list[str]]) -> str:
    return ", ".join(f"{v}={'|'.join(xs)}" for v, xs in condition.items())


def more(count: int, shown: int) -> list[str]:
    return [f"  … and {count - shown} more (every one is in --format json)"] if count > shown else []


def step_lines(steps: list[TraceStep], md: bool = False) -> list[str]:
    """`  3. unmount_volume: allow -> volume=unmounted` (reasons unless the default allowed it)."""
    out = []
    for i, step in enumerate(steps, 1):
        reasons = [r for r in step.reasons if r not in QUIET]
        why = f" ({'; '.join(reasons)})" if reasons else ""
        changed = " → " + ", ".join(f"{k}={v}" for k, v in step.changed.items()) if step.changed else ""
        call = f"`{step.call}`" if md else step.call
        out.append(f"    {i}. {call}: {step.decision}{why}{changed}")
    return out


def hazard_headline(hazards: dict[str, HazardResult]) -> str:
    counts = {v: sum(1 for h in hazards.values() if h.verdict == v) for v in ("unsafe", "safe", "unknown")}
    return (f"{len(hazards)} hazard(s): {counts['unsafe']} unsafe, {counts['safe']} safe, "
            f"{counts['unknown']} unknown")


def hazard_lines(hazards: dict[str, HazardResult], md: bool = False) -> list[str]:
    """Unsafe first (with traces, up to SHOW_TRACES), then unknown, then safe."""
    order = {"unsafe": 0, "unknown": 1, "safe": 2}
    ranked = sorted(hazards.items(), key=lambda kv: order[kv[1].verdict])
    out: list[str] = []
    traced = 0
    for i, (name, h) in enumerate(ranked):
        if i == SHOW_LINES:
            out += more(len(ranked), SHOW_LINES)
            break
        label = f"**{name}**" if md else name
        cond = condition_text(h.condition)
        if h.verdict == "unsafe":
            out.append(f"- {label} ({cond}): UNSAFE, reached in {h.depth} call(s) [{h.engine}]: "
                       f"{chain(h.trace)}")
            if traced < SHOW_TRACES:
                out += step_lines(h.steps, md)
                traced += 1
        elif h.verdict == "safe":
            never = ""
            if h.never_learned:
                never = f"; assumes the agent never learns {', '.join(h.never_learned)}"
            out.append(f"- {label} ({cond}): safe [{h.engine}]: {h.proof}{never}")
        else:
            out.append(f"- {label} ({cond}): unknown: no counterexample of at most {h.bound} call(s), "
                       f"a bound, not a proof (stopped by {h.limit or 'the bound'}) [{h.engine}]")
    return out


def bypass_lines(bypasses: list[Bypass], reachable: list[TargetReachable], unbypassed: list[Unbypassed],
                 search: BypassSearch | None, md: bool = False) -> list[str]:
    """Bypasses first (the capability decomposition the tool exists for), then blocked chains
    whose target runs another way, then a summary of the rest."""
    out: list[str] = []
    if search is not None:
        scope = f"{search.checked} of {search.blocked} blocked path(s) searched, shortest first"
        if search.unchecked:
            scope += f"; {search.unchecked} not searched ({search.limit})"
        out.append(f"{search.bypassed} bypassed, {search.target_reachable} with the target reached another "
                   f"way, {search.no_bypass} with no bypass, {search.unknown} unknown ({scope})")
    for i, b in enumerate(bypasses[:SHOW_LINES]):
        out.append(f"- BYPASS of blocked {chain(b.path)}: runs in {b.depth} call(s) as {chain(b.trace)}")
        if i < SHOW_TRACES:
            out += step_lines(b.steps, md)
    out += more(len(bypasses), SHOW_LINES)
    for r in reachable[:SHOW_LINES]:
        out.append(f"- blocked {chain(r.path)}: no bypass, but `{r.target}` still runs in {r.depth} call(s) "
                   f"as {chain(r.trace)}")
    out += more(len(reachable), SHOW_LINES)
    for u in unbypassed[:SHOW_LINES // 5]:
        how = u.proof if u.verdict == "no bypass" else \
            f"unknown: no bypass of at most {u.bound} call(s), stopped by {u.limit}"
        out.append(f"- blocked {chain(u.path)}: {how}")
    out += more(len(unbypassed), SHOW_LINES // 5)
    return out


def assumption_lines(assumptions: list[str]) -> list[str]:
    return [f"- {a}" for a in assumptions]
