"""Session trees (SPEC §3 "Sub-agents"): deciding, running and spawning in a tree.

A session may spawn a child with a budget `b`; the child's `max_actions` is the
least of `b`, `subagents.max_budget` and the parent's remaining actions. A call
of any session is decided against that session and each of its ancestors (its
*lineage*), each with its own action budget and counters, and the most
restrictive effect wins; when it runs it is counted in, and appended to the
history of, every session of the lineage. Hence a tree never exceeds its root's
budget, write and critical limits hold for the whole tree, and a forbidden pair
split between parent and child, or between siblings, is seen by their common
ancestor. A closed session (its budget spent, or closed by its host) denies the
calls of all its descendants, because they are decided against it too.

Pure functions of values: the runtime (`GuardedSession`) and the model checker
(`TransitionSystem`) both call them; neither keeps its own copy of these rules.
A budget of None means "no action budget" (the policy sets no `max_actions`,
`subagents.max_budget` and the parent have none either).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy, EndpointPlan
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Decision, Reason
from pathguard.semantics.session import SessionState, executed

Lineage = Sequence[tuple[CompiledPolicy, SessionState]]
"""A session and its ancestors, nearest first: each with the policy it runs under (the
tree's policy with that session's own action budget) and its state."""


def _ancestor(reason: Reason, distance: int) -> Reason:
    """A reason given by an ancestor's decision, saying whose."""
    whose = "parent" if distance == 1 else f"ancestor {distance} levels up"
    return Reason(reason.layer, reason.clause, f"{whose} session: {reason.text}")


def decide_lineage(world: World, lineage: Lineage, call: str) -> Decision:
    """`decide()` against the session and each of its ancestors; the most restrictive effect
    wins and keeps the reasons of every session that gave it (nearest first)."""
    policy, state = lineage[0]
    decision = decide(world, policy, state, call)
    if len(lineage) == 1:  # a root session: its own decision
        return decision
    effect, reasons = decision.effect, decision.reasons
    for distance in range(1, len(lineage)):
        policy, state = lineage[distance]
        above = decide(world, policy, state, call)
        if above.effect < effect:
            continue
        marked = tuple(_ancestor(r, distance) for r in above.reasons)
        if above.effect > effect:
            effect, reasons = above.effect, marked
        else:
            reasons += marked
    return Decision(effect, reasons)


def run_lineage(lineage: Lineage, plan: EndpointPlan) -> tuple[SessionState, ...]:
    """The states after the call ran: counted in, and appended to the history of, the session
    and every ancestor (each closes when its own window's actions reach its own budget)."""
    if len(lineage) == 1:  # a root session (runs on every check: no generator for one state)
        policy, state = lineage[0]
        return (executed(policy, state, plan),)
    return tuple([executed(policy, state, plan) for policy, state in lineage])


def spawn_budget(lineage: Lineage, asked: int | None) -> int | None:
    """The budget of a child the first session of `lineage` spawns: 0 (no child) when it or an
    ancestor is closed (a closed session closes its descendants), else `child_budget`."""
    if any(state.closed for _, state in lineage):
        return 0
    policy, parent = lineage[0]
    return child_budget(policy, parent, asked)


def child_budget(policy: CompiledPolicy, parent: SessionState, asked: int | None) -> int | None:
    """The least of `asked`, `subagents.max_budget` and the parent's remaining actions in its
    window (`policy` is the parent's own); None when none of them sets a limit. 0: no child."""
    if parent.closed:
        return 0
    limits = [x for x in (asked, policy.subagent_budget) if x is not None]
    if policy.max_actions is not None:
        limits.append(max(0, policy.max_actions - parent.window_actions))
    return max(0, min(limits)) if limits else None


def child_state(parent: SessionState, budget_policy: CompiledPolicy) -> SessionState:
    """A new child's state: fresh counters and history (its ancestors keep the tree's), one
    level deeper than its parent."""
    return SessionState.root(budget_policy, depth=parent.depth + 1)


def host_closed(state: SessionState) -> SessionState:
    """A session its host ended: it runs nothing more, nor do its descendants."""
    return state if state.closed else state._replace(closed=True)


def window_expired(state: SessionState) -> SessionState:
    """A session after its whole budget window has passed: window counts drop to 0; totals,
    history and `closed` stay (the model checker's `wait`)."""
    return state.with_window(0, 0, 0)


# --- trees as values, for the model checker -------------------------------------------------


class Member(NamedTuple):
    """One session of a tree held as a value: its parent's index (-1 for the root), its action
    budget (its own `max_actions`) and its state."""

    parent: int
    budget: int | None
    state: SessionState


Tree = tuple[Member, ...]


def root_tree(policy: CompiledPolicy) -> Tree:
    return (Member(-1, policy.max_actions, SessionState.root(policy)),)


def lineage_of(tree: Tree, who: int) -> list[int]:
    """Indices of `who` and its ancestors, nearest first."""
    out = [who]
    while tree[out[-1]].parent >= 0:
        out.append(tree[out[-1]].parent)
    return out


def lineage(policy: CompiledPolicy, tree: Tree, who: int) -> list[tuple[CompiledPolicy, SessionState]]:
    return [(policy.with_budget(tree[i].budget), tree[i].state) for i in lineage_of(tree, who)]


def decide_in_tree(world: World, policy: CompiledPolicy, tree: Tree, who: int, call: str) -> Decision:
    return decide_lineage(world, lineage(policy, tree, who), call)


def run_in_tree(policy: CompiledPolicy, tree: Tree, who: int, call: str) -> Tree:
    indices = lineage_of(tree, who)
    after = run_lineage(lineage(policy, tree, who), policy.plans[call])
    members = list(tree)
    for i, state in zip(indices, after, strict=True):
        members[i] = members[i]._replace(state=state)
    return tuple(members)


def spawn_in_tree(policy: CompiledPolicy, tree: Tree, parent: int, asked: int | None = None) -> Tree | None:
    """The tree after session `parent` spawned a child (asking for `asked` actions; None asks for
    as many as it may get), or None when the parent cannot give a child any budget."""
    member = tree[parent]
    budget = spawn_budget(lineage(policy, tree, parent), asked)
    if budget == 0:
        return None
    return (*tree, Member(parent, budget, child_state(member.state, policy.with_budget(budget))))

