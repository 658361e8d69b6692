"""The JSON trace of a fuzz failure, and its deterministic replay (`pathguard replay TRACE`).

The trace names the files the run read (with their sha256, so a replay says
when one changed), the options that shape what an operation means (how many
sub-agents, the guard factory), the hazards the model checker proved safe
for that run (a replay reuses them instead of checking again) and the
shrunk operations. Replaying runs those operations once, outside
Hypothesis, through a fresh guard: the same operations give the same
decisions, so the same violation at the same step.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from pathguard.errors import InputError
from pathguard.fuzz.ops import PARAMS, Op, OpKind, Principal
from pathguard.fuzz.results import FuzzReport, ViolationDoc
from pathguard.source import Document, read_document
from pathguard.validation import validate

FORMAT: Literal["pathguard-fuzz-trace/1"] = "pathguard-fuzz-trace/1"
Index = Annotated[int, Field(ge=0, le=1_000_000)]


class OpRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    op: OpKind
    who: Index = 0
    endpoint: str = ""
    params: Literal[tuple(PARAMS)] = "none"  # type: ignore[valid-type]
    budget: Annotated[int, Field(ge=1, le=1 << 40)] = 1
    seconds: Annotated[float, Field(gt=0, le=1e9, allow_inf_nan=False)] = 1.0
    request: Index = 0
    by: Principal = "approver"

    def to_op(self) -> Op:
        return Op(self.op, who=self.who, endpoint=self.endpoint, params=self.params, budget=self.budget,
                  seconds=self.seconds, request=self.request, by=self.by)


class InputFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    sha256: str


class FuzzTrace(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["pathguard-fuzz-trace/1"]
    system: str
    policy_name: str
    endpoints: InputFile
    policy: InputFile | None = None
    """None: the run had no policy file (every call allowed)."""
    invariants: InputFile | None = None
    guard: str | None = None
    subagents: Annotated[int, Field(ge=0, le=64)]
    seed: int
    store: str
    safe_hazards: list[str] = []
    operations: list[OpRecord]
    step: int
    violations: list[ViolationDoc]
    log: list[str]

    @field_serializer("operations")
    def _compact(self, operations: list[OpRecord]) -> list[dict[str, object]]:
        """Each operation with the fields its kind reads, as the fuzz report lists them."""
        return [op.to_op().to_json() for op in operations]


def digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def input_file(path: str | Path) -> InputFile:
    return InputFile(path=str(path), sha256=digest(path))


def make_trace(report: FuzzReport, endpoints: str, policy: str | None, invariants: str | None,
               safe: tuple[str, ...]) -> FuzzTrace:
    failure = report.failure
    assert failure is not None
    return FuzzTrace(format=FORMAT, system=report.system, policy_name=report.policy,
                     endpoints=input_file(endpoints), policy=input_file(policy) if policy else None,
                     invariants=input_file(invariants) if invariants else None, guard=report.options.guard,
                     subagents=report.options.subagents, seed=report.options.seed, store=report.options.store,
                     safe_hazards=list(safe), operations=[OpRecord(**op) for op in failure.operations],
                     step=failure.step, violations=failure.violations, log=failure.log)


def load_trace(path: str | Path) -> tuple[FuzzTrace, Document]:
    """Read a trace file; every problem located (file, line, field)."""
    doc = read_document(path)
    return validate(FuzzTrace, doc), doc


def check_endpoints(trace: FuzzTrace, doc: Document, names: tuple[str, ...]) -> None:
    """Every called endpoint is one of the world's (located errors otherwise)."""
    from pathguard.errors import did_you_mean

    problems = [doc.problem(("operations", i, "endpoint"), "unknown-endpoint",
                            f"`{op.endpoint}` is not an endpoint of `{trace.system}`",
                            did_you_mean(op.endpoint, names))
                for i, op in enumerate(trace.operations) if op.op == "call" and op.endpoint not in names]
    if problems:
        raise InputError(problems)


def changed_inputs(trace: FuzzTrace) -> list[str]:
    """The input files whose content differs from when the trace was saved."""
    files = [f for f in (trace.endpoints, trace.policy, trace.invariants) if f is not None]
    return [f.path for f in files if Path(f.path).is_file() and digest(f.path) != f.sha256]
