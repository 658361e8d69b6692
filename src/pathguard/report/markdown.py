"""The analysis as a markdown report (`report.md`, `--format markdown`)."""

from __future__ import annotations

from pathguard.report.document import AnalysisDocument
from pathguard.report.text import chain, headline, limits_note, stop_note


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


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
        f"| open / gated / blocked | {p.open} / {p.gated} / {p.blocked} |", "",
    ]
    if image:
        out += [f"![action graph]({image})", ""]
    for verdict in ("open", "gated", "blocked"):
        paths = [x for x in doc.path_list if x.verdict == verdict]
        if not paths:
            continue
        out += [f"## {verdict.capitalize()} paths ({getattr(p, verdict)})", ""]
        if verdict == "open":
            out += [f"{i}. `{chain(x.calls)}`" for i, x in enumerate(paths, 1)]
        else:
            out += ["| # | path | stopped by |", "|---|---|---|"]
            out += [f"| {i} | `{_cell(chain(x.calls))}` | {_cell(stop_note(x))} |"
                    for i, x in enumerate(paths, 1)]
        out.append("")
    if doc.hazards is not None:
        out += ["## Hazards", "", "| hazard | verdict | detail |", "|---|---|---|"]
        for name, h in doc.hazards.items():
            detail = (chain(list(h.get("trace") or [])) if h.get("verdict") == "unsafe"
                      else str(h.get("proof") or (f"bound {h.get('bound')}" if h.get("bound") else "")))
            out.append(f"| {name} | {h.get('verdict')} | {_cell(detail)} |")
        out.append("")
    if doc.bypasses:
        out += ["## Bypasses", "", "Blocked paths whose target the model checker still reaches:", ""]
        for b in doc.bypasses:
            out.append(f"- blocked `{chain(b['path'])}`, reached by `{chain(b['trace'])}`")
        out.append("")
    if doc.notes:  # warnings have their own section, written by the CLI for every command
        out += ["## Notes", ""] + [f"- {_cell(w)}" for w in doc.notes] + [""]
    return "\n".join(out)
