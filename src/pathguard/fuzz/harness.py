"""One fuzz example: a real `Guard` driven by operations, judged by the model and the oracle.

Every call is checked by the runtime (`GuardedSession.check`) and decided by
the independent `TreeModel` (the semantics' pure functions); what ran is fed
to the `Oracle` (SPEC §3's limits), to a simulated backend that applies the
model's `sets` and `produces` (a call whose `needs` are unknown or whose
`when` does not hold fails there, as the real API would refuse it), to the
hazards the model checker proved safe, and to the user's invariants. The
first operation that breaks a property raises `Violated` with every property
it broke; at the end, `finish` checks that every call that ran is in the
store's trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pathguard.errors import PathguardError
from pathguard.fuzz.invariants import Invariants, RunCounts
from pathguard.fuzz.model import TreeModel
from pathguard.fuzz.ops import PARAMS, Op, params_text, seconds_text, session_label
from pathguard.fuzz.properties import Oracle, Violation
from pathguard.model.world import World, holds
from pathguard.policy.compile import CompiledPolicy
from pathguard.runtime.approvals import decide_request
from pathguard.runtime.approvers import Approver, Keyring
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.decision import Checked, Denied
from pathguard.runtime.identity import same_identity
from pathguard.semantics.effect import Decision, Effect
from pathguard.semantics.params import ParamsError, checked_params
from pathguard.store.base import Store

if TYPE_CHECKING:
    from pathguard.runtime.guard import Guard
    from pathguard.runtime.session import GuardedSession

ROOT_AGENT = "fuzz-agent"
TREE_PRINCIPAL = "Fuzz-\u0410gent"
"""A keyring name that reads as the root agent (capital Cyrillic A, other case): it must never decide."""
START = 1_000_000.0

GuardFactory = Callable[[World, CompiledPolicy, Store, ManualClock, Keyring], "Guard"]


def real_guard(world: World, policy: CompiledPolicy, store: Store, clock: ManualClock,
               keyring: Keyring) -> Guard:
    """The product's `Guard`, as the fuzz drives it by default."""
    from pathguard.runtime.guard import Guard

    return Guard(world, policy, store, clock=clock, keyring=keyring)


@dataclass(frozen=True)
class Principals:
    """Who can decide requests in a run: the policy's approver (its key in the keyring), a name
    that reads as the root agent (its key in the keyring too), and an impostor that signs in the
    approver's name with a key the keyring does not hold."""

    approver: Approver
    tree: Approver
    impostor: Approver

    @classmethod
    def make(cls, policy: CompiledPolicy) -> Principals:
        name = policy.approvers[0] if policy.approvers else "fuzz-approver"
        return cls(Approver.generate(name), Approver.generate(TREE_PRINCIPAL), Approver.generate(name))

    @property
    def keyring(self) -> Keyring:
        return Keyring({self.approver.name: self.approver.public_text, self.tree.name: self.tree.public_text})


@dataclass(frozen=True)
class Setup:
    """What every example of a run shares."""

    world: World
    policy: CompiledPolicy
    store: Store
    principals: Principals
    safe: tuple[str, ...] = ()
    invariants: Invariants | None = None
    subagents: int = 2
    make_guard: GuardFactory = real_guard


class Violated(AssertionError):
    """An operation broke properties; `step` is its 1-based index in the sequence."""

    def __init__(self, step: int, violations: list[Violation], log: list[str]) -> None:
        super().__init__(f"step {step}: " + "; ".join(f"{v.prop}: {v.message}" for v in violations))
        self.step = step
        self.violations = violations
        self.log = log


@dataclass
class _Request:
    approval_id: int
    who: int
    endpoint: str
    params: str


@dataclass
class _Grant:
    approval_id: int
    by: str
    at: float


Outcome = tuple[str, list[Violation]]
"""What an operation did, as a line people read, and the properties it broke."""


@dataclass
class Harness:
    """Runs one example's operations; `log` says, line by line, what each did."""

    setup: Setup
    log: list[str] = field(default_factory=list)
    decisions: int = 0

    def __post_init__(self) -> None:
        s = self.setup
        self.clock = ManualClock(START)
        self.guard = s.make_guard(s.world, s.policy, s.store, self.clock, s.principals.keyring)
        self.sessions: list[GuardedSession] = [self.guard.session(agent=ROOT_AGENT, intent="fuzz")]
        self.model = TreeModel(s.world, s.policy)
        self.oracle = Oracle(s.policy)
        self.values = dict(s.world.initial)
        self.facts = set(s.world.initial_facts("given"))
        self.requests: list[_Request] = []
        self.grants: dict[tuple[int, str, str], _Grant] = {}
        self.ran: list[int] = [0]
        self.counts = RunCounts(s.world) if s.invariants else None
        self.step = 0
        if s.invariants and (problems := self._never_holds(None, None, None)):
            self._report("the world starts in a hazard an invariant names", problems)

    def apply(self, op: Op) -> None:
        """Run one operation; `Violated` when it broke a property."""
        self.step += 1
        handler: Callable[[Op], Outcome] = getattr(self, f"_{op.op}")
        self._report(*handler(op))

    def _report(self, text: str, problems: list[Violation]) -> None:
        self.log.append(f"{self.step}. {text}" + ("  <-- VIOLATION" if problems else ""))
        if problems:
            raise Violated(self.step, problems, self.log)

    def finish(self) -> None:
        """Every call that ran has its row in the store, allowed and with its result (`trace`)."""
        store = self.setup.store
        for who, session in enumerate(self.sessions):
            trace = store.session(session.session_id)
            rows = [r for r in trace.actions if r.effect == "allow"] if trace is not None else []
            missing = [r for r in rows if r.result is None]
            if len(rows) != self.ran[who] or missing:
                self.step += 1
                self._report("the store's trace is read back", [Violation(
                    "trace", f"{session_label(who)} ran {self.ran[who]} call(s); the trace holds {len(rows)} "
                    f"allowed row(s), {len(missing)} without a result")])

    def _request(self, op: Op) -> _Request | None:
        return self.requests[-1 - op.request % len(self.requests)] if self.requests else None

    # -- calls --------------------------------------------------------------------------------
    def _call(self, op: Op) -> Outcome:
        return self._issue(op.who % len(self.sessions), op.endpoint, op.params)

    def _retry(self, op: Op) -> Outcome:
        request = self._request(op)
        if request is None:
            return "retry: no request yet (nothing happens)", []
        text, problems = self._issue(request.who, request.endpoint, request.params)
        return f"retry of #{request.approval_id}: {text}", problems

    def _issue(self, who: int, endpoint: str, params: str) -> Outcome:
        now = self.clock()
        raw = PARAMS[params]
        try:
            checked_params(raw)
            expected: Decision | None = self.model.decide(who, endpoint, now)
        except ParamsError:
            expected = None  # refused before anything is counted
        got = self.sessions[who].check(endpoint, raw)
        self.decisions += 1
        key = (who, endpoint, params)
        text = f"{session_label(who)} calls {endpoint}{params_text(params)} -> {got.effect}"
        if got.effect is Effect.APPROVAL and got.approval_id is not None and \
                all(r.approval_id != got.approval_id for r in self.requests):
            self.requests.append(_Request(got.approval_id, who, endpoint, params))
            text += f" (request #{got.approval_id})"
        grant = self._usable_grant(key, now)
        problems = self._judge(who, endpoint, expected, got, grant)
        if not got.allowed:
            if got.effect is Effect.DENY or problems:
                text += ": " + _short("; ".join(got.texts))
            return text, problems
        by = None
        if grant is not None and expected is not None and expected.effect is Effect.APPROVAL:
            del self.grants[key]
            by = grant.by
            text += f" on #{grant.approval_id}, granted by {by}"
        return text + self._ran(who, endpoint, got, now, by=by, problems=problems), problems

    def _judge(self, who: int, endpoint: str, expected: Decision | None, got: Checked,
               grant: _Grant | None) -> list[Violation]:
        """The `semantics` and `agreement` properties of one decision."""
        name = session_label(who)
        if expected is None:
            if got.effect is not Effect.DENY:
                return [Violation("agreement", f"{name}'s `{endpoint}` with parameters that have no JSON "
                                  f"spelling got {got.effect}, not a refusal")]
            return []
        clause = next((r.clause for r in expected.reasons), None)
        why = "; ".join(expected.texts)
        if got.allowed:
            if expected.effect is Effect.ALLOW:
                return []
            if expected.effect is Effect.APPROVAL and grant and grant.approval_id == got.approval_id:
                return []
            what = "no authenticated grant for exactly this call was usable" \
                if expected.effect is Effect.APPROVAL else "a deny is final"
            return [Violation("semantics", f"{name}'s `{endpoint}` ran, but the semantics says "
                              f"{expected.effect} ({why}) and {what}", clause=clause)]
        if expected.effect is Effect.ALLOW:
            return [Violation("agreement", f"the runtime refused {name}'s `{endpoint}` ({got.effect}: "
                              f"{_short('; '.join(got.texts))}), which the semantics allows")]
        if expected.effect is Effect.APPROVAL and grant is not None:
            return [Violation("agreement", f"{name}'s `{endpoint}` did not run although request "
                              f"#{grant.approval_id} was granted by {grant.by} and is still usable",
                              clause=clause)]
        if expected.effect is Effect.DENY and got.effect is Effect.APPROVAL:
            return [Violation("agreement", f"the runtime asks for approval of {name}'s `{endpoint}`, which "
                              f"the semantics denies ({why}): a deny is final", clause=clause)]
        return []

    def _usable_grant(self, key: tuple[int, str, str], now: float) -> _Grant | None:
        """The authenticated grant for exactly this call, if one is still usable."""
        grant = self.grants.get(key)
        if grant is None or now > grant.at + self.guard.approval_timeout:  # the guard's configured lifetime
            return None
        return grant

    def _ran(self, who: int, endpoint: str, got: Checked, now: float, *, by: str | None,
             problems: list[Violation]) -> str:
        """What follows a call that ran: the oracle, the backend, the model, hazards, invariants."""
        s = self.setup
        plan = s.policy.plans[endpoint]
        problems[:0] = self.oracle.ran(who, plan, now, by is not None)
        e = s.world.by_name[endpoint]
        before = dict(self.values)
        if not e.needs <= self.facts:
            result = "error: needs " + ", ".join(sorted(e.needs - self.facts))
        elif not holds(e.when, self.values):
            result = "error: its precondition does not hold"
        else:
            result = "success"
            self.values.update(e.sets)
            self.facts |= e.produces
        self.sessions[who].record(got, result)
        self.model.run(who, endpoint, now)
        self.ran[who] += 1
        for name in s.safe:
            if holds(s.world.hazards[name], self.values):
                problems.append(Violation("safe-hazard", f"`{endpoint}` reached hazard `{name}`, which the "
                                          "model checker proved safe under the same options", hazard=name))
        if self.counts is not None:
            self.counts.ran(endpoint, self.model.sessions[who].state.depth, plan.critical)
            problems += self._holds(endpoint)
            problems += self._never_holds(endpoint, before, by)
        changed = ", ".join(f"{k}={v}" for k, v in self.values.items() if before[k] != v)
        return f"; ran: {result}" + (f" -> {changed}" if changed else "")

    def _holds(self, endpoint: str) -> list[Violation]:
        invariants, counts = self.setup.invariants, self.counts
        assert invariants is not None and counts is not None
        return [Violation("invariant", f"`{inv.name}` ({inv.text}) fails after `{endpoint}`",
                          invariant=inv.index)
                for inv in invariants.items if inv.test is not None and not counts.holds(inv.test, endpoint)]

    def _never_holds(self, endpoint: str | None, before: dict[str, str] | None,
                     by: str | None) -> list[Violation]:
        """`never` invariants whose hazard the world just entered (or starts in: `endpoint` None)."""
        invariants = self.setup.invariants
        assert invariants is not None
        out = []
        for inv in invariants.items:
            if inv.hazard is None:
                continue
            condition = self.setup.world.hazards[inv.hazard]
            if not holds(condition, self.values) or (before is not None and holds(condition, before)):
                continue
            if endpoint is None:
                out.append(Violation("invariant", f"`{inv.name}`: the world starts in hazard `{inv.hazard}`",
                                     invariant=inv.index, hazard=inv.hazard))
            elif by is None or not any(same_identity(by, a) for a in inv.approvers):
                approved = f"on a grant by {by}" if by else "without a grant"
                out.append(Violation("invariant", f"`{inv.name}`: `{endpoint}` ({approved}) brought the "
                                     f"world into hazard `{inv.hazard}`", invariant=inv.index,
                                     hazard=inv.hazard))
        return out

    # -- sub-agents, time, approvals, closing ---------------------------------------------------
    def _spawn(self, op: Op) -> Outcome:
        who = op.who % len(self.sessions)
        name = session_label(who)
        if len(self.sessions) > self.setup.subagents:
            return f"{name} spawns: no more sub-agents in this run (--subagents {self.setup.subagents})", []
        now = self.clock()
        budget = self.model.child_budget(who, op.budget, now)
        asked = f"{op.budget:,}" if op.budget < 1 << 20 else "as many as it may get"
        try:
            child = self.sessions[who].spawn("fuzz sub-agent", op.budget,
                                             agent=f"{ROOT_AGENT}/{len(self.sessions)}")
        except Denied as exc:
            return f"{name} spawns a sub-agent asking {asked} action(s) -> refused: {_short(str(exc))}", []
        index = len(self.sessions)
        label = session_label(index)
        text = f"{name} spawns {label} asking {asked} action(s) -> {child.budget} action(s)"
        problems = []
        if budget == 0:
            problems.append(Violation("subagent-budget", f"{name} started {label} although the semantics "
                                      "gives it no budget", clause="max_budget"))
        elif child.budget != budget:
            problems.append(Violation("subagent-budget", f"{label} got {child.budget} action(s); the "
                                      f"semantics gives it {budget}", clause="max_budget"))
        self.sessions.append(child)
        self.ran.append(0)
        self.model.add_child(who, budget if budget != 0 else child.budget)
        closed = self.oracle.spawned(who, budget if budget != 0 else child.budget)
        if closed is not None:
            problems.append(closed)
        return text, problems

    def _wait(self, op: Op) -> Outcome:
        self.clock.advance(op.seconds)
        return f"the clock moves {seconds_text(op.seconds)}", []

    def _close(self, op: Op) -> Outcome:
        """Unlike other operations, a close names its session exactly (no modulo): a run does not
        end its root a quarter of the time it closes something."""
        who = op.who
        if who >= len(self.sessions):
            return f"the host ends {session_label(who)}: no such session (nothing happens)", []
        self.sessions[who].close()
        self.model.close(who)
        self.oracle.closed_by_host(who)
        return f"the host ends {session_label(who)}", []

    def _grant(self, op: Op) -> Outcome:
        return self._decide(op, True)

    def _deny(self, op: Op) -> Outcome:
        return self._decide(op, False)

    def _decide(self, op: Op, grant: bool) -> Outcome:
        request = self._request(op)
        if request is None:
            return f"{'grant' if grant else 'deny'}: no request yet (nothing happens)", []
        principals = self.setup.principals
        signer = {"approver": principals.approver, "tree": principals.tree,
                  "impostor": principals.impostor}[op.by if grant else "approver"]
        who = f"{signer.name} (impostor key)" if signer is principals.impostor else signer.name
        verb = "grants" if grant else "denies"
        now = self.clock()
        try:
            decide_request(self.setup.store, request.approval_id, signer, grant, now)
        except PathguardError as exc:
            return f"{who} {verb} #{request.approval_id} -> refused: {_short(str(exc))}", []
        text = f"{who} {verb} #{request.approval_id} ({request.endpoint} of {session_label(request.who)})"
        if signer is principals.tree:
            return text, [Violation("approver", f"`{signer.name}`, which reads as the root agent "
                                    f"`{ROOT_AGENT}`, decided request #{request.approval_id}",
                                    clause="approvers")]
        if grant and signer is principals.approver:
            self.grants[(request.who, request.endpoint, request.params)] = _Grant(request.approval_id,
                                                                                   signer.name, now)
        return text, []

    def _forge(self, op: Op) -> Outcome:
        """The agent, with full access to the store, writes a grant without any signature."""
        request = self._request(op)
        if request is None:
            return "forge: no request yet (nothing happens)", []
        name = self.setup.principals.approver.name
        store = self.setup.store
        done = store.transition(request.approval_id, "pending", "granted", by=name, at=self.clock())
        return (f"the agent writes an unsigned grant by {name} for #{request.approval_id} into the store"
                + ("" if done else " (it was not pending: nothing changes)")), []


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
