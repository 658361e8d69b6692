"""The transition system of `modelcheck.system` in z3, from the same compiled policy.

A symbolic mirror of `decide()` and `executed()`, translated clause by clause
(each function below names the clause of `pathguard.semantics.decide` it
mirrors); counters are unbounded integers, so no reduction is involved. It is
kept honest the Cedar way: every counterexample is replayed through
`decide()` (`modelcheck.replay`) and a differential test compares it with the
explicit engine on random models.

A state is a flat list of z3 terms: one Int per world variable (the index of
its value), one Bool per fact, then the session: `actions reads writes deletes
critical window_actions window_writes window_critical`, one Int per resource
(`same_resource_reads`, if observed), one per endpoint (`same_endpoint`, if
observed), the last `memory` calls (most recent first, -1 for none) and
`closed`. The action is an Int (an endpoint index) and, under `--model-time`, a
Bool saying whether the agent waited out its window just before the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3

from pathguard.model.world import World
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import CompiledPolicy, EndpointPlan
from pathguard.policy.when import And, Cmp, Expr, Lit, Name, Not, Or

ALLOW, APPROVAL, DENY = 0, 1, 2
COUNTERS = ("actions", "reads", "writes", "deletes", "critical",
            "window_actions", "window_writes", "window_critical")


@dataclass
class Layout:
    """Where each part of the state sits in the flat list of terms."""

    variables: tuple[str, ...]
    facts: tuple[str, ...]
    resources: int
    endpoints: int
    memory: int

    @property
    def size(self) -> int:
        return len(self.variables) + len(self.facts) + len(COUNTERS) + self.resources + self.endpoints \
            + self.memory + 1


class Encoding:
    """Initial condition, transition relation and hazards as z3 formulas over state vectors."""

    def __init__(self, world: World, policy: CompiledPolicy, options: Options) -> None:
        self.world, self.policy, self.options = world, policy, options
        self.plans = [policy.plans[e.name] for e in world.endpoints]
        self.layout = Layout(tuple(world.variables), world.facts,
                             len(world.resources) if policy.resource_slots else 0,
                             len(world.endpoints) if policy.endpoint_slots else 0, policy.memory)
        self.value_index = {v: {x: i for i, x in enumerate(vals)} for v, vals in world.variables.items()}

    # --- state vectors ------------------------------------------------------------------------

    def sorts(self) -> list[Any]:
        lay = self.layout
        return ([z3.IntSort()] * len(lay.variables) + [z3.BoolSort()] * len(lay.facts)
                + [z3.IntSort()] * (len(COUNTERS) + lay.resources + lay.endpoints + lay.memory)
                + [z3.BoolSort()])

    def state(self, tag: str) -> list[Any]:
        names = ([f"v_{v}" for v in self.layout.variables] + [f"f_{f}" for f in self.layout.facts]
                 + list(COUNTERS) + [f"rr{i}" for i in range(self.layout.resources)]
                 + [f"ec{i}" for i in range(self.layout.endpoints)]
                 + [f"recent{i}" for i in range(self.layout.memory)] + ["closed"])
        return [z3.Const(f"{n}@{tag}", sort) for n, sort in zip(names, self.sorts(), strict=True)]

    def _parts(self, s: list[Any]) -> dict[str, Any]:
        lay, i = self.layout, 0
        parts: dict[str, Any] = {}
        for v in lay.variables:
            parts[f"v_{v}"] = s[i]
            i += 1
        parts["facts"] = s[i:i + len(lay.facts)]
        i += len(lay.facts)
        for c in COUNTERS:
            parts[c] = s[i]
            i += 1
        parts["rr"] = s[i:i + lay.resources]
        i += lay.resources
        parts["ec"] = s[i:i + lay.endpoints]
        i += lay.endpoints
        parts["recent"] = s[i:i + lay.memory]
        parts["closed"] = s[i + lay.memory]
        return parts

    # --- initial state, domains, hazards ------------------------------------------------------

    def initial(self, s: list[Any]) -> Any:
        """`TransitionSystem.initial_state()`: initial world, the facts known at the start,
        `SessionState.root`."""
        p = self._parts(s)
        eqs = [p[f"v_{v}"] == self.value_index[v][self.world.initial[v]] for v in self.layout.variables]
        known = self.world.initial_facts(self.options.knowledge)
        eqs += [f == (name in known) for name, f in zip(self.layout.facts, p["facts"], strict=True)]
        eqs += [p[c] == 0 for c in COUNTERS] + [x == 0 for x in p["rr"] + p["ec"]]
        eqs += [x == -1 for x in p["recent"]] + [z3.Not(p["closed"])]
        return z3.And(eqs)

    def hazard(self, s: list[Any], name: str) -> Any:
        p = self._parts(s)
        return z3.And([z3.Or([p[f"v_{v}"] == self.value_index[v][x] for x in sorted(xs)])
                       for v, xs in self.world.hazards[name]])

    # --- decide() mirrored clause by clause ---------------------------------------------------

    def _term(self, t: Lit | Name, p: dict[str, Any], plan: EndpointPlan) -> Any:
        if isinstance(t, Lit):
            if isinstance(t.value, int):
                return z3.IntVal(t.value)
            return z3.IntVal(self.policy.endpoint_names.index(t.value) if t.value else -1)
        if t.name == "same_resource_reads":
            return p["rr"][plan.resource_slot]
        if t.name == "same_endpoint":
            return p["ec"][plan.index]
        if t.name == "last":
            return p["recent"][0] if p["recent"] else z3.IntVal(-1)
        if t.name == "depth":
            return z3.IntVal(0)
        return p[t.name]

    def _when(self, e: Expr, p: dict[str, Any], plan: EndpointPlan) -> Any:
        """A rule's `when` (policy.when.compile_test)."""
        if isinstance(e, And):
            return z3.And([self._when(i, p, plan) for i in e.items])
        if isinstance(e, Or):
            return z3.Or([self._when(i, p, plan) for i in e.items])
        if isinstance(e, Not):
            return z3.Not(self._when(e.item, p, plan))
        assert isinstance(e, Cmp)
        a, b = self._term(e.left, p, plan), self._term(e.right, p, plan)
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[e.op]

    @staticmethod
    def _max(a: Any, b: Any) -> Any:
        return z3.If(a >= b, a, b)

    def layer1(self, p: dict[str, Any], plan: EndpointPlan) -> Any:
        """decide() clause 2, layer 1: the most restrictive matching rule, else `default`."""
        best: Any = z3.IntVal(-1)
        for rule in plan.rules:
            active = z3.BoolVal(True) if rule.condition is None else self._when(rule.condition, p, plan)
            best = self._max(best, z3.If(active, z3.IntVal(int(rule.effect)), z3.IntVal(-1)))
        return z3.If(best < 0, z3.IntVal(int(self.policy.default)), best)

    def layer2(self, p: dict[str, Any], plan: EndpointPlan) -> Any:
        """decide() clause 3, layer 2: critical, max_actions, max_writes, read-only."""
        pol, out = self.policy, z3.IntVal(ALLOW)
        if plan.critical:
            over = (p["window_critical"] >= pol.max_critical) if pol.max_critical is not None \
                else z3.BoolVal(False)
            out = self._max(out, z3.If(over, DENY, APPROVAL))
        if pol.max_actions is not None:
            out = self._max(out, z3.If(p["window_actions"] >= pol.max_actions, DENY, ALLOW))
        if not plan.is_read:
            if pol.max_writes is not None:
                out = self._max(out, z3.If(p["window_writes"] >= pol.max_writes, DENY, ALLOW))
            ro = []
            if pol.read_only_actions is not None:
                ro.append(p["window_actions"] >= pol.read_only_actions)
            if pol.read_only_writes is not None:
                ro.append(p["window_writes"] >= pol.read_only_writes)
            if ro:
                out = self._max(out, z3.If(z3.Or(ro), DENY, ALLOW))
        return out

    def layer3(self, p: dict[str, Any], plan: EndpointPlan) -> Any:
        """decide() clause 4, layer 3: forbidden entries whose `first` is among the last `within`."""
        out: Any = z3.IntVal(ALLOW)
        for entry in plan.forbidden:
            seen = z3.Or([r == entry.first for r in p["recent"][:entry.within]])
            out = self._max(out, z3.If(seen, int(entry.effect), ALLOW))
        return out

    def intent(self, plan: EndpointPlan) -> Any:
        """decide() clause 5, intent: no session enters review in the static analyses."""
        return z3.IntVal(ALLOW)

    def effect(self, s: list[Any], code: int) -> Any:
        """decide(): the most restrictive clause; clause 1 (closed) denies everything."""
        p, plan = self._parts(s), self.plans[code]
        rest = self._max(self._max(self.layer1(p, plan), self.layer2(p, plan)),
                         self._max(self.layer3(p, plan), self.intent(plan)))
        return z3.If(p["closed"], z3.IntVal(DENY), rest)

    # --- steps --------------------------------------------------------------------------------

    def enabled(self, s: list[Any], code: int) -> Any:
        """TransitionSystem.steps: needs known, `when` holds, decide() lets it run."""
        p, e = self._parts(s), self.world.endpoints[code]
        conds = [p["facts"][self.layout.facts.index(f)] for f in sorted(e.needs)]
        for v, values in e.when:
            conds.append(z3.Or([p[f"v_{v}"] == self.value_index[v][x] for x in sorted(values)]))
        conds.append(self.runs(self.effect(s, code)))
        return z3.And(conds)

    def runs(self, effect: Any) -> Any:
        """semantics.approval.runs: `allow`, or `approval` when approvals are assumed granted."""
        return effect <= (APPROVAL if self.options.assume_approvals else ALLOW)

    def executed(self, s: list[Any], t: list[Any], code: int) -> Any:
        """semantics.executed() and the world update (`produces`, `sets`)."""
        p, q = self._parts(s), self._parts(t)
        e, plan, pol = self.world.endpoints[code], self.plans[code], self.policy
        sets = dict(e.sets)
        eqs = [q[f"v_{v}"] == (self.value_index[v][sets[v]] if v in sets else p[f"v_{v}"])
               for v in self.layout.variables]
        eqs += [b == (True if f in e.produces else a)
                for f, a, b in zip(self.layout.facts, p["facts"], q["facts"], strict=True)]
        inc = {"actions": 1, "reads": plan.is_read, "writes": plan.is_write, "deletes": plan.is_delete,
               "critical": plan.critical, "window_actions": 1, "window_writes": plan.is_write,
               "window_critical": plan.critical}
        eqs += [q[c] == p[c] + int(inc[c]) for c in COUNTERS]
        eqs += [b == a + int(plan.is_read and i == plan.resource_slot)
                for i, (a, b) in enumerate(zip(p["rr"], q["rr"], strict=True))]
        eqs += [b == a + int(i == plan.index) for i, (a, b) in enumerate(zip(p["ec"], q["ec"], strict=True))]
        if q["recent"]:
            eqs.append(q["recent"][0] == code)
            eqs += [q["recent"][i + 1] == p["recent"][i] for i in range(len(q["recent"]) - 1)]
        closes = z3.BoolVal(False) if pol.max_actions is None else p["window_actions"] + 1 >= pol.max_actions
        eqs.append(q["closed"] == z3.Or(p["closed"], closes))
        return z3.And(eqs)

    def waited(self, s: list[Any], wait: Any) -> list[Any]:
        """system.expire_window when `wait` holds: window counts drop to 0, the rest stays."""
        base = len(self.layout.variables) + len(self.layout.facts)
        windows = {base + COUNTERS.index(c) for c in ("window_actions", "window_writes", "window_critical")}
        return [z3.If(wait, z3.IntVal(0), x) if i in windows else x for i, x in enumerate(s)]

    def transition(self, s: list[Any], action: Any, t: list[Any], wait: Any) -> Any:
        """One call, preceded under --model-time by an optional `wait` (so k steps are k calls)."""
        if self.options.model_time:
            s = self.waited(s, wait)
        return z3.Or([z3.And(action == code, self.enabled(s, code), self.executed(s, t, code))
                      for code in range(len(self.plans))])
