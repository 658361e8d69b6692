"""Operations as integer codes, and the Hypothesis strategies that draw them.

A fuzz example is a fixed-length list of codes, two integers per operation:
two draws each keep generation cheap next to the guard it drives (a few
thousand operations a second), and shrinking works as deletion, because kind
0 is `skip`: the shrinker drives every operation the failure does not need to
0, and the minimal sequence is what is left. A code picks a kind by weight
(mostly calls, then approvals and retries of what waits, sub-agents, clock
steps and closes) and packs the kind's fields, ordered so that a smaller code
is also simpler to read: a call before anything else, the root before
children, the first endpoint before later ones, no parameters before some,
the trusted approver before the tree principal and the impostor, a second
before a whole window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import strategies as st

from pathguard.fuzz.ops import PRINCIPALS, Op, OpKind
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy

BUDGETS = (1, 2, 3, 5, 8, 1 << 20)
"""What a spawn asks for (the last: as much as it may get, as the model checker's spawns do)."""
WEIGHTS: tuple[tuple[OpKind, int], ...] = (("call", 12), ("grant", 2), ("retry", 2), ("spawn", 2),
                                           ("wait", 2), ("deny", 1), ("forge", 1), ("close", 1))
PARAMS = ("none", "none", "none", "id1", "id1", "id2", "n3", "nan", "int-key")
"""Parameter names of a call, weighted (see `pathguard.fuzz.ops.PARAMS`)."""
WHO = 4
"""Session indices drawn (taken modulo the sessions that exist)."""
REQUESTS = 4
"""Request ages drawn (0 is the newest, taken modulo the requests opened)."""
SLOTS: tuple[OpKind, ...] = tuple(kind for kind, weight in WEIGHTS for _ in range(weight))


def wait_steps(policy: CompiledPolicy) -> tuple[float, ...]:
    """Clock steps inside and across the budget window and the approvals' expiry."""
    span, expire = policy.window_seconds, policy.approval_expire_seconds
    return tuple(sorted({1.0, 60.0, span / 2, expire + 1, span + 1}))


SCRAMBLE = 7919
"""A prime: Hypothesis draws integers of ranges above 256 biased toward small values, so a call's
endpoint and parameters (one integer) are spread over their range by multiplying with it."""


@dataclass(frozen=True)
class OpSpace:
    """The codes of one world and policy: an operation is a pair of integers, (kind and session,
    fields); `decode` gives its `Op`, or None for `skip` (kind 0)."""

    names: tuple[str, ...]
    waits: tuple[float, ...]

    @classmethod
    def of(cls, world: World, policy: CompiledPolicy) -> OpSpace:
        return cls(world.names, wait_steps(policy))

    @property
    def heads(self) -> int:
        """Kind (by weight slot) and session, packed; 0 is `skip`. At most 256, so drawn uniformly."""
        return 1 + len(SLOTS) * WHO

    @property
    def tails(self) -> int:
        """The other fields, packed: enough for a call's endpoint and parameters."""
        return len(self.names) * len(PARAMS)

    def decode(self, head: int, tail: int) -> Op | None:
        if head == 0:
            return None
        slot, who = divmod(head - 1, WHO)
        kind = SLOTS[slot]
        n = tail if self.tails <= 256 or math.gcd(SCRAMBLE, self.tails) != 1 else tail * SCRAMBLE % self.tails
        if kind == "call":
            endpoint, param = divmod(n, len(PARAMS))
            return Op("call", who=who, endpoint=self.names[endpoint], params=PARAMS[param])
        if kind == "spawn":
            return Op("spawn", who=who, budget=BUDGETS[n % len(BUDGETS)])
        if kind == "close":
            return Op("close", who=who)
        if kind == "wait":
            return Op("wait", seconds=self.waits[n % len(self.waits)])
        if kind == "grant":
            request, by = divmod(n % (REQUESTS * len(PRINCIPALS)), len(PRINCIPALS))
            return Op("grant", request=request, by=PRINCIPALS[by])
        return Op(kind, request=n % REQUESTS)

    def codes(self, length: int) -> st.SearchStrategy[list[tuple[int, int]]]:
        """`length` codes: a whole example in one list, shrunk by zeroing what is not needed."""
        code = st.tuples(st.integers(0, self.heads - 1), st.integers(0, self.tails - 1))
        return st.lists(code, min_size=length, max_size=length)

    def sequence(self, codes: list[tuple[int, int]]) -> list[Op]:
        return [op for head, tail in codes if (op := self.decode(head, tail)) is not None]


def operation_sequences(world: World, policy: CompiledPolicy,
                        length: int = 50) -> st.SearchStrategy[list[Op]]:
    """Sequences of at most `length` operations on `world` under `policy`, shrinking to the few a
    failure needs (see `pathguard.fuzz.ops` for what each operation does)."""
    space = OpSpace.of(world, policy)
    return space.codes(length).map(space.sequence)
