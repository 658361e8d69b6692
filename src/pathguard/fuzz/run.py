"""`fuzz()`: Hypothesis stateful testing of a real `Guard` against the semantics, and its report.

A run first asks the model checker about every hazard under the options the
fuzz itself exercises (approvals granted, time that passes, up to
`subagents` sub-agents, knowledge given): a hazard proved `safe` there must
never be reached by any example, and every `unsafe` counterexample must run
through the runtime (`crosscheck.replay_in_runtime`). Then Hypothesis drives
`Harness` with sequences of `max_steps` operation codes (`OpSpace`: code 0
is `skip`, so shrinking zeroes out what a failure does not need) and shrinks
the first failure to a minimal sequence. The same seed gives the same run: the store is shared by the
examples of a run, but every example opens its own sessions, and nothing
that is drawn depends on time or on the store's ids.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings

from pathguard.fuzz.harness import GuardFactory, Harness, Principals, Setup, Violated, real_guard
from pathguard.fuzz.invariants import Invariants
from pathguard.fuzz.ops import Op
from pathguard.fuzz.properties import PROPERTIES, Violation
from pathguard.fuzz.results import FuzzFailure, FuzzOptionsDoc, FuzzReport, HazardUse, ViolationDoc
from pathguard.fuzz.strategies import OpSpace
from pathguard.model.world import World
from pathguard.modelcheck.limits import Limits
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import CompiledPolicy
from pathguard.store.base import open_store, redact

DEFAULT_EXAMPLES = 100
DEFAULT_STEPS = 50
DEFAULT_SUBAGENTS = 2


@dataclass(frozen=True)
class FuzzOptions:
    examples: int = DEFAULT_EXAMPLES
    seed: int = 0
    max_steps: int = DEFAULT_STEPS
    subagents: int = DEFAULT_SUBAGENTS
    store: str = "memory"
    check_hazards: bool = True
    limits: Limits = field(default_factory=lambda: Limits(seconds=120))
    guard: str | None = None
    """How the guard was named on the command line (`module:function`), for the report."""


def checker_options(subagents: int) -> Options:
    """The model checker's options that cover everything a fuzz run can do."""
    return Options(assume_approvals=True, model_time=True, subagents=subagents, knowledge="given")


def assumptions(options: FuzzOptions) -> list[str]:
    return [
        "the intent layer is off: the runtime's intent review is not exercised (the model checker assumes "
        "no session enters review)",
        f"sequences of at most {options.max_steps} operations, {options.examples} examples, seed "
        f"{options.seed}: a pass is evidence, not a proof",
        f"at most {options.subagents} sub-agent(s) per example; approvals are granted by the policy's "
        "approver, tried by a principal of the tree and by an impostor, and forged in the store",
        "the simulated backend runs a call when its needs are known (knowledge given) and its `when` holds, "
        "and applies its `sets` and `produces`",
    ]


class _Counter:
    def __init__(self) -> None:
        self.examples = self.operations = self.decisions = 0
        self.first_failure: int | None = None


class _Failed(AssertionError):
    """An example broke properties: the operations up to the one that did, and what broke."""

    def __init__(self, ops: list[Op], violated: Violated) -> None:
        super().__init__(str(violated))
        self.ops = ops
        self.violated = violated


def _example(setup: Setup, counter: _Counter, ops: list[Op]) -> None:
    """Run one example; `_Failed` when it breaks a property."""
    counter.examples += 1
    harness = Harness(setup)
    done = 0
    try:
        for op in ops:
            done += 1
            harness.apply(op)
        harness.finish()
    except Violated as exc:
        if counter.first_failure is None:
            counter.first_failure = done
        raise _Failed(ops[:done], exc) from None
    finally:
        counter.operations += done
        counter.decisions += harness.decisions


def run_operations(setup: Setup, ops: list[Op]) -> tuple[list[str], Violated | None]:
    """Run one sequence outside Hypothesis (replay): its log, and what it broke, if anything."""
    harness = Harness(setup)
    try:
        for op in ops:
            harness.apply(op)
        harness.finish()
    except Violated as exc:
        return harness.log, exc
    return harness.log, None


def make_setup(world: World, policy: CompiledPolicy, options: FuzzOptions, *, safe: tuple[str, ...] = (),
               invariants: Invariants | None = None, make_guard: GuardFactory = real_guard) -> Setup:
    """The shared part of a run: the policy without its intent layer, the store, the principals."""
    policy = replace(policy, intent_threshold=None)
    return Setup(world, policy, open_store(options.store), Principals.make(policy), safe=safe,
                 invariants=invariants, subagents=options.subagents, make_guard=make_guard)


def fuzz(world: World, policy: CompiledPolicy, options: FuzzOptions | None = None, *,
         invariants: Invariants | None = None, make_guard: GuardFactory = real_guard) -> FuzzReport:
    """Fuzz `make_guard`'s guard for `world` under `policy`; the report says what broke, if anything."""
    options = options or FuzzOptions()
    report = FuzzReport(
        system=world.system, policy=policy.name,
        options=FuzzOptionsDoc(examples=options.examples, seed=options.seed, max_steps=options.max_steps,
                               subagents=options.subagents, store=redact(options.store), guard=options.guard,
                               invariants=invariants.file if invariants else None),
        assumptions=assumptions(options), properties=PROPERTIES,
        invariants=[f"{i.name}: {i.text}" for i in invariants.items] if invariants else [])
    safe: tuple[str, ...] = ()
    if options.check_hazards and world.hazards:
        safe = _hazards(world, policy, options, report)
    setup = make_setup(world, policy, options, safe=safe, invariants=invariants, make_guard=make_guard)
    counter = _Counter()
    space = OpSpace.of(world, setup.policy)

    @seed(options.seed)
    @settings(max_examples=options.examples, deadline=None, database=None, derandomize=False,
              phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
              verbosity=Verbosity.quiet, report_multiple_bugs=False, print_blob=False)
    @given(space.codes(options.max_steps))
    def examples(codes: list[tuple[int, int]]) -> None:
        _example(setup, counter, space.sequence(codes))

    started = time.perf_counter()
    try:
        examples()
    except _Failed as exc:
        violated = exc.violated
        report.failure = FuzzFailure(step=violated.step, violations=[_doc(v) for v in violated.violations],
                                     operations=[op.to_json() for op in exc.ops], log=list(violated.log),
                                     first_failure=counter.first_failure)
    finally:
        setup.store.close()
    report.seconds = round(time.perf_counter() - started, 3)
    report.examples, report.operations = counter.examples, counter.operations
    report.decisions = counter.decisions
    report.operations_per_second = round(counter.operations / report.seconds, 1) if report.seconds else 0.0
    return report


def _doc(v: Violation) -> ViolationDoc:
    return ViolationDoc(property=v.prop, message=v.message, clause=v.clause, hazard=v.hazard,
                        invariant=v.invariant)


def _hazards(world: World, policy: CompiledPolicy, options: FuzzOptions,
             report: FuzzReport) -> tuple[str, ...]:
    """Model-check every hazard under the fuzz's options; replay the counterexamples; the safe ones."""
    from pathguard.crosscheck import RuntimeDisagrees, replay_in_runtime
    from pathguard.modelcheck.check import check

    policy = replace(policy, intent_threshold=None)
    opts = checker_options(options.subagents)
    result = check(world, policy, options=opts, limits=options.limits)
    states = f", {result.states:,} states" if result.states is not None else ""
    report.checker = (f"engine {result.engine}{states}, limits: {result.options.limits}; options: "
                      f"--assume-approvals --model-time --subagents {options.subagents} --knowledge given")
    safe = []
    for name, hazard in result.hazards.items():
        if hazard.verdict == "safe":
            safe.append(name)
            report.hazards[name] = HazardUse(verdict="safe", proof=hazard.proof,
                                             use="proved safe: no example may reach it")
        elif hazard.verdict == "unsafe":
            use = HazardUse(verdict="unsafe", trace=hazard.trace,
                            use="its counterexample is replayed through the runtime")
            try:
                replay_in_runtime(world, policy, hazard.trace, opts, hazard=name, store=options.store)
                use.replayed = True
            except RuntimeDisagrees as exc:
                use.replayed, use.message = False, str(exc)
                report.counterexample_failures.append(ViolationDoc(
                    property="counterexample", hazard=name,
                    message=f"the counterexample of `{name}` ({' -> '.join(hazard.trace)}) does not run "
                            f"through the runtime: {exc}"))
            report.hazards[name] = use
        else:
            report.hazards[name] = HazardUse(verdict="unknown", use=f"not used: {hazard.proof or 'unknown'}")
    return tuple(safe)
