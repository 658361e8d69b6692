"""pathguard: which paths can an agent take to a destructive call, and does the policy stop it?"""

from pathguard.errors import InputError, PathguardError, Problem
from pathguard.model.load import load_world
from pathguard.model.world import Endpoint, World
from pathguard.policy.compile import CompiledPolicy, allow_everything
from pathguard.policy.load import load_policy
from pathguard.runtime import ApprovalRequired, Denied, Guard
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Decision, Effect, Reason
from pathguard.semantics.session import SessionState, executed

__all__ = [
    "ApprovalRequired",
    "CompiledPolicy",
    "Decision",
    "Denied",
    "Effect",
    "Endpoint",
    "Guard",
    "InputError",
    "PathguardError",
    "Problem",
    "Reason",
    "SessionState",
    "World",
    "allow_everything",
    "decide",
    "executed",
    "load_policy",
    "load_world",
]
