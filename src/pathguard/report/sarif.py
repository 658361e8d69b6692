"""Findings as SARIF 2.1.0, where code reviewers see them (GitHub code scanning and others).

One rule per finding kind; every result points at the line of `endpoints.yaml`
or `policy.yaml` it concerns (the target endpoint of a path, the hazard, the
forbidden entry or rule that blocks or gates a path, the budget clause a fuzz
violation broke), carries its trace in the message and as a code flow, and
lists the endpoints on the way as related locations. `partialFingerprints`
identify a finding by what it is (a path by its calls, a hazard by its name),
not by where it is written, so moving a line keeps its alert. With a baseline,
each result says whether it is new (`baselineState`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.report.findings import chain, condition_text

if TYPE_CHECKING:
    from pathguard.fuzz.invariants import Invariants
    from pathguard.fuzz.results import FuzzReport
    from pathguard.modelcheck.results import Bypass, CheckResult, HazardResult, TargetReachable, TraceStep
    from pathguard.report.baseline import Comparison, Kind
    from pathguard.report.document import AnalysisDocument

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
Json = dict[str, Any]

RULES: dict[str, tuple[str, str, str, str]] = {
    # id: (name, default level, short description, help)
    "open-path": ("OpenPath", "error", "A path to a destructive call that the policy lets run",
                  "Every call of this chain, from an entry to a destructive endpoint, is allowed: block it "
                  "with a rule, a critical entry, a budget or a forbidden transition."),
    "gated-path": ("GatedPath", "note", "A path to a destructive call that waits for an approval",
                   "The chain runs once an approver grants the call that gates it: check that this is "
                   "intended."),
    "unsafe-hazard": ("UnsafeHazard", "error", "A hazard the policy lets an agent reach",
                      "The model checker found a shortest run of allowed calls that ends in this hazard."),
    "bypass": ("Bypass", "error", "A blocked path that still runs with other calls between its steps",
               "The policy blocks this chain only when its calls are adjacent: padding or a detour runs it "
               "anyway (capability decomposition)."),
    "target-reachable": ("TargetReachable", "warning", "A blocked chain whose target runs another way",
                         "The policy blocks this chain, not its target: another run still executes it."),
    "unknown-hazard": ("UnknownHazard", "warning", "A hazard neither proved safe nor reached",
                       "The model checker stopped at a limit: raise it, or bound the model, to settle it."),
    "fuzz-property": ("FuzzProperty", "error", "A property of the runtime broken by fuzzing",
                      "pathguard fuzz found a sequence of operations on a real Guard that breaks this "
                      "property; the message holds the minimal sequence, `pathguard replay` reproduces it."),
}


def _version() -> str:
    try:
        return version("pathguard")
    except PackageNotFoundError:  # a source checkout that is not installed
        return "0"


def _uri(file: str) -> tuple[str, str | None]:
    """A URI relative to the repository (the current directory) when the file is under it."""
    path = Path(file)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix(), "%SRCROOT%"
        except ValueError:
            return path.as_uri(), None
    return path.as_posix(), "%SRCROOT%"


def _location(file: str, line: int | None, message: str | None = None, ident: int | None = None) -> Json:
    uri, base = _uri(file)
    artifact: Json = {"uri": uri}
    if base:
        artifact["uriBaseId"] = base
    physical: Json = {"artifactLocation": artifact}
    if line:
        physical["region"] = {"startLine": line}
    out: Json = {"physicalLocation": physical}
    if message:
        out["message"] = {"text": message}
    if ident is not None:
        out["id"] = ident
    return out


class Locator:
    """Where things are written: endpoints and hazards in the world's file, clauses in the policy's."""

    def __init__(self, world: World, policy: CompiledPolicy | None,
                 invariants: Invariants | None = None) -> None:
        self.world, self.policy, self.invariants = world, policy, invariants

    def endpoint(self, name: str, message: str | None = None, ident: int | None = None) -> Json:
        e = self.world.by_name.get(name)
        return _location(self.world.file, e.line if e else None, message, ident)

    def hazard(self, name: str) -> Json:
        return _location(self.world.file, self.world.hazard_lines.get(name))

    def clause(self, clause: str, endpoint: str | None = None, message: str | None = None,
               ident: int | None = None) -> Json | None:
        """The line of a policy clause (`rule 2`, `forbidden 1`, `critical`, `max_actions`, ...)."""
        policy = self.policy
        if policy is None or policy.file == "<memory>":
            return None
        lines = policy.lines
        line = lines.get(f"critical {endpoint}") if clause == "critical" and endpoint else None
        line = line or lines.get(clause)
        return _location(policy.file, line, message, ident) if line else None

    def invariant(self, index: int) -> Json | None:
        if self.invariants is None:
            return None
        item = next((i for i in self.invariants.items if i.index == index), None)
        return _location(self.invariants.file, item.line if item else None)

    def flow(self, steps: Sequence[TraceStep | str], label: str) -> Json:
        """A code flow through the endpoints of a trace, each step with its decision."""
        locations = []
        for i, step in enumerate(steps, 1):
            if isinstance(step, str):
                call, text = step, step
            else:
                why = f" ({'; '.join(step.reasons)})" if step.reasons else ""
                call, text = step.call, f"{step.call}: {step.decision}{why}"
            name = call.split(":", 1)[1] if ":" in call else call
            loc = self.endpoint(name, f"{i}. {text}") if name in self.world.by_name else \
                _location(self.world.file, None, f"{i}. {text}")
            locations.append({"location": loc})
        return {"message": {"text": label}, "threadFlows": [{"locations": locations}]}

    def related(self, calls: Sequence[str]) -> list[Json]:
        seen = dict.fromkeys(c.split(":", 1)[1] if ":" in c else c for c in calls)
        return [self.endpoint(name, f"`{name}`") for name in seen if name in self.world.by_name]


def _fingerprint(rule: str, key: str) -> Json:
    return {"pathguardFinding/v1": hashlib.sha256(f"{rule}|{key}".encode()).hexdigest()[:32]}


def _result(rule: str, message: str, locations: list[Json], key: str, *, related: list[Json] | None = None,
            flows: list[Json] | None = None, level: str | None = None, state: str | None = None) -> Json:
    out: Json = {"ruleId": rule, "ruleIndex": list(RULES).index(rule), "level": level or RULES[rule][1],
                 "message": {"text": message}, "locations": locations,
                 "partialFingerprints": _fingerprint(rule, key)}
    if related:
        out["relatedLocations"] = related
    if flows:
        out["codeFlows"] = flows
    if state:
        out["baselineState"] = state
    return out


def _log(results: list[Json]) -> Json:
    rules = [{"id": rid, "name": name, "shortDescription": {"text": short},
              "fullDescription": {"text": help_}, "help": {"text": help_},
              "defaultConfiguration": {"level": level}}
             for rid, (name, level, short, help_) in RULES.items()]
    driver = {"name": "pathguard", "version": _version(), "semanticVersion": _version(),
              "informationUri": "https://pypi.org/project/pathguard/", "rules": rules}
    return {"$schema": SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints"}]}


def _blocking_reasons(world: World, policy: CompiledPolicy, calls: Sequence[str]) -> list[str]:
    """The clauses that stop a path (SPEC §4's first non-allow decision), from the path walker."""
    from pathguard.graph.verdicts import Stop, Walker

    walker = Walker(world, policy)
    carry = walker.start()
    for call in calls:
        carry = walker.extend(carry, call)
    session = carry[0]
    return [r.clause for r in session.reasons] if isinstance(session, Stop) else []


class _Builder:
    def __init__(self, world: World, policy: CompiledPolicy | None, comparison: Comparison | None) -> None:
        self.at = Locator(world, policy)
        self.world, self.policy, self.comparison = world, policy, comparison
        self.results: list[Json] = []

    def state(self, kind: Kind, key: tuple[str, ...] | str) -> str | None:
        return None if self.comparison is None else self.comparison.state(kind, key)

    def clause_of(self, calls: Sequence[str], message: str) -> Json | None:
        if self.policy is None:
            return None
        for clause in _blocking_reasons(self.world, self.policy, calls):
            endpoint = calls[-1] if clause == "critical" else None
            found = self.at.clause(clause, endpoint=endpoint, message=message)
            if found is not None:
                return found
        return None

    def path(self, calls: list[str], verdict: str) -> None:
        target = calls[-1]
        if verdict == "open":
            msg = f"Open path: {chain(calls)} reaches `{target}` (destructive); the policy allows every call."
            self.results.append(_result("open-path", msg, [self.at.endpoint(target)], chain(calls),
                                        related=self.at.related(calls), flows=[self.at.flow(calls, msg)],
                                        state=self.state("path", tuple(calls))))
        elif verdict == "gated":
            msg = f"Gated path: {chain(calls)} reaches `{target}` once an approver grants it."
            where = self.clause_of(calls, "the clause that gates it") or self.at.endpoint(target)
            self.results.append(_result("gated-path", msg, [where], chain(calls),
                                        related=[self.at.endpoint(target, f"target `{target}`", 0)]))

    def hazards(self, hazards: dict[str, HazardResult]) -> None:
        for name, h in hazards.items():
            cond = condition_text(h.condition)
            if h.verdict == "unsafe":
                msg = (f"Hazard `{name}` ({cond}) is reachable in {h.depth} call(s): {chain(h.trace)}. "
                       f"Assumes: {'; '.join(h.assumptions)}.")
                self.results.append(_result("unsafe-hazard", msg, [self.at.hazard(name)], name,
                                            related=self.at.related(h.trace),
                                            flows=[self.at.flow(h.steps or h.trace, msg)],
                                            state=self.state("hazard", name)))
            elif h.verdict == "unknown":
                msg = f"Hazard `{name}` ({cond}) is neither proved safe nor reached: {h.proof or h.limit}."
                self.results.append(_result("unknown-hazard", msg, [self.at.hazard(name)], name))

    def bypasses(self, bypasses: list[Bypass], reachable: list[TargetReachable]) -> None:
        for b in bypasses:
            msg = f"Blocked path {chain(b.path)} runs anyway in {b.depth} call(s): {chain(b.trace)}."
            where = self.clause_of(b.path, "the clause that blocks the path") or self.at.endpoint(b.target)
            self.results.append(_result("bypass", msg, [where], chain(b.path),
                                        related=[self.at.endpoint(b.target, f"target `{b.target}`", 0)],
                                        flows=[self.at.flow(b.steps or b.trace, msg)],
                                        state=self.state("bypass", tuple(b.path))))
        for r in reachable:
            msg = (f"Blocked path {chain(r.path)} has no bypass, but `{r.target}` still runs in {r.depth} "
                   f"call(s): {chain(r.trace)}.")
            clause = self.clause_of(r.path, "the clause that blocks the path")
            self.results.append(_result("target-reachable", msg, [self.at.endpoint(r.target)], chain(r.path),
                                        related=[clause] if clause else None,
                                        flows=[self.at.flow(r.steps or r.trace, msg)]))

    def log(self) -> Json:
        """The SARIF log of the results, each result's related locations numbered."""
        for r in self.results:
            _numbered(r.get("relatedLocations"))
        return _log(self.results)


def _numbered(related: list[Json] | None) -> list[Json] | None:
    if related is None:
        return None
    for i, loc in enumerate(related):
        loc["id"] = i
    return related


def analyze_sarif(doc: AnalysisDocument, world: World, policy: CompiledPolicy | None,
                  comparison: Comparison | None = None) -> Json:
    b = _Builder(world, policy, comparison)
    for path in doc.path_list:
        b.path(path.calls, path.verdict)
    b.hazards(doc.hazards or {})
    b.bypasses(doc.bypasses or [], doc.target_reachable or [])
    return b.log()


def check_sarif(result: CheckResult, world: World, policy: CompiledPolicy | None,
                comparison: Comparison | None = None) -> Json:
    b = _Builder(world, policy, comparison)
    b.hazards(result.hazards)
    b.bypasses(result.bypasses, result.target_reachable)
    return b.log()


def fuzz_sarif(report: FuzzReport, world: World, policy: CompiledPolicy | None,
               invariants: Invariants | None = None) -> Json:
    at = Locator(world, policy, invariants)
    results = []
    failure = report.failure
    own = policy is not None and policy.file != "<memory>"
    fallback = _location(policy.file if policy is not None and own else world.file, None)
    violations = [(v, failure.log, failure.operations) for v in failure.violations] if failure else []
    violations += [(v, [], []) for v in report.counterexample_failures]
    for v, log, ops in violations:
        where = (at.clause(v.clause) if v.clause else None) or (at.hazard(v.hazard) if v.hazard else None) \
            or (at.invariant(v.invariant) if v.invariant is not None else None) or fallback
        sequence = (" Minimal sequence: " + " ".join(log)) if log else ""
        msg = f"Property `{v.property}` broken: {v.message}.{sequence}"
        calls = [op["endpoint"] for op in ops if op.get("op") == "call"]
        key = f"{v.property}|{v.clause}|{v.hazard}|{v.invariant}"
        related = _numbered(at.related(calls)) or None
        results.append(_result("fuzz-property", msg, [where], key, related=related))
    return _log(results)
