"""Is a new policy weaker than an old one? A precise definition and an exact decision procedure.

**Definition.** Policy `new` is *not weaker* than `old` (over one world's
endpoints, under given options) when, for every sequence of steps that `new`
lets run, with every approval granted, each call of the sequence is decided
by `new` at least as restrictively as by `old` (`deny > approval > allow`),
and `new` starts no sub-agent where `old` refuses one. A step is a call by
any session of the tree, and, as the options allow, a spawn (asking for as
many actions as it may get) or a wait past the budget window. World
preconditions (`needs`, `when`) are not checked, as for paths (SPEC §4): the
policies are compared on every order of calls, not on one world's plans.

By induction on the sequence, old then also lets it run, so the two policies
are compared on the same histories; it follows that every run `new` allows
(or gates) `old` allows or gates too, and every call `new` lets through
without an approval `old` lets through without one.

**Procedure.** Breadth-first search of the product of the two transition
systems of the model checker (`TransitionSystem`, each with its own exact
counter reductions), stepping both on every step `new` lets run; the first
step `new` decides less restrictively is a shortest witness. An exhausted
search proves the policies comparable; a search cut by `max_states` settles
nothing (`Unsettled`), nor does one cut by `seconds`. Policies whose own
state spaces are large (the Railway post-incident policy has hundreds of
thousands of states) may stay unsettled: compare them with fewer options.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from pathguard.model.world import World
from pathguard.modelcheck.system import WAIT, Options, TransitionSystem, label, spawn_label
from pathguard.policy.compile import CompiledPolicy
from pathguard.semantics.tree import Tree

DEFAULT_MAX_STATES = 1_000_000
DEFAULT_SECONDS = 60.0


@dataclass(frozen=True)
class Weakening:
    """A shortest witness: the steps both policies let run, then the step `new` lets through
    more easily, with how each decides it."""

    steps: tuple[str, ...]
    step: str
    new: str
    old: str

    def __str__(self) -> str:
        before = " → ".join(self.steps) if self.steps else "(a fresh session)"
        return (f"after {before}, `{self.step}` is {self.new} under the new policy but {self.old} under "
                "the old")


class Unsettled(AssertionError):
    """The search stopped at its state limit: neither weaker nor proved not weaker."""


def find_weakening(world: World, old: CompiledPolicy, new: CompiledPolicy, *, subagents: int = 0,
                   model_time: bool = False, max_states: int = DEFAULT_MAX_STATES,
                   seconds: float = DEFAULT_SECONDS) -> Weakening | None:
    """A shortest witness that `new` is weaker than `old`, or None when it is not (see module doc)."""
    options = Options(assume_approvals=True, model_time=model_time, subagents=subagents)
    sys_new, sys_old = TransitionSystem(world, new, options), TransitionSystem(world, old, options)
    start = (sys_new.initial_state().sessions, sys_old.initial_state().sessions)
    seen: set[tuple[Tree, Tree]] = {start}
    queue: deque[tuple[tuple[Tree, Tree], tuple[str, ...]]] = deque([(start, ())])

    deadline = time.monotonic() + seconds

    def push(pair: tuple[Tree, Tree], steps: tuple[str, ...]) -> None:
        if pair not in seen:
            if len(seen) >= max_states:
                raise Unsettled(f"no witness within {max_states:,} states of the two policies (max_states)")
            if len(seen) % 1024 == 0 and time.monotonic() > deadline:
                raise Unsettled(f"no witness within {seconds:g} s ({len(seen):,} states of the two policies)")
            seen.add(pair)
            queue.append((pair, steps))

    while queue:
        (t_new, t_old), steps = queue.popleft()
        for who in range(len(t_new)):
            for name in world.names:
                d_new, after_new = sys_new.session_step(t_new, who, name)
                d_old, after_old = sys_old.session_step(t_old, who, name)
                if d_new.effect < d_old.effect:
                    return Weakening(steps, label(who, name), f"{d_new.effect} ({'; '.join(d_new.texts)})",
                                     f"{d_old.effect} ({'; '.join(d_old.texts)})")
                if after_new is not None:
                    assert after_old is not None  # old decides no more strictly, so it runs too
                    push((after_new, after_old), (*steps, label(who, name)))
        waited_new, waited_old = sys_new.waited(t_new), sys_old.waited(t_old)
        if waited_new is not None or waited_old is not None:
            push((waited_new or t_new, waited_old or t_old), (*steps, WAIT))
        for parent in range(len(t_new)):
            child_new, child_old = sys_new.spawned(t_new, parent), sys_old.spawned(t_old, parent)
            if child_new is not None and child_old is None:
                return Weakening(steps, spawn_label(parent), "a sub-agent starts", "refused")
            if child_new is not None and child_old is not None:
                push((child_new, child_old), (*steps, spawn_label(parent)))
    return None
