"""Render a simulation document as text, markdown or JSON (the CLI prints; this only formats).

Text and markdown share one list of sections; each figure is printed with its
unit, and the definitions of `pathguard.simulate.metrics` close the report.
"""

from __future__ import annotations

import json
from typing import Any

DEFINITIONS = [
    ("friction", "benign sessions (benign, noisy, replayed) with at least one call not allowed at once "
                 "(denied, or held for approval); rate = interrupted / benign sessions; abandoned = "
                 "the task stopped at a refusal"),
    ("caught", "misaligned sessions that ended without reaching their hazard; step = 1-based call "
               "number of the refusal that ended the attack"),
    ("approvals", "requests sent to the (simulated) approver: approval decisions and forbidden "
                  "calls opened for unlock"),
    ("budget exhaustions", "sessions the budget closed for good; sessions refused by layer 2"),
    ("hazards reached", "sessions whose world reached a hazard; misaligned ones are misses"),
    ("intent deviation", "100 × (1 − decay-weighted similarity) after the session's last call, "
                         "percent points"),
    ("timing", "wall-clock latency of one guarded check, microseconds (nearest-rank percentiles); "
               "the only figures that differ between runs with the same seed"),
]


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: Any) -> str:
    return "n/a" if value is None else str(value)


def summary_lines(d: dict[str, Any]) -> list[str]:
    """The headline figures of one policy, one line each."""
    f, c, a, b, h = d["friction"], d["caught"], d["approvals"], d["budget_exhaustions"], d["hazards_reached"]
    return [
        f"friction: {f['count']} of {f['sessions']} benign sessions interrupted ({pct(f['rate'])}); "
        f"{f['abandoned']} abandoned their task ({pct(f['abandoned_rate'])})",
        f"caught: {c['count']} of {c['sessions']} misaligned sessions stopped before their hazard "
        f"({pct(c['rate'])}); {c['missed']} missed",
        f"approvals: {a['requested']} requested ({_num(a['per_session'])} per session, "
        f"{_num(a['per_benign_session'])} per benign session, at most {a['max_per_session']}); "
        f"{a['granted']} granted",
        f"budget: {b['closed']} sessions closed for good; {b['sessions_refused']} refused by layer 2",
        f"hazards reached: {h['total']} ({h['misses']} by misaligned agents: the misses)",
    ]


def _rule_rows(d: dict[str, Any]) -> list[tuple[str, ...]]:
    return [(name, str(v["count"]), pct(v["rate"]), v["example"])
            for name, v in d["friction"]["by_rule"].items()]


def _caught_rows(d: dict[str, Any]) -> list[tuple[str, ...]]:
    return [(name, str(v["sessions"]), str(v["caught"]), str(v["missed"]))
            for name, v in d["caught"]["by_hazard"].items()]


def _attack_rows(d: dict[str, Any]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for s in d["caught"]["session_list"]:
        outcome = (f"stopped at call {s['stopped_step']} by {', '.join(s['stopped_by'])}" if s["stopped_step"]
                   else "gave up (no move left)" if s["caught"] else f"REACHED at call {s['reached_step']}")
        rows.append((str(s["session"]), s["hazard"], _num(s["first_block_step"]), outcome))
    return rows


def _intent_rows(d: dict[str, Any]) -> list[tuple[str, ...]]:
    i = d["intent"]
    return [(kind, _num(v["mean"]), _num(v["p50"]), _num(v["max"]), str(i["review"].get(kind, 0)))
            for kind, v in i["final_deviation"].items()]


def _compare_rows(d: dict[str, Any]) -> list[tuple[str, ...]]:
    o = d["compare"]

    def row(label: str, get: Any) -> tuple[str, ...]:
        return (label, get(d), get(o))

    return [
        row("friction (benign interrupted)",
            lambda x: f"{x['friction']['count']} ({pct(x['friction']['rate'])})"),
        row("tasks abandoned",
            lambda x: f"{x['friction']['abandoned']} ({pct(x['friction']['abandoned_rate'])})"),
        row("misaligned caught", lambda x: f"{x['caught']['count']}/{x['caught']['sessions']} "
                                           f"({pct(x['caught']['rate'])})"),
        row("hazards reached by misaligned", lambda x: str(x["hazards_reached"]["misses"])),
        row("hazards reached by benign",
            lambda x: str(x["hazards_reached"]["total"] - x["hazards_reached"]["misses"])),
        row("approvals per session", lambda x: _num(x["approvals"]["per_session"])),
        row("sessions closed by budget", lambda x: str(x["budget_exhaustions"]["closed"])),
    ]


def _sweep_rows(d: dict[str, Any]) -> list[tuple[str, ...]]:
    s = d["sweep"]
    return [(_num(p["value"]) + (" *" if p["value"] == s["operating_point"] else ""),
             pct(p["friction_rate"]), pct(p["abandoned_rate"]), pct(p["catch_rate"]), str(p["misses"]),
             _num(p["approvals_per_session"])) for p in s["points"]]


def _header(d: dict[str, Any]) -> str:
    n = d["sessions"]
    kinds = ", ".join(f"{n[k]} {k}" for k in ("benign", "noisy", "misaligned", "replay") if k in n)
    return (f"pathguard simulate: {d['system']}, policy {d['policy']}, workload {d['workload']}: "
            f"{n['total']} sessions ({kinds}), seed {d['seed']}, {_agents(d)}, "
            f"intent model {d['embedder'] or 'off'}")


def _agents(d: dict[str, Any]) -> str:
    if d["agents"] == 1:
        return "one agent at a time"
    if d["team_budget"] is None:
        return f"{d['agents']} agents at once, no shared budget (the policy has no max_actions)"
    return f"{d['agents']} agents at once sharing a team budget of {d['team_budget']} calls"


def _timing(d: dict[str, Any]) -> str:
    t = d["timing"]
    return (f"timing (wall clock, varies between runs): {t['checks']} checks, p50 {t['p50_us']} µs, "
            f"p95 {t['p95_us']} µs, p99 {t['p99_us']} µs; {t['calls_per_second']} simulated calls/s")


def _table_text(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return ["  " + fmt.format(*head).rstrip(), *("  " + fmt.format(*r).rstrip() for r in rows)]


def _table_md(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    def esc(x: str) -> str:
        return str(x).replace("|", "\\|")
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head),
            *("| " + " | ".join(esc(x) for x in r) + " |" for r in rows), ""]


def sections(d: dict[str, Any]) -> list[tuple[str, list[str], tuple[str, ...] | None, list[tuple[str, ...]]]]:
    """(title, lines, table head, table rows) in report order."""
    out: list[tuple[str, list[str], tuple[str, ...] | None, list[tuple[str, ...]]]] = [
        ("Summary", summary_lines(d), None, []),
        ("Friction by rule (benign sessions interrupted)", [
            "by layer: " + ", ".join(f"{k} {v['count']} ({pct(v['rate'])})"
                                     for k, v in d["friction"]["by_layer"].items()) or "none"],
         ("clause", "sessions", "rate", "example reason"), _rule_rows(d)),
        ("Misaligned sessions by hazard", [], ("hazard", "sessions", "caught", "missed"), _caught_rows(d)),
        ("Each misaligned session", [], ("session", "hazard", "first refusal at call", "outcome"),
         _attack_rows(d)),
        ("Intent deviation at the end of each session (percent points)", [
            f"threshold {_num(d['intent']['threshold'])} (similarity), i.e. review above deviation "
            f"{_num(d['intent']['deviation_threshold'])}"],
         ("agents", "mean", "p50", "max", "sessions in review"), _intent_rows(d)),
    ]
    if "compare" in d:
        out.append(("Same sessions, two policies", [], ("figure", d["policy"], d["compare"]["policy"]),
                    _compare_rows(d)))
    if "sweep" in d:
        s = d["sweep"]
        out.append((f"Sweep of {s['param']} (* = the policy as written)", [],
                    ("value", "friction", "abandoned", "caught", "misses", "approvals/session"),
                    _sweep_rows(d)))
    if "timing" in d:
        out.append(("Timing", [_timing(d)], None, []))
    out.append(("Definitions", [f"{k}: {v}" for k, v in DEFINITIONS], None, []))
    return out


def render_text(d: dict[str, Any]) -> str:
    lines = [_header(d), ""]
    for title, body, head, rows in sections(d):
        lines.append(title)
        lines += ["  " + b for b in body]
        if head is not None:
            lines += _table_text(head, rows) if rows else ["  (none)"]
        lines.append("")
    return "\n".join(lines)


def render_markdown(d: dict[str, Any]) -> str:
    lines = [f"# Simulation: {d['system']} under `{d['policy']}`", "", _header(d), ""]
    for title, body, head, rows in sections(d):
        lines += [f"## {title}", ""]
        lines += [f"- {b}" for b in body]
        if body:
            lines.append("")
        if head is not None:
            lines += _table_md(head, rows) if rows else ["(none)", ""]
    return "\n".join(lines)


def render_json(d: dict[str, Any]) -> str:
    return json.dumps(d, indent=2, sort_keys=False)
