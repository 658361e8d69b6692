"""The properties a fuzz run checks, and the trace oracle for those that SPEC §3 states as limits.

`Oracle` watches only what ran (which session, which call, when, on a grant)
and checks the consequences SPEC §3 promises, counted directly from that
record: no session tree runs more calls, writes or critical calls in any
window than its limits; a tree in read-only mode runs no write; a closed
session (ended by its host, or its budget spent) and its descendants run
nothing; no forbidden chain runs, split across sessions or not, without its
unlock. It shares no code with `decide()`: it is the brute-force witness the
semantics is held to.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from pathguard.fuzz.ops import session_label
from pathguard.policy.compile import CompiledPolicy, EndpointPlan
from pathguard.semantics.effect import Effect

PROPERTIES: dict[str, str] = {
    "budget": "no session tree runs more calls, writes or critical calls in any budget window than its "
              "limits allow",
    "closed": "a closed session (ended by its host, or its budget spent) and its descendants run nothing and "
              "spawn nothing",
    "read-only": "a session tree in read-only mode runs no write or delete",
    "forbidden": "no forbidden chain runs without its unlock, even split between sessions of a tree",
    "approver": "no principal of the requesting session tree can decide a request",
    "safe-hazard": "no hazard the model checker proved safe under the same options is ever reached",
    "invariant": "the invariants of the user's file hold over the whole run",
    "semantics": "a call runs only if decide() over the session and its ancestors allows it, or an "
                 "authenticated grant for exactly that call exists",
    "agreement": "the runtime decides as the semantics does: it refuses no call the semantics allows, "
                 "uses every usable grant, and never turns a deny into a request",
    "subagent-budget": "a sub-agent starts only when, and with the budget, the semantics gives it",
    "trace": "every call that ran has its row in the store's trace, with its result",
    "counterexample": "every counterexample of the model checker runs through the runtime to its hazard",
}
"""Every property, by id, as reports explain it (one SARIF rule covers them all: `fuzz-property`)."""


@dataclass(frozen=True)
class Violation:
    """A property that failed, why, and what it concerns: a policy clause (as `Reason.clause`
    names it), a hazard of the world, or an invariant (its index in the invariants file)."""

    prop: str
    message: str
    clause: str | None = None
    hazard: str | None = None
    invariant: int | None = None

    def to_json(self) -> dict[str, object]:
        return {"property": self.prop, "message": self.message, "clause": self.clause,
                "hazard": self.hazard, "invariant": self.invariant}


@dataclass
class _Watch:
    """What the oracle keeps of one session: its limits and what ran in its subtree."""

    parent: int
    budget: int | None
    read_only_actions: int | None
    closed: str | None = None
    """Why it is closed, once it is."""
    times: deque[float] = field(default_factory=deque)
    writes: deque[float] = field(default_factory=deque)
    critical: deque[float] = field(default_factory=deque)
    history: list[int] = field(default_factory=list)


class Oracle:
    """Checks what ran against the limits SPEC §3 promises, one run at a time."""

    def __init__(self, policy: CompiledPolicy) -> None:
        self.policy = policy
        self.span = policy.window_seconds
        self.watches = [self._watch(-1, policy.max_actions)]

    def _watch(self, parent: int, budget: int | None) -> _Watch:
        return _Watch(parent, budget, self.policy.with_budget(budget).read_only_actions)

    def lineage(self, who: int) -> list[int]:
        out = [who]
        while self.watches[out[-1]].parent >= 0:
            out.append(self.watches[out[-1]].parent)
        return out

    def spawned(self, parent: int, budget: int | None) -> Violation | None:
        """A child of `parent` started; a violation if its tree was closed."""
        closed = next((i for i in self.lineage(parent) if self.watches[i].closed), None)
        self.watches.append(self._watch(parent, budget))
        if closed is None:
            return None
        return Violation("closed", f"{session_label(parent)} spawned a sub-agent although "
                         f"{session_label(closed)} is closed ({self.watches[closed].closed})",
                         clause=self._budget_clause(closed))

    def closed_by_host(self, who: int) -> None:
        for i in range(len(self.watches)):
            if who in self.lineage(i) and self.watches[i].closed is None:
                self.watches[i].closed = "ended by its host"

    def _budget_clause(self, index: int) -> str:
        return "max_actions" if index == 0 else "max_budget"

    def ran(self, who: int, plan: EndpointPlan, now: float, granted: bool) -> list[Violation]:
        """`plan`'s call ran in session `who` at `now` (on a grant when `granted`): the
        violations of what SPEC §3 promises, budget first."""
        policy, edge = self.policy, now - self.span
        before: list[Violation] = []
        after: list[Violation] = []
        call = plan.name
        for index in self.lineage(who):
            w = self.watches[index]
            name = session_label(index)
            for queue in (w.times, w.writes, w.critical):
                while queue and queue[0] <= edge:
                    queue.popleft()
            if w.closed is not None:
                before.append(Violation("closed", f"{session_label(who)} ran `{call}` although {name} is "
                                        f"closed ({w.closed})", clause=self._budget_clause(index)))
            if not plan.is_read:
                ro_writes = policy.read_only_writes
                if (w.read_only_actions is not None and len(w.times) >= w.read_only_actions) or (
                        ro_writes is not None and len(w.writes) >= ro_writes):
                    before.append(Violation("read-only", f"{session_label(who)} ran `{call}`, a "
                                            f"{plan.kind}, while {name}'s tree is read-only ({len(w.times)} "
                                            f"actions, {len(w.writes)} writes in the window)",
                                            clause="read_only_at"))
            for entry in plan.forbidden:
                if entry.first in w.history[-entry.within:] and (entry.effect is Effect.DENY or not granted):
                    first = policy.endpoint_names[entry.first]
                    unlock = "a final deny" if entry.effect is Effect.DENY else "no grant was used"
                    before.append(Violation("forbidden", f"{session_label(who)} ran `{call}` within "
                                            f"{entry.within} call(s) of `{first}` in {name}'s history "
                                            f"({unlock})", clause=f"forbidden {entry.number}"))
            w.times.append(now)
            w.history.append(plan.index)
            if not plan.is_read:
                w.writes.append(now)
            if plan.critical:
                w.critical.append(now)
            after += self._limits(index, w, call)
        return after + before

    def _limits(self, index: int, w: _Watch, call: str) -> list[Violation]:
        out = []
        name, minutes = session_label(index), f"{self.span / 60:g} min"
        if w.budget is not None and len(w.times) > w.budget:
            out.append(Violation("budget", f"`{call}` made {name}'s tree run {len(w.times)} calls within "
                                 f"{minutes}; its budget is {w.budget}", clause=self._budget_clause(index)))
        for count, limit, clause, what in ((len(w.writes), self.policy.max_writes, "max_writes", "writes"),
                                           (len(w.critical), self.policy.max_critical, "max_critical",
                                            "critical calls")):
            if limit is not None and count > limit:
                out.append(Violation("budget", f"`{call}` made {name}'s tree run {count} {what} within "
                                     f"{minutes}; the limit is {limit}", clause=clause))
        if w.budget is not None and len(w.times) >= w.budget and w.closed is None:
            w.closed = f"its budget of {w.budget} action(s) is spent"
        return out
