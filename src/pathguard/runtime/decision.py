"""What `check` returns and what the tool wrapper raises."""

from __future__ import annotations

from typing import Any, NamedTuple

from pathguard.errors import PathguardError
from pathguard.semantics.effect import Effect, Reason


class Checked(NamedTuple):
    """A runtime decision: `decide()`'s effect and reasons after approvals and scopes,
    the session's intent deviation (percent points, None when the layer is off), and
    the id of its ActionTrace row (`session:seq`)."""

    session_id: str
    seq: int
    endpoint: str
    params: dict[str, Any]
    effect: Effect
    reasons: tuple[Reason, ...]
    deviation: float | None
    approval_id: int | None

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW

    @property
    def id(self) -> str:
        return f"{self.session_id}:{self.seq}"

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.reasons]

    def __repr__(self) -> str:
        return f"Checked({self.id} {self.endpoint} {self.effect}: {'; '.join(self.texts)})"


class Denied(PathguardError):
    """The guard denied the call; `decision.reasons` say why."""

    def __init__(self, decision: Checked) -> None:
        self.decision = decision
        self.reasons = decision.texts
        super().__init__(f"`{decision.endpoint}` denied: " + "; ".join(self.reasons))


class ApprovalRequired(PathguardError):
    """The call waits for an out-of-band approval (`approval_id`); retry it once granted."""

    def __init__(self, decision: Checked) -> None:
        self.decision = decision
        self.reasons = decision.texts
        self.approval_id = decision.approval_id
        super().__init__(f"`{decision.endpoint}` needs approval #{decision.approval_id}: "
                         + "; ".join(self.reasons))
