"""A guarded session: every call decided by the one semantics, with real time and a store.

What decides lives in `pathguard.semantics` (`decide_lineage`, `run_lineage`,
`child_budget`, `unlockable`): a call is decided against the session and each
of its ancestors and, when it runs, counted in all of them (SPEC §3). This
module adds only what pure functions cannot hold: the clock (each session's
sliding window is recounted from the timestamps of its executed calls), the
store (the decision's row is written before the call counts), locks, and
intent tracking.

Concurrency: every session of one tree shares one re-entrant lock, held for
the whole of a check (decide, approval, store write, counting), so a session
used from many threads, or a tree whose children run in threads, never runs
more calls than its limits allow. A budget scope shared between trees and
processes is taken atomically by the store, with the row, in one step.

Failure: any exception inside `check` becomes `deny` with the reason (fail
closed), and a check that fails changes no counter. `record`, `close` and
opening a session never raise when the store fails: the session retries its
session row before its next check (and denies while it cannot), `record`
keeps a result the store refused and writes it later (until then the row's
result reads "unconfirmed"). An allowed check counts as executed at once:
the runtime cannot tell a call that ran from one that was skipped, and
counting it is the fail-closed choice.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pathguard.errors import PathguardError
from pathguard.runtime.approvals import call_hash, resolve
from pathguard.runtime.decision import Checked
from pathguard.semantics.approval import unlockable, with_grant
from pathguard.semantics.effect import Decision, Effect, Reason
from pathguard.semantics.params import ParamsError, checked_params
from pathguard.semantics.session import SessionState
from pathguard.semantics.tree import child_state, decide_lineage, host_closed, run_lineage
from pathguard.store.base import ActionRow, AlertRow, ApprovalRow, SessionRow

if TYPE_CHECKING:
    from pathguard.policy.compile import CompiledPolicy, EndpointPlan
    from pathguard.runtime.guard import Guard
    from pathguard.runtime.intent import IntentTrack

ALLOW, APPROVAL, DENY = Effect.ALLOW, Effect.APPROVAL, Effect.DENY
NAMES = {e: e.name.lower() for e in Effect}
UNRECORDED = 4096
"""Allowed calls a session remembers for `record()`; beyond, the oldest are forgotten (a host
that records nothing must not grow without bound)."""


class GuardedSession:
    def __init__(self, guard: Guard, agent: str, intent: str, *, parent: GuardedSession | None = None,
                 scope: str | None = None, track: IntentTrack | None = None,
                 budget: int | None = None) -> None:
        """A root session (no `parent`) runs under the guard's policy; a child under the same
        policy with its own action `budget` (see `spawn`)."""
        self.guard = guard
        self.agent = agent
        self.intent = intent
        self.parent = parent
        self.lock: threading.RLock = parent.lock if parent is not None else threading.RLock()
        self.budget = budget if parent is not None else guard.policy.max_actions
        self.policy = guard.policy.with_budget(self.budget)
        self.scope = scope
        self.session_id = uuid.uuid4().hex
        self.root_id: str = parent.root_id if parent is not None else self.session_id
        self.state: SessionState = SessionState.root(self.policy) if parent is None else \
            child_state(parent.state, self.policy)
        self.window: deque[float] = deque()  # when each executed call in the window ran ...
        self.window_plans: deque[EndpointPlan] = deque()  # ... and what it was
        self.track = track
        self.children: list[GuardedSession] = []
        self.asked: set[str] = set()  # call hashes this session has opened approval requests for
        self.seq = 0
        self.blocked = False
        self.final_state: str | None = None
        self._unrecorded: dict[int, Checked] = {}  # allowed calls whose result is not recorded yet
        self._unconfirmed: list[tuple[int, str | None, float | None, int | None]] = []
        self._store = guard.store
        self._clock = guard.clock
        self._world = guard.world
        self._plans = self.policy.plans
        self._span = self.policy.window_seconds
        self._threshold = self.policy.intent_threshold if track is not None else None
        self._row = SessionRow(self.session_id, agent, intent, self._clock(),
                               parent.session_id if parent is not None else None, policy=self.policy.name,
                               root=None if parent is None else self.root_id)
        self._opened = False
        try:  # durable=False: the session's first durable write (a non-read row, or the close) flushes it
            self._store.open_session(self._row, durable=False)
            self._opened = True
        except Exception:  # the store is down: the session's checks retry the row, and deny meanwhile
            self._opened = False

    # -- context manager ------------------------------------------------------------------
    def __enter__(self) -> GuardedSession:
        self.guard._entered(self)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.guard._exited(self)
        if kind is None:
            self.close()
        elif issubclass(kind, KeyboardInterrupt | GeneratorExit):
            self.close("cancelled")
        else:
            self.close("error")

    def close(self, final_state: str | None = None) -> None:
        """End the session (and its children): completed, or blocked if a call was denied or the
        budget closed it. Never raises: a final state the store refuses is lost, not the session."""
        with self.lock:
            if self.final_state is not None:
                return
            for child in self.children:
                child.close("cancelled" if final_state == "cancelled" else None)
            if final_state is None:
                final_state = "blocked" if self.blocked or self.state.closed else "completed"
            self.final_state = final_state
            self.state = host_closed(self.state)  # a finished session runs nothing more
            self._flush_records()
            try:
                if not self._opened:
                    self._open_row()
                self._store.close_session(self.session_id, final_state, self._clock())
            except Exception:  # the store is down: the row stays `running`, the session is closed
                return

    def cancel(self) -> None:
        self.close("cancelled")

    # -- the hot path -----------------------------------------------------------------------
    def check(self, endpoint: str, params: dict[str, Any] | None = None) -> Checked:
        """Decide one call now; the decision is in the store before this returns (durably unless
        the call is a read). Never raises: a failure is a `deny` that says why."""
        with self.lock:
            try:
                return self._check(endpoint, params)
            except Exception as exc:  # fail closed: the one broad except of the runtime
                return self._failed(endpoint, exc)

    def _check(self, endpoint: str, params: Any) -> Checked:
        now = self._clock()
        try:
            args = checked_params(params)
        except ParamsError as exc:  # refused before anything is counted
            return self._record_refusal(endpoint, now, Reason("params", "params", f"parameters: {exc}"))
        if self.guard.fault is not None:
            raise self.guard.fault
        if not self._opened:
            self._open_row()
        if self._unconfirmed:
            self._flush_records()
        chain = self._lineage(now)
        decision = decide_lineage(self._world, self._pairs(chain), endpoint)
        if not unlockable(decision):
            return self._decided(chain, endpoint, args, decision, None, now=now)
        with self._store.unit():  # the request's steps and the action row: one commit on SQLite
            decision, approval_id = self._approval(endpoint, args, decision, now)
            return self._decided(chain, endpoint, args, decision, approval_id, now=now)

    def _decided(self, chain: list[GuardedSession], endpoint: str, args: dict[str, Any], decision: Decision,
                 approval_id: int | None, *, now: float) -> Checked:
        """Store the decision; an allowed call then counts in the session and every ancestor."""
        effect, reasons = decision
        plan = self._plans.get(endpoint)
        track = self.track
        deviation = None if track is None else track.deviation
        seq = self.seq = self.seq + 1
        if effect is not ALLOW:
            self.blocked = True
            row = ActionRow(self.session_id, seq, now, endpoint, args, NAMES[effect], reasons, deviation,
                            None, None, None, approval_id)
            self._store.append_action(row, durable=plan is None or not plan.is_read)
            return Checked(self.session_id, seq, endpoint, args, effect, reasons, deviation,
                           approval_id)
        assert plan is not None  # allow implies a known endpoint
        after = run_lineage(self._pairs(chain), plan)
        if track is not None:
            deviation = track.deviation_after(plan.index)
        row = ActionRow(self.session_id, seq, now, endpoint, args, "allow", reasons, deviation,
                        None, None, None, approval_id)
        if self.scope is not None:
            refused = (Reason("scope", "scope", f"scope: shared budget `{self.scope}` is used up"),)
            denied = row._replace(effect="deny", reasons=refused,
                                  deviation=None if track is None else track.deviation)
            if not self._store.reserve_append(self.scope, row, denied, durable=not plan.is_read):
                self.blocked = True
                return Checked(self.session_id, seq, endpoint, args, DENY, refused,
                               denied.deviation, approval_id)
        else:
            self._store.append_action(row, durable=not plan.is_read)
        for session, state in zip(chain, after, strict=True):  # stored: now it counts
            session._counted(state, plan, now)
        if track is not None:
            track.executed(plan.index)
            if self._threshold is not None and not self.state.review and track.similarity < self._threshold:
                self.state = self.state.with_review()
                self._alert(now, "review", f"intent: similarity {track.similarity:.3f} fell below "
                            f"{self._threshold:g} (deviation {track.deviation:.1f}); non-read calls need "
                            "approval")
        checked = Checked(self.session_id, seq, endpoint, args, ALLOW, reasons, deviation,
                          approval_id)
        unrecorded = self._unrecorded
        unrecorded[seq] = checked
        if len(unrecorded) > UNRECORDED:  # a host that never records: the oldest is forgotten
            del unrecorded[next(iter(unrecorded))]
        return checked

    def _counted(self, state: SessionState, plan: EndpointPlan, now: float) -> None:
        was_closed = self.state.closed
        self.state = state
        self.window.append(now)
        self.window_plans.append(plan)
        if state.closed and not was_closed:
            self._alert(now, "review", f"closed: {state.window_actions} of {self.policy.max_actions} "
                        "actions used in the window; session closed for good and flagged for review")

    def _lineage(self, now: float) -> list[GuardedSession]:
        """This session and its ancestors, nearest first, each window slid to `now`."""
        if self.parent is None:  # a root session: most checks
            if self.window and self.window[0] <= now - self._span:
                self._slide(now)
            return [self]
        chain: list[GuardedSession] = []
        session: GuardedSession | None = self
        while session is not None:
            window = session.window
            if window and window[0] <= now - session._span:
                session._slide(now)
            chain.append(session)
            session = session.parent
        return chain

    @staticmethod
    def _pairs(chain: list[GuardedSession]) -> tuple[tuple[CompiledPolicy, SessionState], ...]:
        """The lineage as the semantics reads it: (policy, state) per session, nearest first."""
        if len(chain) == 1:
            return ((chain[0].policy, chain[0].state),)
        return tuple([(s.policy, s.state) for s in chain])

    def _slide(self, now: float) -> None:
        """Drop calls older than the window and recount the window from the timestamps left."""
        window, plans, edge = self.window, self.window_plans, now - self._span
        while window and window[0] <= edge:
            window.popleft()
            plans.popleft()
        self.state = self.state.with_window(len(window), sum(1 for p in plans if p.is_write),
                                            sum(1 for p in plans if p.critical))

    def tree_agents(self) -> tuple[str, ...]:
        """The agent names of every session of this session's tree (none of them may approve)."""
        root: GuardedSession = self
        while root.parent is not None:
            root = root.parent
        names: list[str] = []
        todo = [root]
        while todo:
            session = todo.pop()
            names.append(session.agent)
            todo.extend(session.children)
        return tuple(dict.fromkeys(names))

    def _approval(self, endpoint: str, args: dict[str, Any], decision: Decision,
                  now: float) -> tuple[Decision, int | None]:
        """Use a grant for this exact call, or report or open its request."""
        key = call_hash(self.session_id, endpoint, args)
        tree = self.tree_agents()
        row = ApprovalRow(0, key, self.session_id, self.agent, tree, endpoint, args, "approval",
                          tuple(r.text for r in decision.reasons), "pending", now,
                          now + self.guard.approval_timeout, root=self.root_id)
        asked = key in self.asked
        self.asked.add(key)  # before the store is asked: a failed attempt may have opened one
        outcome = resolve(self._store, row, now, self.guard.trust, tree, asked=asked)
        reason = Reason("approval", "approval", outcome.text)
        if outcome.run:
            return with_grant(decision, reason), outcome.approval_id
        return Decision(APPROVAL if outcome.wait else DENY, (*decision.reasons, reason)), outcome.approval_id

    def _record_refusal(self, endpoint: str, now: float, reason: Reason) -> Checked:
        """A call refused before deciding (bad parameters): stored, nothing counted."""
        self.blocked = True
        seq = self.seq = self.seq + 1
        if not self._opened:
            self._open_row()
        row = ActionRow(self.session_id, seq, now, endpoint, {}, "deny", (reason,), None)
        self._store.append_action(row, durable=True)
        return Checked(self.session_id, seq, endpoint, {}, DENY, (reason,), None, None)

    def _failed(self, endpoint: str, exc: Exception) -> Checked:
        reason = Reason("internal", "error", f"internal: check failed closed: {type(exc).__name__}: {exc}")
        self.blocked = True
        seq = self.seq = self.seq + 1
        try:
            if not self._opened:
                self._open_row()
            row = ActionRow(self.session_id, seq, self._clock(), endpoint, {}, "deny", (reason.text,), None)
            self._store.append_action(row, durable=True)
        except Exception:  # the store itself may be what failed; the deny stands regardless
            reason = Reason("internal", "error", reason.text + " (not recorded: the store failed too)")
        return Checked(self.session_id, seq, endpoint, {}, DENY, (reason,), None, None)

    def _open_row(self) -> None:
        """Write the session's row (once); raises while the store cannot take it."""
        self._store.open_session(self._row, durable=False)
        self._opened = True

    # -- after the call --------------------------------------------------------------------
    def record(self, decision: Checked, result: str = "success", latency_ms: float | None = None,
               token_cost: int | None = None) -> None:
        """Attach the outcome of an allowed call of this session to its trace row, once.

        Raises PathguardError for anything else (a denied or pending decision, another
        session's, a copy, a second record): a host cannot write a result for a call the
        guard did not let run. Never raises when the store fails: the result is kept and
        written with the session's next store write; until then the row reads unconfirmed."""
        with self.lock:
            if self._unrecorded.get(decision.seq) is not decision:
                raise PathguardError(f"record(): `{decision.endpoint}` #{decision.seq} is not an allowed "
                                     f"call of session {self.session_id} awaiting its result")
            del self._unrecorded[decision.seq]
            self._unconfirmed.append((decision.seq, result, latency_ms, token_cost))
            self._flush_records()

    def _flush_records(self) -> None:
        while self._unconfirmed:
            seq, result, latency_ms, token_cost = self._unconfirmed[0]
            try:
                self._store.update_action(self.session_id, seq, result, latency_ms, token_cost)
            except Exception:  # kept for the next write: record() never raises into the host
                return
            self._unconfirmed.pop(0)

    @property
    def unconfirmed(self) -> int:
        """Results recorded by the host that the store has not taken yet."""
        return len(self._unconfirmed)

    def _alert(self, now: float, kind: str, text: str) -> None:
        """Best effort: an alert the store refuses must not undo a decision already stored."""
        try:
            self._store.add_alert(AlertRow(self.session_id, now, kind, text))
        except Exception:  # the decision and its row stand; the alert is lost
            return

    def spawn(self, intent: str, budget: int, agent: str | None = None) -> GuardedSession:
        """Start a sub-agent session (see `pathguard.runtime.subagents`)."""
        from pathguard.runtime.subagents import spawn

        return spawn(self, intent, budget, agent)

    @property
    def deviation(self) -> float | None:
        return None if self.track is None else self.track.deviation
