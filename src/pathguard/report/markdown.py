"""The analysis as a markdown report (`report.md`, `--format markdown`)."""

from __future__ import annotations

from pathguard.report.document import AnalysisDocument, PathEntry
from pathguard.report.findings import assumption_lines, bypass_lines, chain, hazard_headline, hazard_lines
from pathguard.report.text import headline, limits_note, stop_note


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _runs(path: PathEntry) -> str:
    return "yes" if path.executable else _cell(f"no: {path.why}")


def render_markdown(doc: AnalysisDocument, *, image: str | None = None) -> str:
    g, p = doc.graph, doc.paths
    out = [f"# {doc.system}: {doc.policy or 'no policy'}", "", f"**{headline(doc)}**", ""]
    note = limits_note(doc)
    if note:
        out += [f"> {note}", ""]
    out += [
        "| | |", "|---|---|",
        f"| endpoints | {g.endpoints} |", f"| edges | {g.edges} |",
        f"| entries | {', '.join(g.entries) or '—'} |",
        f"| destructive targets | {', '.join(g.targets) or '—'} |",
        f"| paths | {p.total}{'' if p.complete else ' (lower bound)'} |",
        f"| open / gated / blocked | {p.open} / {p.gated} / {p.blocked} |",
        f"| of which executable as they stand | {p.executable['open']} / {p.executable['gated']} / "
        f"{p.executable['blocked']} |", "",
    ]
    if image:
        out += [f"![action graph]({image})", ""]
    for verdict in ("open", "gated", "blocked"):
        paths = [x for x in doc.path_list if x.verdict == verdict]
        if not paths:
            continue
        out += [f"## {verdict.capitalize()} paths ({getattr(p, verdict)})", ""]
        if verdict == "open":
            out += ["| # | path | executable as it stands |", "|---|---|---|"]
            out += [f"| {i} | `{_cell(chain(x.calls))}` | {_runs(x)} |" for i, x in enumerate(paths, 1)]
        else:
            out += ["| # | path | stopped by |", "|---|---|---|"]
            out += [f"| {i} | `{_cell(chain(x.calls))}` | {_cell(stop_note(x))} |"
                    for i, x in enumerate(paths, 1)]
        out.append("")
    if doc.hazards is not None and doc.model_check is not None:
        n = len(doc.bypasses or [])
        out += [f"## Bypasses ({n})", "",
                "Blocked paths whose calls still all run, in order, with other calls between them:", ""]
        out += bypass_lines(doc.bypasses or [], doc.target_reachable or [], doc.unbypassed or [],
                            doc.bypass_search, md=True)
        out += ["", f"## Hazards: {hazard_headline(doc.hazards)}", ""]
        out += hazard_lines(doc.hazards, md=True)
        out += ["", "## Every verdict assumes", "", *assumption_lines(doc.model_check.assumptions), ""]
    if doc.notes:  # warnings have their own section, written by the CLI for every command
        out += ["## Notes", ""] + [f"- {_cell(w)}" for w in doc.notes] + [""]
    return "\n".join(out)
