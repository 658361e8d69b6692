"""`pathguard fuzz` and `pathguard replay` as text: the verdict first, then the minimal failing
sequence numbered step by step, then what was checked and what every verdict assumes."""

from __future__ import annotations

from pathguard.fuzz.results import FuzzReport, ViolationDoc


def violation_lines(violations: list[ViolationDoc]) -> list[str]:
    return [f"  {v.property}: {v.message}" for v in violations]


def render_fuzz(report: FuzzReport) -> str:
    o = report.options
    out = [f"pathguard fuzz: {report.system} under policy {report.policy}",
           f"seed {o.seed} · {o.examples} examples of {o.max_steps} operations · up to {o.subagents} "
           f"sub-agent(s) · store {o.store}" + (f" · guard {o.guard}" if o.guard else ""), ""]
    rate = (f"{report.examples} sequence(s) run, shrinking included: {report.operations:,} operations "
            f"({report.decisions:,} decisions) in {report.seconds:g} s, {report.operations_per_second:,.0f} "
            "operations/s")
    f = report.failure
    if f is not None:
        shrunk = f" (shrunk from a failing sequence of {f.first_failure})" if f.first_failure else ""
        broken = ", ".join(dict.fromkeys(v.property for v in f.violations))
        out.append(f"FAILED: {broken} broken at operation {f.step} of a minimal sequence of "
                   f"{len(f.operations)}{shrunk}")
        out += [f"  {line}" for line in f.log]
        out += ["", "what broke:", *violation_lines(f.violations)]
        if f.trace_file:
            out += ["", f"trace saved: {f.trace_file} (reproduce: pathguard replay {f.trace_file})"]
    for v in report.counterexample_failures:
        out.append(f"FAILED: {v.property}: {v.message}")
    if report.passed:
        out.append(f"PASSED: no property broken in {rate}")
    else:
        out += ["", rate]
    out += ["", "Properties checked on every operation:"]
    out += [f"- {name}: {text}" for name, text in report.properties.items()]
    if report.invariants:
        out += ["", "Invariants of the user's file:"] + [f"- {i}" for i in report.invariants]
    if report.hazards:
        out += ["", f"Hazards under the fuzz's own options ({report.checker}):"]
        for name, h in report.hazards.items():
            if h.verdict == "unsafe":
                replay = {True: "replayed through the runtime", False: f"does NOT replay: {h.message}",
                          None: "not replayed"}[h.replayed]
                out.append(f"- {name}: unsafe in {len(h.trace)} step(s) ({' -> '.join(h.trace)}): {replay}")
            elif h.verdict == "safe":
                out.append(f"- {name}: safe ({h.proof}): never reached in any example")
            else:
                out.append(f"- {name}: unknown: {h.use}")
    out += ["", "Every verdict assumes:"] + [f"- {a}" for a in report.assumptions]
    return "\n".join(out)


def render_replay(log: list[str], violations: list[ViolationDoc], recorded: list[ViolationDoc], *,
                  step: int | None, recorded_step: int, changed: list[str]) -> str:
    out = [f"note: {path} changed since the trace was saved" for path in changed]
    out += log
    if violations:
        same = step == recorded_step and [v.property for v in violations] == [v.property for v in recorded]
        out += ["", f"REPRODUCED at operation {step}:" if same else
                f"FAILED at operation {step}, differently from the trace:", *violation_lines(violations)]
        if not same:
            out += [f"the trace recorded, at operation {recorded_step}:", *violation_lines(recorded)]
    else:
        out += ["", f"PASSED: the sequence no longer breaks any property (the trace recorded, at operation "
                    f"{recorded_step}):", *violation_lines(recorded)]
    return "\n".join(out)
