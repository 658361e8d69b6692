"""Effects, reasons and decisions: the vocabulary of SPEC §3."""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class Effect(IntEnum):
    """Ordered so that `max` is "most restrictive": deny > approval > allow."""

    ALLOW = 0
    APPROVAL = 1
    DENY = 2

    def __str__(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Effect:
        return cls[text.upper()]


class Reason(NamedTuple):
    """Why a clause contributed: its layer (`rule`, `default`, `critical`, `budget`,
    `read-only`, `forbidden`, `intent`, `closed`, `unknown`), a stable id of the clause
    (`rule 2`, `forbidden 1`, `max_writes`) and the text shown to people."""

    layer: str
    clause: str
    text: str

    def __str__(self) -> str:
        return self.text


class Decision(NamedTuple):
    """What `decide()` returns: the effect and the reasons of the clauses that set it."""

    effect: Effect
    reasons: tuple[Reason, ...]

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.reasons]
