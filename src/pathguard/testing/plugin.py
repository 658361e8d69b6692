"""The pytest plugin pathguard registers (entry point `pytest11`): fixtures for a guard under test.

    [pytest]                         # pytest.ini, or [tool.pytest.ini_options]
    pathguard_endpoints = endpoints.yaml
    pathguard_policy = policy.yaml

- `pathguard_guard`: a `GuardEnv` on those files (paths relative to the
  rootdir): a manual clock, a throw-away store, a trusted test approver.
- `pathguard_load(endpoints, policy=None)`: the same for any files.
- `pathguard_isolate(guard)`: the guard your module built, rewired the same
  way for the test and put back afterwards (for `@guard.tool` functions).

`--pathguard-store sqlite` gives each test a throw-away SQLite file instead
of the memory store. Nothing of pathguard is imported until a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pathguard.runtime.guard import Guard
    from pathguard.testing.env import GuardEnv


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("pathguard_endpoints", "world model of the pathguard_guard fixture (endpoints.yaml, "
                  "OpenAPI or MCP tools list)", default=None)
    parser.addini("pathguard_policy", "policy of the pathguard_guard fixture", default=None)
    parser.getgroup("pathguard").addoption(
        "--pathguard-store", choices=("memory", "sqlite"), default="memory",
        help="store of the pathguard fixtures: memory (default) or a throw-away SQLite file per test")


@pytest.fixture
def pathguard_store(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The throw-away store URL the pathguard fixtures use."""
    if request.config.getoption("--pathguard-store") == "sqlite":
        return f"sqlite:///{tmp_path / 'pathguard-test.db'}"
    return "memory"


@pytest.fixture
def pathguard_load(pathguard_store: str) -> Iterator[Callable[..., GuardEnv]]:
    """`load(endpoints, policy=None, **guard_options)` -> a `GuardEnv` (closed after the test)."""
    from pathguard.testing.env import load_guard

    made: list[GuardEnv] = []

    def load(endpoints: str | Path, policy: str | Path | None = None, **options: Any) -> GuardEnv:
        env = load_guard(endpoints, policy, store=pathguard_store, **options)
        made.append(env)
        return env

    yield load
    for env in made:
        env.guard.close()


@pytest.fixture
def pathguard_guard(request: pytest.FixtureRequest, pathguard_load: Callable[..., GuardEnv]) -> GuardEnv:
    """A `GuardEnv` on the files named by the `pathguard_endpoints` / `pathguard_policy` ini options."""
    endpoints = request.config.getini("pathguard_endpoints")
    if not endpoints:
        raise pytest.UsageError("pathguard_guard needs `pathguard_endpoints = FILE` in the pytest "
                                "configuration (and `pathguard_policy = FILE`)")
    root = Path(request.config.rootpath)
    policy = request.config.getini("pathguard_policy")
    return pathguard_load(root / endpoints, root / policy if policy else None)


@pytest.fixture
def pathguard_isolate(pathguard_store: str) -> Iterator[Callable[[Guard], GuardEnv]]:
    """`isolate(guard)` -> a `GuardEnv` on that very guard, put back as it was after the test."""
    from pathguard.testing.env import isolated

    with ExitStack() as stack:
        yield lambda guard: stack.enter_context(isolated(guard, store=pathguard_store))
