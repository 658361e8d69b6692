"""Fuzz a project's own `@guard.tool` functions against fakes it supplies.

Hypothesis drives the tools with sequences of calls (arguments from the
strategies given, by parameter name, or from their type hints), grants and
denials of what waits, retries, and clock steps, in one guarded session.
Checked on every call:

- a call the guard denies or holds for approval never reaches the function's
  body (its code is watched with `sys.setprofile`, so nothing in the tool
  needs to cooperate);
- a call that reaches the body was allowed: the semantics (`TreeModel`, the
  fuzz's model) allows it, or it runs on the grant the test gave for exactly
  that call;
- every call that ran is in the trace: its row is `allow`, for that endpoint
  and those arguments, with its result recorded, and there are as many
  allowed rows as runs.

`setup` runs before every example: reset the fakes there.
"""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from pathguard.errors import PathguardError
from pathguard.fuzz.model import TreeModel
from pathguard.runtime.decision import ApprovalRequired, Denied
from pathguard.semantics.effect import Effect
from pathguard.testing.env import GuardEnv

SKIP = ("skip",)


@dataclass(frozen=True)
class _Tool:
    endpoint: str
    function: Callable[..., Any]
    body: CodeType
    arguments: st.SearchStrategy[dict[str, Any]]


def _tools(tools: Mapping[str, Callable[..., Any]],
           args: Mapping[str, st.SearchStrategy[Any]]) -> list[_Tool]:
    out = []
    for endpoint, function in tools.items():
        body = inspect.unwrap(function).__code__
        strategies = {}
        for name, parameter in inspect.signature(function).parameters.items():
            if name in args:
                strategies[name] = args[name]
            elif parameter.default is not inspect.Parameter.empty:
                continue
            elif parameter.annotation is not inspect.Parameter.empty and \
                    not isinstance(parameter.annotation, str):
                strategies[name] = st.from_type(parameter.annotation)
            else:
                raise TypeError(f"fuzz_tools: give a strategy for parameter `{name}` of `{endpoint}` "
                                "(args=...)")
        out.append(_Tool(endpoint, function, body, st.fixed_dictionaries(strategies)))
    return out


class _Watch:
    """Which tool bodies were entered, through `sys.setprofile`."""

    def __init__(self, bodies: set[CodeType]) -> None:
        self.bodies = bodies
        self.entered: list[CodeType] = []
        self._previous: Any = None

    def _profile(self, frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code in self.bodies:
            self.entered.append(frame.f_code)

    def __enter__(self) -> _Watch:
        self._previous = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


def fuzz_tools(env: GuardEnv, tools: Mapping[str, Callable[..., Any]], *,
               args: Mapping[str, st.SearchStrategy[Any]] | None = None,
               setup: Callable[[], object] | None = None, examples: int = 50, steps: int = 20,
               seed_value: int = 0) -> None:
    """Drive `tools` (endpoint name -> the function `@guard.tool(endpoint)` wrapped) through
    `env.guard`; raise AssertionError with the minimal failing sequence (see the module doc)."""
    prepared = _tools(tools, args or {})
    guard = env.guard
    call = st.integers(0, len(prepared) - 1).flatmap(
        lambda i: st.tuples(st.just("call"), st.just(i), prepared[i].arguments))
    waits = (1.0, guard.policy.window_seconds + 1)
    op = st.one_of(st.just(SKIP), call, call, call, st.tuples(st.just("grant")), st.tuples(st.just("retry")),
                   st.tuples(st.just("deny")), st.tuples(st.just("wait"), st.sampled_from(waits)))

    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(op, min_size=steps, max_size=steps))
    def sequences(ops: list[tuple[Any, ...]]) -> None:
        if setup is not None:
            setup()
        _run(env, prepared, [o for o in ops if o != SKIP])

    sequences()


def _run(env: GuardEnv, tools: list[_Tool], ops: list[tuple[Any, ...]]) -> None:
    guard = env.guard
    model = TreeModel(guard.world, guard.policy)
    log: list[str] = []
    waiting: tuple[int, dict[str, Any], int] | None = None  # the last call held for approval
    granted: dict[tuple[str, str], int] = {}  # (endpoint, canonical arguments) -> request granted
    ran = 0
    watch = _Watch({t.body for t in tools})
    with guard.session(agent="pathguard-tool-fuzz", intent="fuzz the project's tools") as session:
        for op in ops:
            kind = op[0]
            if kind == "wait":
                env.advance(op[1])
                log.append(f"the clock moves {op[1]:g} s")
                continue
            if kind in ("grant", "deny"):
                if waiting is not None:
                    try:
                        (env.approve if kind == "grant" else env.deny)(waiting[2])
                    except PathguardError as exc:  # decided already, or expired unanswered
                        log.append(f"{kind} request #{waiting[2]}: refused ({exc})")
                        continue
                    if kind == "grant":
                        granted[(tools[waiting[0]].endpoint, _canonical(waiting[1]))] = waiting[2]
                    log.append(f"{kind} request #{waiting[2]}")
                continue
            if kind == "retry":
                if waiting is None:
                    continue
                index, arguments = waiting[0], waiting[1]
            else:
                index, arguments = op[1] % len(tools), op[2]
            tool = tools[index]
            now = env.clock()
            expected = model.decide(0, tool.endpoint, now)
            watch.entered.clear()
            outcome = "ran"
            with watch:
                try:
                    tool.function(**arguments)
                except Denied:
                    outcome = "denied"
                except ApprovalRequired as exc:
                    outcome = "pending"
                    assert exc.approval_id is not None
                    waiting = (index, arguments, exc.approval_id)
                except Exception as exc:  # the tool (or the fake under it) failed: it still ran
                    outcome = f"ran and raised {type(exc).__name__}"
            entered = tool.body in watch.entered
            log.append(f"{tool.endpoint}({_canonical(arguments)}): {outcome}")
            history = "\n".join(f"  {i}. {line}" for i, line in enumerate(log, 1))
            if outcome in ("denied", "pending"):
                assert not entered, f"`{tool.endpoint}` was {outcome}, yet its body ran:\n{history}"
                continue
            key = (tool.endpoint, _canonical(arguments))
            on_grant = expected.effect is Effect.APPROVAL and key in granted
            assert expected.effect is Effect.ALLOW or on_grant, (
                f"`{tool.endpoint}` ran, but the semantics says {expected.effect} "
                f"({'; '.join(expected.texts)}):\n{history}")
            if on_grant:
                del granted[key]
            if entered or outcome == "ran":
                ran += 1
                model.run(0, tool.endpoint, now)
                rows = [r for r in env.trace(session.session_id).actions if r.effect == "allow"]
                last = rows[-1] if rows else None
                assert len(rows) == ran and last is not None and last.endpoint == tool.endpoint \
                    and _canonical(last.params) == _canonical(arguments) and last.result is not None, (
                    f"`{tool.endpoint}` ran but the trace does not show it ({len(rows)} allowed rows for "
                    f"{ran} runs; last: {last}):\n{history}")
