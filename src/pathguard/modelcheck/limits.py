"""The limits every model-checking run works within (SPEC §5 "Limits").

A run never goes without bound or output: it has a wall-clock limit, a limit
on the states one explicit search keeps, and a limit on the process's resident
memory. A search that meets one stops and says which (`Budget.over()`); what it
cut off is `unknown` with that limit named, never `safe`. The defaults are what
a laptop survives and keep `check` on the largest real specs near a minute.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

DEFAULT_SECONDS = 60.0
DEFAULT_STATES = 3_000_000
DEFAULT_MEMORY_MB = 2048
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Limits:
    """`seconds` for the whole run, `max_states` per explicit search, `max_memory_mb` of the process."""

    seconds: float = DEFAULT_SECONDS
    max_states: int = DEFAULT_STATES
    max_memory_mb: int = DEFAULT_MEMORY_MB

    def describe(self) -> str:
        return (f"time limit {self.seconds:g} s, state limit {self.max_states:,} states, "
                f"memory limit {self.max_memory_mb:,} MB")

    def start(self) -> Budget:
        return Budget(self, time.monotonic() + self.seconds)


def resident_mb() -> float:
    """The process's resident memory now (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


@dataclass(frozen=True)
class Budget:
    """A run's limits, started: what is left of its time, and whether a limit has been met."""

    limits: Limits
    deadline: float

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def over(self, states: int = 0) -> str | None:
        """The limit this run has met (named as the user can raise it), or None."""
        if states > self.limits.max_states:
            return f"state limit {self.limits.max_states:,} (--max-states)"
        if time.monotonic() > self.deadline:
            return f"time limit {self.limits.seconds:g} s (--time-limit)"
        if resident_mb() > self.limits.max_memory_mb:
            return f"memory limit {self.limits.max_memory_mb:,} MB (--max-memory)"
        return None
