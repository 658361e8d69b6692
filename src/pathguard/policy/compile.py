"""Compile a policy against a world, once: the form `decide()` and the SMT encoding read.

Selectors become per-endpoint rule lists, `when` texts become ASTs and
closures, forbidden entries are indexed by `then`, read-only ratios become
integer thresholds (exact: no floating point at decision time).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from pathguard.errors import Problem
from pathguard.model.world import World
from pathguard.policy.schema import PolicySpec
from pathguard.policy.when import Expr, Test, compile_test, constants_in, names_in
from pathguard.semantics.effect import Effect, Reason


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """Layer 1 rule `number` (1-based, as written), already known to match its endpoint."""

    number: int
    effect: Effect
    condition: Expr | None
    test: Test | None
    reason: Reason


@dataclass(frozen=True, slots=True)
class CompiledForbidden:
    """Layer 3 entry `number` (1-based): `first` among the last `within` calls."""

    number: int
    first: int
    then: int
    within: int
    effect: Effect
    reason: Reason


@dataclass(frozen=True, slots=True)
class EndpointPlan:
    """Everything `decide()` needs about one endpoint, resolved at load time."""

    index: int
    name: str
    kind: str
    is_read: bool
    is_write: bool
    is_delete: bool
    resource_slot: int
    critical: bool
    rules: tuple[CompiledRule, ...]
    forbidden: tuple[CompiledForbidden, ...]


@dataclass(frozen=True)
class CompiledPolicy:
    name: str
    default: Effect
    default_reason: Reason
    plans: dict[str, EndpointPlan]
    endpoint_names: tuple[str, ...]
    max_actions: int | None = None
    max_writes: int | None = None
    max_critical: int | None = None
    read_only_actions: int | None = None
    read_only_writes: int | None = None
    read_only_at: Fraction | None = None
    window_seconds: float = 1800.0
    memory: int = 0
    resource_slots: int = 0
    endpoint_slots: int = 0
    observed: frozenset[str] = frozenset()
    constants: frozenset[int] = frozenset()
    subagent_budget: int | None = None
    approvers: tuple[str, ...] | None = None
    """Who may grant an `approval` (SPEC §2 `approvals`); None when the policy names nobody."""
    approval_expire_seconds: float = 900.0
    intent_threshold: float | None = None
    intent_decay: float = 1.0
    permissive: bool = False
    spec: PolicySpec | None = None
    file: str = "<memory>"
    forbidden: tuple[CompiledForbidden, ...] = field(default=())
    warnings: tuple[Problem, ...] = ()
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    """Where each clause is written in `file`, keyed as `Reason.clause` names it (`rule 2`,
    `forbidden 1`, `max_actions`, `critical`, `critical delete_volume`, `default`, ...), for
    reports that point at the clause behind a finding (SARIF)."""
    _budgets: dict[int | None, CompiledPolicy] = field(default_factory=dict, init=False, repr=False,
                                                      compare=False)

    @property
    def has_budget(self) -> bool:
        return any(x is not None for x in (self.max_actions, self.max_writes, self.max_critical))

    def with_budget(self, max_actions: int | None) -> CompiledPolicy:
        """This policy with its own action budget set to `max_actions` (a sub-agent's, SPEC §3),
        the read-only threshold scaled by the same `read_only_at`; built once per budget."""
        if max_actions == self.max_actions:
            return self
        variant = self._budgets.get(max_actions)
        if variant is None:
            variant = self._budgets[max_actions] = replace(
                self, max_actions=max_actions,
                read_only_actions=read_only_threshold(self.read_only_at, max_actions))
        return variant


def allow_everything(world: World) -> CompiledPolicy:
    """The policy used when none is given: every call is allowed."""
    return compile_policy(PolicySpec(policy="(none)"), world, {}, permissive=True)


def read_only_threshold(ratio: Fraction | None, limit: int | None) -> int | None:
    """`count / limit >= ratio` exactly, as `count >= threshold` (None when either is unset)."""
    return None if ratio is None or limit is None else math.ceil(ratio * limit)


def _as_set(value: str | Sequence[str] | None) -> set[str] | None:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


def compile_policy(spec: PolicySpec, world: World, conditions: dict[int, Expr],
                   *, file: str = "<memory>", permissive: bool = False,
                   warnings: tuple[Problem, ...] = (), lines: dict[str, int] | None = None) -> CompiledPolicy:
    """Compile a validated policy; `conditions` maps rule index (0-based) to its parsed `when`."""
    names = world.names
    resource_slot = {r: i for i, r in enumerate(world.resources)}
    critical = set(spec.critical)
    observed: set[str] = set()
    constants: set[int] = set()
    rules_for: dict[str, list[CompiledRule]] = {n: [] for n in names}
    for i, rule in enumerate(spec.rules):
        condition = conditions.get(i)
        if condition is not None:
            observed |= names_in(condition)
            constants |= constants_in(condition)
        test = compile_test(condition, names) if condition is not None else None
        text = rule.reason or rule.decision
        compiled = CompiledRule(i + 1, Effect.parse(rule.decision), condition, test,
                                Reason("rule", f"rule {i + 1}", f"rule {i + 1}: {text}"))
        endpoints, kinds, resources = (_as_set(rule.match.endpoint), _as_set(rule.match.kind),
                                       _as_set(rule.match.resource))
        for e in world.endpoints:
            if ((endpoints is None or e.name in endpoints) and (kinds is None or e.kind in kinds)
                    and (resources is None or e.resource in resources)):
                rules_for[e.name].append(compiled)

    forbidden: list[CompiledForbidden] = []
    for i, entry in enumerate(spec.forbidden):
        if isinstance(entry, list):
            first, then, within, decision, why = entry[0], entry[1], 1, "deny", ""
        else:
            first, then, within, decision, why = (entry.first, entry.then, entry.within,
                                                  entry.decision, entry.reason)
        text = f"forbidden: {first} -> {then}" + (f" within {within}" if within > 1 else "")
        text += f" ({why})" if why else ""
        forbidden.append(CompiledForbidden(i + 1, world.by_name[first].index, world.by_name[then].index,
                                           within, Effect.parse(decision),
                                           Reason("forbidden", f"forbidden {i + 1}", text)))
    memory = max([f.within for f in forbidden] + [1 if "last" in observed else 0])

    budget = spec.budget
    max_actions = budget.max_actions if budget else None
    max_writes = budget.max_writes if budget else None
    ratio = Fraction(str(budget.read_only_at)) if budget and budget.read_only_at is not None else None

    plans = {
        e.name: EndpointPlan(
            index=e.index, name=e.name, kind=e.kind, is_read=e.kind == "read",
            is_write=e.kind != "read", is_delete=e.kind == "delete",
            resource_slot=resource_slot[e.resource], critical=e.name in critical,
            rules=tuple(rules_for[e.name]),
            forbidden=tuple(f for f in forbidden if f.then == e.index))
        for e in world.endpoints
    }
    default = Effect.parse(spec.default)
    return CompiledPolicy(
        name=spec.policy,
        default=default,
        default_reason=Reason("default", "default", f"default: {default}"),
        plans=plans,
        endpoint_names=names,
        max_actions=max_actions,
        max_writes=max_writes,
        max_critical=budget.max_critical if budget else None,
        read_only_actions=read_only_threshold(ratio, max_actions),
        read_only_writes=read_only_threshold(ratio, max_writes),
        read_only_at=ratio,
        window_seconds=float(budget.window_minutes) * 60 if budget else 1800.0,
        memory=memory,
        resource_slots=len(world.resources) if "same_resource_reads" in observed else 0,
        endpoint_slots=len(names) if "same_endpoint" in observed else 0,
        observed=frozenset(observed),
        constants=frozenset(constants),
        subagent_budget=spec.subagents.max_budget if spec.subagents else None,
        approvers=tuple(spec.approvals.approvers) if spec.approvals else None,
        approval_expire_seconds=float(spec.approvals.expire_minutes) * 60 if spec.approvals else 900.0,
        intent_threshold=float(spec.intent.threshold) if spec.intent else None,
        intent_decay=float(spec.intent.decay) if spec.intent else 1.0,
        permissive=permissive,
        spec=spec,
        file=file,
        forbidden=tuple(forbidden),
        warnings=warnings,
        lines=dict(lines or {}),
    )
