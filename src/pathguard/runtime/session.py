"""A guarded session: every call goes through `decide()` with the real sliding window.

The session keeps the timestamps of its executed calls; when the oldest leaves
`policy.window_seconds`, the `window_*` counts of the SessionState are recounted
from the timestamps still inside. An allowed check counts as executed at once
(`executed()`): the runtime cannot tell a call that ran from one that was
skipped, and counting it is the fail-closed choice; `record()` attaches the
result. The session closes for good when the window's actions reach
`max_actions` and is then flagged for review. Any failure inside `check`
(store down, corrupt row, missing model, a bug) becomes `deny` with the reason.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pathguard.runtime.approvals import call_hash, identity, resolve
from pathguard.runtime.decision import Checked
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect, Reason
from pathguard.semantics.session import SessionState, executed
from pathguard.store.base import ActionRow, AlertRow, ApprovalRow, SessionRow

if TYPE_CHECKING:
    from pathguard.policy.compile import CompiledPolicy, EndpointPlan
    from pathguard.runtime.guard import Guard
    from pathguard.runtime.intent import IntentTrack

ALLOW, APPROVAL, DENY = Effect.ALLOW, Effect.APPROVAL, Effect.DENY
EMPTY: dict[str, Any] = {}
NAMES = {e: e.name.lower() for e in Effect}


class GuardedSession:
    def __init__(self, guard: Guard, agent: str, intent: str, *, policy: CompiledPolicy | None = None,
                 parent: GuardedSession | None = None, scope: str | None = None,
                 track: IntentTrack | None = None, budget: int | None = None) -> None:
        self.guard = guard
        self.agent = agent
        self.intent = intent
        self.policy = policy or guard.policy
        self.parent = parent
        self.scope = scope
        self.budget = budget
        self.session_id = uuid.uuid4().hex
        self.barred: tuple[str, ...] = (identity(agent), *(parent.barred if parent else ()))
        depth = parent.state.depth + 1 if parent else 0
        self.state: SessionState = SessionState.root(self.policy, depth=depth)
        if parent is not None:  # layer 3 inherited in full: the child's history starts from the parent's
            self.state = replace(self.state, recent=parent.state.recent[-self.policy.memory:]
                                 if self.policy.memory else ())
        self.window: deque[float] = deque()  # when each executed call in the window ran ...
        self.window_plans: deque[EndpointPlan] = deque()  # ... and what it was (no tuple per call)
        self.track = track
        self.reserved = 0          # actions promised to open children, not yet used by them
        self.children: list[GuardedSession] = []
        self.asked: set[str] = set()  # call hashes this session has opened approval requests for
        self.seq = 0
        self.blocked = False
        self.final_state: str | None = None
        self._store = guard.store
        self._clock = guard.clock
        self._world = guard.world
        self._plans = self.policy.plans
        self._span = self.policy.window_seconds
        self._threshold = self.policy.intent_threshold if track is not None else None
        self._simple = parent is None
        # durable=False: the session's first durable write (a non-read row, or the close) flushes it
        self._store.open_session(SessionRow(self.session_id, agent, intent, self._clock(),
                                            parent.session_id if parent else None, policy=self.policy.name),
                                 durable=False)

    # -- context manager ------------------------------------------------------------------
    def __enter__(self) -> GuardedSession:
        self.guard._active.append(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.guard._active and self.guard._active[-1] is self:
            self.guard._active.pop()
        if kind is None:
            self.close()
        elif issubclass(kind, KeyboardInterrupt | GeneratorExit):
            self.close("cancelled")
        else:
            self.close("error")

    def close(self, final_state: str | None = None) -> None:
        """End the session: completed, or blocked if a call was denied or the budget closed it."""
        if self.final_state is not None:
            return
        for child in self.children:
            child.close("cancelled" if final_state == "cancelled" else None)
        if final_state is None:
            final_state = "blocked" if self.blocked or self.state.closed else "completed"
        self.final_state = final_state
        self.state = replace(self.state, closed=True)  # a finished session runs nothing more
        if self.parent is not None:
            self.parent.reserved -= max(0, (self.budget or 0) - self.state.actions)
        self._store.close_session(self.session_id, final_state, self._clock())

    def cancel(self) -> None:
        self.close("cancelled")

    # -- the hot path -----------------------------------------------------------------------
    def check(self, endpoint: str, params: dict[str, Any] | None = None) -> Checked:
        """Decide one call now; a non-read decision is durable in the store before this returns."""
        try:
            return self._check(endpoint, EMPTY if params is None else params)
        except Exception as exc:  # fail closed: the one broad except of the runtime
            return self._failed(endpoint, params, exc)

    def _check(self, endpoint: str, params: dict[str, Any]) -> Checked:
        now = self._clock()
        window = self.window
        if window and window[0] <= now - self._span:
            self._slide(now)
        if self.guard.fault is not None:
            raise self.guard.fault
        state = self.state if self._simple and not self.reserved else self._view()
        decision = decide(self._world, self.policy, state, endpoint)
        effect, reasons = decision.effect, decision.reasons
        kind = None if effect is ALLOW else self._kind(effect, reasons)
        if kind is None:
            return self._decided(endpoint, params, effect, reasons, approval_id=None, now=now)
        with self._store.unit():  # the request's steps and the action row: one commit on SQLite
            effect, reasons, approval_id = self._approval(endpoint, params, kind, reasons, now)
            return self._decided(endpoint, params, effect, reasons, approval_id=approval_id, now=now)

    def _decided(self, endpoint: str, params: dict[str, Any], effect: Effect, reasons: tuple[Reason, ...], *,
                 approval_id: int | None, now: float) -> Checked:
        """Run an allowed call, then store the decision (durably unless the call is a read)."""
        plan = self._plans.get(endpoint)
        track = self.track
        deviation = None if track is None else track.deviation
        if effect is ALLOW:
            assert plan is not None  # ALLOW implies a known endpoint
            if self.scope is not None:
                return self._scoped(self.scope, plan, endpoint, params, reasons=reasons, deviation=deviation,
                                    approval_id=approval_id, now=now)
            self._run(plan, now)
            if track is not None:
                deviation = track.deviation
        else:
            self.blocked = True
        self.seq += 1
        row = ActionRow(self.session_id, self.seq, now, endpoint, params, NAMES[effect], reasons, deviation,
                        None, None, None, approval_id)
        self._store.append_action(row, durable=plan is None or not plan.is_read)
        return Checked(self.session_id, self.seq, endpoint, params, effect, reasons, deviation, approval_id)

    def _scoped(self, scope: str, plan: EndpointPlan, endpoint: str, params: dict[str, Any], *,
                reasons: tuple[Reason, ...], deviation: float | None, approval_id: int | None,
                now: float) -> Checked:
        """An allowed call under a shared budget: the store takes the unit and keeps the row in
        one atomic step (one round trip); the call runs only if the unit was taken."""
        seq = self.seq + 1
        after = None if self.track is None else self.track.deviation_after(plan.index)
        allowed = ActionRow(self.session_id, seq, now, endpoint, params, "allow", reasons, after,
                            None, None, None, approval_id)
        denied_reasons = (Reason("scope", "scope", f"scope: shared budget `{scope}` is used up"),)
        denied = allowed._replace(effect="deny", reasons=denied_reasons, deviation=deviation)
        taken = self._store.reserve_append(scope, allowed, denied, durable=not plan.is_read)
        self.seq = seq
        if not taken:
            self.blocked = True
            return Checked(self.session_id, seq, endpoint, params, DENY, denied_reasons, deviation,
                           approval_id)
        self._run(plan, now)
        return Checked(self.session_id, seq, endpoint, params, ALLOW, reasons, after, approval_id)

    def _run(self, plan: EndpointPlan, now: float) -> None:
        """The call runs: history, counters, window, intent; then the ancestors' budgets."""
        self._absorb(plan, now)
        if self.track is not None:
            track = self.track
            track.executed(plan.index)
            if self._threshold is not None and not self.state.review and track.similarity < self._threshold:
                self.state = replace(self.state, review=True)
                self._alert(now, "review", f"intent: similarity {track.similarity:.3f} fell below "
                            f"{self._threshold:g} (deviation {track.deviation:.1f}); non-read calls need "
                            "approval")
        parent = self.parent
        while parent is not None:
            parent.reserved -= 1
            parent._absorb(plan, now)
            parent = parent.parent

    def _absorb(self, plan: EndpointPlan, now: float) -> None:
        was_closed = self.state.closed
        self.state = executed(self.policy, self.state, plan)
        self.window.append(now)
        self.window_plans.append(plan)
        if self.state.closed and not was_closed:
            self._alert(now, "review", f"closed: {self.state.window_actions} of {self.policy.max_actions} "
                        "actions used in the window; session closed for good and flagged for review")

    def _slide(self, now: float) -> None:
        """Drop calls older than the window and recount the window from the timestamps left."""
        window, plans, edge = self.window, self.window_plans, now - self._span
        while window and window[0] <= edge:
            window.popleft()
            plans.popleft()
        self.state = replace(self.state, window_actions=len(window),
                             window_writes=sum(1 for p in plans if p.is_write),
                             window_critical=sum(1 for p in plans if p.critical))

    def _view(self) -> SessionState:
        """The state decide() sees: actions promised to children count as used; a session
        whose ancestor closed is closed."""
        state = self.state
        if self.reserved:
            state = replace(state, window_actions=state.window_actions + self.reserved)
        parent = self.parent
        while parent is not None:
            if parent.window and parent.window[0] <= self._clock() - parent._span:
                parent._slide(self._clock())
            if parent.state.closed or parent.final_state is not None:
                return replace(state, closed=True)
            parent = parent.parent
        return state

    def _kind(self, effect: Effect, reasons: tuple[Reason, ...]) -> str | None:
        """An `approval` decision, or a deny that only layer 3 gives, goes out of band."""
        if effect is APPROVAL:
            return "approval"
        if self.guard.unlock_forbidden and all(r.layer == "forbidden" for r in reasons):
            return "unlock"
        return None

    def _approval(self, endpoint: str, params: dict[str, Any], kind: str, reasons: tuple[Reason, ...],
                  now: float) -> tuple[Effect, tuple[Reason, ...], int | None]:
        """Use a grant, or report or open the request for this exact call."""
        effect = APPROVAL if kind == "approval" else DENY
        key = call_hash(self.session_id, endpoint, params)
        row = ApprovalRow(0, key, self.session_id, self.agent, self.barred, endpoint, params, kind,
                          tuple(r.text for r in reasons), "pending", now, now + self.guard.approval_timeout)
        asked = key in self.asked
        self.asked.add(key)  # before the store is asked: a failed attempt may have opened one
        outcome = resolve(self._store, row, now, asked=asked)
        reason = Reason("approval", kind, outcome.text)
        if outcome.run:
            return ALLOW, (*reasons, reason), outcome.approval_id
        return (effect if outcome.wait else DENY), (*reasons, reason), outcome.approval_id

    def _failed(self, endpoint: str, params: dict[str, Any] | None, exc: Exception) -> Checked:
        reason = Reason("internal", "error", f"internal: check failed closed: {type(exc).__name__}: {exc}")
        self.blocked = True
        self.seq += 1
        try:
            row = ActionRow(self.session_id, self.seq, self._clock(), endpoint, dict(params or {}), "deny",
                            (reason.text,), None)
            self._store.append_action(row, durable=True)
        except Exception:  # the store itself may be what failed; the deny stands regardless
            reason = Reason("internal", "error", reason.text + " (not recorded: the store failed too)")
        return Checked(self.session_id, self.seq, endpoint, dict(params or {}), DENY, (reason,), None, None)

    # -- after the call --------------------------------------------------------------------
    def record(self, decision: Checked, result: str = "success", latency_ms: float | None = None,
               token_cost: int | None = None) -> None:
        """Attach the call's outcome to its ActionTrace row."""
        self._store.update_action(self.session_id, decision.seq, result, latency_ms, token_cost)

    def _alert(self, now: float, kind: str, text: str) -> None:
        self._store.add_alert(AlertRow(self.session_id, now, kind, text))

    def spawn(self, intent: str, budget: int, agent: str | None = None) -> GuardedSession:
        """Start a sub-agent session (see `pathguard.runtime.subagents`)."""
        from pathguard.runtime.subagents import spawn

        return spawn(self, intent, budget, agent)

    @property
    def deviation(self) -> float | None:
        return None if self.track is None else self.track.deviation
