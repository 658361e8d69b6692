"""One loader for every command and for `Guard.load`: the world and its policies, with warnings.

The world may be an `endpoints.yaml`, an OpenAPI spec or an MCP tools list (told apart by
content); each policy is compiled against it. Every problem is a located `InputError`,
whatever the caller passed; warnings (SPEC §1–2) travel as `Problem`s with file and line, and
`strict` turns them into errors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from pathguard.errors import InputError, Problem
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy


@dataclass(frozen=True)
class Inputs:
    world: World
    policy: CompiledPolicy | None
    """None when no policy file was given (the caller decides what that means)."""
    others: tuple[CompiledPolicy, ...] = ()
    """Further policies compiled against the same world (`simulate --compare`)."""

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Every warning of every file, in file and line order."""
        policies = (self.policy, *self.others)
        found = (*self.world.warnings, *(w for p in policies if p is not None for w in p.warnings))
        return tuple(sorted(found, key=Problem.sort_key))


def _path(value: object, what: str) -> str | Path:
    if isinstance(value, str | Path) and str(value):
        return value
    if isinstance(value, os.PathLike):
        return Path(os.fspath(value))
    raise InputError([Problem(repr(value)[:80], None, "", "io", f"{what}: expected a file path")])


def load_inputs(endpoints: object, policy: object = None, *others: object, strict: bool = False) -> Inputs:
    """Load the world and each policy given; with `strict`, any warning is an error."""
    from pathguard.importers.detect import load_any
    from pathguard.policy.load import load_policy

    world = load_any(_path(endpoints, "the world model"))
    compiled = None if policy is None else load_policy(_path(policy, "the policy"), world)
    more = tuple(load_policy(_path(p, "the policy"), world) for p in others)
    inputs = Inputs(world, compiled, more)
    if strict and inputs.warnings:
        raise InputError([replace(w, severity="error") for w in inputs.warnings])
    return inputs
