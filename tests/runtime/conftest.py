"""Fixtures of the runtime tests: the small ops model, a manual clock, a tiny embedder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pathguard.runtime import Guard
from pathguard.runtime.approvers import Approver, Keyring
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.intent import HashEmbedder

DATA = Path(__file__).resolve().parent / "data"
ENDPOINTS, POLICY = DATA / "endpoints.yaml", DATA / "policy.yaml"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


APPROVERS = ("alice", "bob", "carol")


@pytest.fixture(scope="session")
def approvers() -> dict[str, Approver]:
    """Approvers with keys; the guards of these tests trust them (and no one else)."""
    return {name: Approver.generate(name) for name in APPROVERS}


@pytest.fixture
def keyring(approvers: dict[str, Approver]) -> Keyring:
    return Keyring({name: a.public_text for name, a in approvers.items()})


@pytest.fixture
def make_guard(clock: ManualClock, tmp_path: Path, keyring: Keyring) -> Iterator[Callable[..., Guard]]:
    """A guard on the ops model; keyword arguments go to Guard.load. Every guard made is closed at
    the end of the test (its store's connections with it)."""
    made: list[Guard] = []

    def make(policy: Path | str | None = POLICY, **options: Any) -> Guard:
        options.setdefault("embedder", HashEmbedder())
        options.setdefault("cache_dir", tmp_path / "cache")
        options.setdefault("clock", clock)
        options.setdefault("keyring", keyring)
        guard = Guard.load(ENDPOINTS, policy, **options)
        made.append(guard)
        return guard

    yield make
    for guard in made:
        guard.close()


@pytest.fixture
def write_policy(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "policy.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
