"""Fixtures of the simulator tests: the Railway model and small workloads written on the fly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from simkit import ENDPOINTS, POST, PRE, SMALL

from pathguard.model.load import load_world
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import load_policy


@pytest.fixture(scope="session")
def world() -> World:
    return load_world(ENDPOINTS)


@pytest.fixture(scope="session")
def post(world: World) -> CompiledPolicy:
    return load_policy(POST, world)


@pytest.fixture(scope="session")
def pre(world: World) -> CompiledPolicy:
    return load_policy(PRE, world)


@pytest.fixture
def workload_file(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str = SMALL, name: str = "workload.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
