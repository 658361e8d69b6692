"""pathguard for a project's own tests: strategies, one-line assertions, tool fuzzing, a guard env.

    from pathguard.testing import assert_no_hazard, assert_policy_not_weaker, fuzz_tools

The pytest plugin (`pathguard.testing.plugin`, registered on install) adds
the `pathguard_guard`, `pathguard_load` and `pathguard_isolate` fixtures.
"""

from pathguard.testing.assertions import assert_no_hazard, assert_operations_hold, assert_policy_not_weaker
from pathguard.testing.env import GuardEnv, isolated, load_guard
from pathguard.testing.strategies import Call, calls, operation_sequences, policies, sessions, worlds
from pathguard.testing.tools import fuzz_tools
from pathguard.testing.weaker import Unsettled, Weakening, find_weakening

__all__ = [
    "Call",
    "GuardEnv",
    "Unsettled",
    "Weakening",
    "assert_no_hazard",
    "assert_operations_hold",
    "assert_policy_not_weaker",
    "calls",
    "find_weakening",
    "fuzz_tools",
    "isolated",
    "load_guard",
    "operation_sequences",
    "policies",
    "sessions",
    "worlds",
]
