"""The shape of `policy.yaml` (SPEC §2) as pydantic v2 models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    NonNegativeInt,
    PositiveInt,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
)

Decision = Literal["allow", "deny", "approval"]
Kind = Literal["read", "write", "delete"]
Ratio = StrictFloat | StrictInt


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
    window_minutes: PositiveInt | float = 30
    max_actions: NonNegativeInt | None = None
    max_writes: NonNegativeInt | None = None
    max_critical: NonNegativeInt | None = None
    read_only_at: Ratio | None = Field(default=None, ge=0)


class Forbidden(_Strict):
    first: StrictStr
    then: StrictStr
    within: PositiveInt = 1
    decision: Decision = "deny"
    reason: StrictStr = ""


class Subagents(_Strict):
    max_budget: NonNegativeInt = 5


class Intent(_Strict):
    threshold: Ratio = Field(ge=0, le=1)
    decay: Ratio = Field(default=1.0, gt=0, le=1)


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
