"""A proof before any search: the values a run can ever produce, over-approximated.

Start from the initial world and no known facts; keep adding what any call
that can *possibly* run would add (its `produces`, its `sets`), until nothing
changes. A call can possibly run when its needs are among the facts reachable
so far, each variable its `when` constrains has a reachable value it accepts,
and the policy does not refuse it in every session. The result is closed under
every step of the transition system (an inductive invariant), so a hazard that
asks for a value outside it is unreachable for sessions of any length.

"Refused in every session" reads only clauses of `decide()` that hold whatever
the session is (each check below names the clause): a rule without `when` at
least as strict as the threshold; a layer-1 outcome that can only be strict
(every matching rule strict and a strict default); a critical call (needs
approval; denied outright once `max_critical` is 0); a budget limit of 0.
With `--assume-approvals` only `deny` refuses. Everything conditional is left
to the engines: this is sound, not complete.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathguard.model.world import Condition, Endpoint, World
from pathguard.policy.compile import CompiledPolicy, EndpointPlan
from pathguard.semantics.effect import Effect


def always_refused(policy: CompiledPolicy, plan: EndpointPlan, assume_approvals: bool) -> str | None:
    """Why `decide()` refuses this call in every session, or None when it may allow it."""
    strict = Effect.DENY if assume_approvals else Effect.APPROVAL
    for rule in plan.rules:  # layer 1: an unconditional rule
        if rule.test is None and rule.effect >= strict:
            return rule.reason.text
    if policy.default >= strict and all(rule.effect >= strict for rule in plan.rules):
        return f"layer 1: no rule can allow `{plan.name}` and the default is {policy.default}"
    if plan.critical and (not assume_approvals or policy.max_critical == 0):  # layer 2: critical
        return f"critical: `{plan.name}` needs approval" if not assume_approvals else \
            "critical: max_critical is 0"
    if policy.max_actions == 0:  # layer 2: budget limits of 0 (window counts are never negative)
        return "budget: max_actions is 0"
    if not plan.is_read and 0 in (policy.max_writes, policy.read_only_actions, policy.read_only_writes):
        return "budget: no write is ever allowed"
    return None


@dataclass(frozen=True)
class Reachable:
    """Facts and values some run might produce (a superset of the truth), and why calls never run."""

    facts: frozenset[str]
    values: dict[str, frozenset[str]]
    refused: dict[str, str]
    runnable: frozenset[str]

    def why_never(self, e: Endpoint) -> str:
        """Why a call no run can make never runs: the policy, a fact nobody reveals, or a
        precondition no run reaches (the reasons that survive `--knowledge given`)."""
        if e.name in self.refused:
            return self.refused[e.name]
        missing = sorted(e.needs - self.facts)
        if missing:
            return f"it needs {', '.join(f'`{f}`' for f in missing)}, which no call that can run reveals"
        var, accepted = next((v, xs) for v, xs in e.when if not xs & self.values[v])
        shown = ", ".join(sorted(accepted))
        return f"its precondition {var} in {{{shown}}} is never reached"

    def impossible(self, condition: Condition) -> tuple[str, frozenset[str]] | None:
        """A variable of `condition` none of whose accepted values any run can produce, if any."""
        return next(((v, xs) for v, xs in condition if not xs & self.values[v]), None)


def reachable(world: World, policy: CompiledPolicy, assume_approvals: bool = False,
              known: frozenset[str] = frozenset()) -> Reachable:
    """The closure from the initial world and the facts `known` at the start (SPEC §5 knowledge)."""
    refused = {e.name: why for e in world.endpoints
               if (why := always_refused(policy, policy.plans[e.name], assume_approvals)) is not None}
    facts: set[str] = set(known)
    values = {var: {value} for var, value in world.initial.items()}
    runnable: set[str] = set()
    pending: list[Endpoint] = [e for e in world.endpoints if e.name not in refused]
    changed = True
    while changed:
        changed = False
        for e in pending:
            if e.name in runnable or not e.needs <= facts:
                continue
            if any(not (accepted & values[var]) for var, accepted in e.when):
                continue
            runnable.add(e.name)
            changed = True
            facts |= e.produces
            for var, value in e.sets:
                values[var].add(value)
    return Reachable(frozenset(facts), {v: frozenset(x) for v, x in values.items()}, refused,
                     frozenset(runnable))


def static_proof(world: World, reach: Reachable, hazard: str) -> str | None:
    """The proof text when the hazard is outside what any run can produce, else None."""
    missing = reach.impossible(world.hazards[hazard])
    if missing is None:
        return None
    var, values = missing
    wanted = f"{var}={next(iter(values))}" if len(values) == 1 else \
        f"{var} in {{{', '.join(x for x in world.variables[var] if x in values)}}}"
    setters = [e.name for e in world.endpoints if any(v == var and x in values for v, x in e.sets)]
    if not setters:
        return f"static: no call sets {wanted}"
    why = "; ".join(f"`{s}`: {reach.why_never(world.by_name[s])}" for s in setters)
    return f"static: {wanted} is never set ({why})"
