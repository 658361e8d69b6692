"""The embedded runtime checker: guarded sessions around an agent's tool calls."""

from pathguard.runtime.decision import ApprovalRequired, Checked, Denied
from pathguard.runtime.guard import Guard
from pathguard.runtime.session import GuardedSession

__all__ = ["ApprovalRequired", "Checked", "Denied", "Guard", "GuardedSession"]
