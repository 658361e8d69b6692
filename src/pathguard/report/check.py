"""`pathguard check`'s report as text or markdown: bypasses first (the headline), then hazards,
then what every verdict assumes and how far the search went."""

from __future__ import annotations

from pathguard.modelcheck.results import CheckResult
from pathguard.report.findings import assumption_lines, bypass_lines, hazard_headline, hazard_lines


def render_check(result: CheckResult, *, markdown: bool = False) -> str:
    md = markdown
    head = "## " if md else ""
    out = [f"{'# ' if md else ''}pathguard check: {result.system} under policy {result.policy}", ""]
    out.append(f"engine {result.engine} · knowledge {result.knowledge} · {result.seconds} s · "
               f"{result.options.limits}")
    out.append("")
    n = len(result.bypasses)
    out.append(f"{head}BYPASSES: {n} blocked path(s) run anyway" if n else f"{head}Bypasses: none")
    out += bypass_lines(result.bypasses, result.target_reachable, result.unbypassed, result.bypass_search, md)
    out.append("")
    out.append(f"{head}Hazards: {hazard_headline(result.hazards)}")
    out += hazard_lines(result.hazards, md) or ["- the model declares no hazards"]
    out.append("")
    out.append(f"{head}Every verdict assumes")
    out += assumption_lines(result.assumptions)
    out.append("")
    out.append(f"{head}Reductions (exact)")
    out += [f"- {r}" for r in result.reductions]
    if result.states is not None:
        out.append(f"- states explored (explicit): {result.states:,}")
    return "\n".join(out)
