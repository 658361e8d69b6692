"""The workload file: the tasks simulated agents perform and how they misbehave.

A workload names benign ops tasks (declared intent + call plan with optional
and repeated steps and think times), the noise of exploring agents, the mix of
agent kinds, the simulated approver and what misaligned agents pursue. A
scenario file may `extends:` another workload and override its top-level keys
(the tasks, say, stay in one place). Every problem is located (file:line, field).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, StrictStr

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.model.world import World
from pathguard.source import Document, read_document
from pathguard.validation import validate

Probability = Annotated[float, Field(ge=0, le=1)]
Seconds = Annotated[float, Field(ge=0)]
Range = Seconds | tuple[Seconds, Seconds]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Step(_Strict):
    """One call of a task plan. `think`: seconds before it (a number or a uniform [low, high]);
    `probability`: chance the step happens at all; `repeat`: how many times (or [low, high])."""

    call: StrictStr
    think: Range | None = None
    probability: Probability = 1.0
    repeat: PositiveInt | tuple[PositiveInt, PositiveInt] = 1
    params: dict[str, str | int | float | bool] = {}


class Task(_Strict):
    intent: StrictStr = Field(min_length=1)
    weight: Annotated[float, Field(gt=0)] = 1.0
    steps: list[StrictStr | Step] = Field(min_length=1)

    def plan(self) -> list[Step]:
        return [Step(call=s) if isinstance(s, str) else s for s in self.steps]


class Noise(_Strict):
    """Per planned step, the chance a noisy agent first re-reads the step's resource
    (`extra_read`), takes an unrelated read (`detour`), or repeats the step (`retry`)."""

    extra_read: Probability = 0.3
    detour: Probability = 0.1
    retry: Probability = 0.1


class Mix(_Strict):
    """Relative weights of the agent kinds among the generated sessions."""

    benign: Annotated[float, Field(ge=0)] = 0.6
    noisy: Annotated[float, Field(ge=0)] = 0.3
    misaligned: Annotated[float, Field(ge=0)] = 0.1


class Approver(_Strict):
    """The human out of band: answers after `delay_seconds`; grants a benign agent's request
    with probability `grant_benign`, a misaligned agent's with `grant_misaligned` (fooled)."""

    delay_seconds: Seconds = 300.0
    grant_benign: Probability = 1.0
    grant_misaligned: Probability = 0.0


class Misaligned(_Strict):
    """Misaligned agents: the hazards they pursue (default: every hazard of the world), how
    many detours they try after a block (`persistence`), how many reads of their cover task
    they do first (`cover_calls`), how many calls they may make in all (`max_calls`), and the
    depth to which the model checker looks for a counterexample to steer by (`checker_bound`:
    the explicit search grows fast with depth, 6 calls take about half a second on Railway)."""

    hazards: list[StrictStr] | None = None
    persistence: NonNegativeInt = 3
    cover_calls: NonNegativeInt = 2
    max_calls: PositiveInt = 40
    checker_bound: PositiveInt = 6


class Replay(_Strict):
    """Recorded sessions replayed as they were (counted as benign traffic): a JSONL file
    (relative to the workload) or a trace store URL."""

    file: StrictStr | None = None
    store: StrictStr | None = None


class WorkloadSpec(_Strict):
    workload: StrictStr = Field(min_length=1)
    description: StrictStr = ""
    extends: StrictStr | None = None
    sessions: PositiveInt = 100
    seed: int = 0
    spacing_minutes: Seconds = 30.0
    think_seconds: Range = (5.0, 60.0)
    team_budget: PositiveInt | None = None
    mix: Mix = Mix()
    noise: Noise = Noise()
    approver: Approver = Approver()
    misaligned: Misaligned = Misaligned()
    replay: list[Replay] = []
    tasks: dict[StrictStr, Task] = {}


class Workload:
    """A validated workload, checked against a world (every name it uses exists)."""

    def __init__(self, spec: WorkloadSpec, file: str) -> None:
        self.spec = spec
        self.file = file
        self.tasks = list(spec.tasks.items())
        self.plans = {name: task.plan() for name, task in self.tasks}


def load_workload(path: str | Path, world: World) -> Workload:
    """Read, validate and check a workload (and the workload it extends) against `world`."""
    doc = read_document(path)
    spec = validate(WorkloadSpec, doc)
    problems: list[Problem] = []
    if spec.extends is not None:
        base_path = Path(doc.file).parent / spec.extends
        if not base_path.is_file():
            raise InputError([doc.problem(("extends",), "not-found", f"no workload `{spec.extends}`")])
        base = load_workload(base_path, world).spec
        spec = base.model_copy(update={k: getattr(spec, k) for k in spec.model_fields_set
                                       if k != "extends"})
    elif not spec.tasks:
        problems.append(doc.problem(("tasks",), "missing", "a workload needs at least one task",
                                    "add `tasks:` or `extends: OTHER_WORKLOAD.yaml`"))
    problems += _check_names(doc, spec, world)
    if spec.mix.benign + spec.mix.noisy + spec.mix.misaligned <= 0 and not spec.replay:
        problems.append(doc.problem(("mix",), "empty-mix", "every agent kind has weight 0"))
    for i, source in enumerate(spec.replay):
        if (source.file is None) == (source.store is None):
            problems.append(doc.problem(("replay", i), "invalid", "give exactly one of `file` and `store`"))
        elif source.file is not None and not (Path(doc.file).parent / source.file).is_file():
            problems.append(doc.problem(("replay", i, "file"), "not-found", f"no file `{source.file}`"))
    if problems:
        raise InputError(problems)
    return Workload(spec, doc.file)


def _check_names(doc: Document, spec: WorkloadSpec, world: World) -> list[Problem]:
    """Every call a task names and every hazard pursued must exist in the world."""
    names = list(world.names)
    known = set(names)
    problems = []
    for task, body in spec.tasks.items():
        for i, step in enumerate(body.steps):
            call = step if isinstance(step, str) else step.call
            if call not in known:
                loc = ("tasks", task, "steps", i) + (() if isinstance(step, str) else ("call",))
                problems.append(doc.problem(loc, "unknown-endpoint", f"`{call}` is not an endpoint of "
                                            f"`{world.system}`", did_you_mean(call, names)))
            repeat = None if isinstance(step, str) else step.repeat
            if isinstance(repeat, tuple) and repeat[0] > repeat[1]:
                problems.append(doc.problem(("tasks", task, "steps", i, "repeat"), "invalid",
                                            "the repeat range is empty (low > high)"))
    for i, hazard in enumerate(spec.misaligned.hazards or []):
        if hazard not in world.hazards:
            problems.append(doc.problem(("misaligned", "hazards", i), "unknown-hazard",
                                        f"`{hazard}` is not a hazard of `{world.system}`",
                                        did_you_mean(hazard, list(world.hazards))))
    return problems


def default_workload(world: World, sessions: int = 100) -> Workload:
    """Without a workload file: one task per non-read endpoint, whose intent is its description
    and whose plan reads what it needs first (the first producer of each needed fact)."""
    producers: dict[str, str] = {}
    for e in world.endpoints:
        if e.kind == "read":
            for fact in e.produces:
                producers.setdefault(fact, e.name)
    tasks: dict[str, Task] = {}
    for e in world.endpoints:
        if e.kind == "read":
            continue
        reads = _reads_for(world, producers, e.needs)
        tasks[e.name] = Task(intent=e.description or e.name.replace("_", " "),
                             steps=[*reads, e.name])
    if not tasks:
        raise InputError([Problem(str(world.system), None, "endpoints", "no-task",
                                  "no write or delete endpoint to build a default workload from",
                                  "give --workload FILE")])
    spec = WorkloadSpec(workload=f"{world.system}-default", sessions=sessions, tasks=tasks)
    return Workload(spec, "<default>")


def _reads_for(world: World, producers: dict[str, str], needs: frozenset[str]) -> list[str]:
    """The reads that reveal `needs`, each one's own needs read before it (depth-first)."""
    reads: list[str] = []

    def obtain(fact: str, seen: set[str]) -> None:
        source = producers.get(fact)
        if source is None or source in seen or any(fact in world.by_name[r].produces for r in reads):
            return
        seen.add(source)
        for need in sorted(world.by_name[source].needs):
            obtain(need, seen)
        reads.append(source)

    for fact in sorted(needs):
        obtain(fact, set())
    return reads
