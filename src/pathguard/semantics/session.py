"""The session state `decide()` reads, and how an executed call changes it.

A small immutable value, hashable so the model checker can store it as is.
It keeps only what the compiled policy can observe: per-resource read counts
and per-endpoint call counts are empty tuples unless a `when` reads them, and
`recent` holds the last `policy.memory` calls (what `last` and the forbidden
windows look at). Window counts (`window_*`) are the counts inside the
budget's sliding window; the runtime lowers them as time passes, the static
analyses keep them equal to the session totals (one window).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pathguard.policy.compile import CompiledPolicy, EndpointPlan


class SessionState(NamedTuple):
    """A named tuple, not a frozen dataclass: one is built on every allowed call and for every
    state the model checker expands, and a tuple is built four times faster."""

    actions: int = 0
    reads: int = 0
    writes: int = 0
    deletes: int = 0
    critical: int = 0
    window_actions: int = 0
    window_writes: int = 0
    window_critical: int = 0
    resource_reads: tuple[int, ...] = ()
    endpoint_calls: tuple[int, ...] = ()
    recent: tuple[int, ...] = ()
    depth: int = 0
    closed: bool = False
    review: bool = False

    @classmethod
    def root(cls, policy: CompiledPolicy, depth: int = 0) -> SessionState:
        """A fresh session (depth 0 for a root, parent's + 1 for a sub-agent)."""
        return cls(resource_reads=(0,) * policy.resource_slots,
                   endpoint_calls=(0,) * policy.endpoint_slots, depth=depth)

    @property
    def last(self) -> int | None:
        return self.recent[-1] if self.recent else None

    def with_window(self, actions: int, writes: int, critical: int) -> SessionState:
        """The state with its window counts recounted (the runtime's sliding window)."""
        return self._replace(window_actions=actions, window_writes=writes, window_critical=critical)

    def with_review(self) -> SessionState:
        """The state once its intent deviation crossed the threshold (SPEC §3 clause 5)."""
        return self._replace(review=True)


def executed(policy: CompiledPolicy, state: SessionState, plan: EndpointPlan) -> SessionState:
    """The state after `plan`'s endpoint ran (SPEC §3: history and counters; the
    session closes for good when the window's `actions` reaches `max_actions`)."""
    resource_reads = state.resource_reads
    if plan.is_read and resource_reads:
        slot = plan.resource_slot
        resource_reads = (*resource_reads[:slot], resource_reads[slot] + 1, *resource_reads[slot + 1:])
    endpoint_calls = state.endpoint_calls
    if endpoint_calls:
        slot = plan.index
        endpoint_calls = (*endpoint_calls[:slot], endpoint_calls[slot] + 1, *endpoint_calls[slot + 1:])
    recent = (*state.recent, plan.index)[-policy.memory:] if policy.memory else ()
    window_actions = state.window_actions + 1
    closed = state.closed or (policy.max_actions is not None and window_actions >= policy.max_actions)
    # Built field by field, not with _replace: this runs on every allowed call.
    return SessionState(
        state.actions + 1,
        state.reads + plan.is_read,
        state.writes + plan.is_write,
        state.deletes + plan.is_delete,
        state.critical + plan.critical,
        window_actions,
        state.window_writes + plan.is_write,
        state.window_critical + plan.critical,
        resource_reads,
        endpoint_calls,
        recent,
        state.depth,
        closed,
        state.review,
    )
