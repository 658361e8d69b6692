"""Time for the runtime, injected: the wall clock in production, a manual clock in
tests and the simulator (sliding windows and approval timeouts read only this)."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
wall_clock: Clock = time.time


class ManualClock:
    """A clock that moves only when told to (seconds)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
