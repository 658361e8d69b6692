"""The shape of `policy.yaml` (SPEC §2) as pydantic v2 models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictStr, Tag

from pathguard.validation import COUNT_MAX, bounded

Decision = Literal["allow", "deny", "approval"]
Kind = Literal["read", "write", "delete"]

MINUTES_MAX = 10 * 365 * 24 * 60
WITHIN_MAX = 1000
Count = Annotated[int, bounded(0, COUNT_MAX, integer=True, what=f"from 0 to {COUNT_MAX:,}",
                               hint="a count of calls; 0 allows none")]
Minutes = Annotated[float, bounded(
    1 / 60, MINUTES_MAX, what=f"of minutes from 1/60 (one second) to {MINUTES_MAX:,} (ten years)",
    hint="a window shorter than a second counts nothing: every call falls in a fresh, empty window, "
         "which switches the budget off")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Match(_Strict):
    """Selectors; every one given must hold. An empty match selects every endpoint."""

    endpoint: StrictStr | list[StrictStr] | None = None
    kind: Kind | list[Kind] | None = None
    resource: StrictStr | list[StrictStr] | None = None


class Rule(_Strict):
    match: Match = Match()
    when: StrictStr | None = None
    decision: Decision
    reason: StrictStr = ""


class Budget(_Strict):
    window_minutes: Minutes = 30
    max_actions: Count | None = None
    max_writes: Count | None = None
    max_critical: Count | None = None
    read_only_at: Annotated[float, bounded(0, 1, low_open=True, what="in (0, 1]",
                                           hint="the fraction of `max_actions` or `max_writes` at "
                                                "which the session turns read-only; 1 means at the limit")
                            ] | None = None


class Forbidden(_Strict):
    first: StrictStr
    then: StrictStr
    within: Annotated[int, bounded(1, WITHIN_MAX, integer=True, what=f"from 1 to {WITHIN_MAX:,}",
                                   hint="how many of the last executed calls are searched for `first`")] = 1
    decision: Decision = "deny"
    reason: StrictStr = ""


class Subagents(_Strict):
    max_budget: Count = 5


class Intent(_Strict):
    threshold: Annotated[float, bounded(0, 1, what="from 0 to 1",
                                        hint="a cosine similarity; 0 never enters review")]
    decay: Annotated[float, bounded(0, 1, low_open=True, what="in (0, 1]",
                                    hint="the weight of an action k calls back is decay**k; 1 weighs "
                                         "every action the same")] = 1.0


class Approvals(_Strict):
    """Who may grant an `approval` out of band (SPEC §2, §3), and how long requests live."""

    approvers: list[Annotated[StrictStr, Field(min_length=1, max_length=200)]] = Field(min_length=1)
    expire_minutes: Annotated[float, bounded(
        1 / 60, MINUTES_MAX, what=f"of minutes from 1/60 (one second) to {MINUTES_MAX:,} (ten years)",
        hint="pending requests and unused grants expire after this long")] = 15


def _forbidden_form(value: Any) -> str:
    """A forbidden entry is a `[first, then]` pair or a mapping: validate it as one of them only."""
    return "pair" if isinstance(value, list) else "entry"


class PolicySpec(_Strict):
    policy: StrictStr = Field(min_length=1)
    description: StrictStr = ""
    default: Decision = "allow"
    critical: list[StrictStr] = []
    rules: list[Rule] = []
    budget: Budget | None = None
    forbidden: list[Annotated[Annotated[Forbidden, Tag("entry")] | Annotated[list[StrictStr], Tag("pair")],
                              Discriminator(_forbidden_form)]] = []
    subagents: Subagents | None = None
    intent: Intent | None = None
    approvals: Approvals | None = None
