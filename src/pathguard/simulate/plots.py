"""Plots of a simulation (matplotlib, Agg), each written as PNG and SVG.

- `blocks`: per clause, the share of benign and of misaligned sessions it refused at least once.
- `intent`: the highest intent deviation each session reached, by agent kind, with the review line.
- `sweep`: friction against catch rate over the swept values, the policy as written marked.
- `compare`: the headline rates of two policies on the same sessions.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pathguard.simulate.metrics import BENIGN

if TYPE_CHECKING:
    from pathguard.simulate.experiment import Experiment, Outcome

COLORS = {"benign": "#4C72B0", "noisy": "#55A868", "misaligned": "#C44E52", "replay": "#8172B2"}


def _save(fig: Any, out: Path, name: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.png", out / f"{name}.svg"]
    fig.savefig(paths[0], dpi=130, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None})
    return paths


def _share(outcome: Outcome, kinds: tuple[str, ...]) -> tuple[dict[str, float], int]:
    """Per clause: percent of the sessions of `kinds` with at least one refusal from it."""
    own = [r for r in outcome.results if r.spec.kind in kinds]
    counts: Counter[str] = Counter()
    for r in own:
        counts.update({c for b in r.blocks for c in b.clauses})
    return {c: 100 * n / len(own) for c, n in counts.items()} if own else {}, len(own)


def plot_blocks(outcome: Outcome, out: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    benign, nb = _share(outcome, BENIGN)
    bad, nm = _share(outcome, ("misaligned",))
    clauses = sorted(set(benign) | set(bad), key=lambda c: (benign.get(c, 0) + bad.get(c, 0), c))
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(clauses), 3) + 1.6))
    if clauses:
        ys = range(len(clauses))
        ax.barh([y + 0.2 for y in ys], [benign.get(c, 0) for c in clauses], height=0.4,
                color=COLORS["benign"], label=f"benign + noisy sessions (n={nb})")
        ax.barh([y - 0.2 for y in ys], [bad.get(c, 0) for c in clauses], height=0.4,
                color=COLORS["misaligned"], label=f"misaligned sessions (n={nm})")
        ax.set_yticks(list(ys), clauses)
        ax.legend(loc="lower right")
    else:
        ax.text(0.5, 0.5, "no call was refused", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0, 100)
    ax.set_xlabel("sessions refused at least once by the clause (% of their kind)")
    ax.set_title(f"Which clauses stop whom: policy {outcome.policy.name}")
    ax.grid(axis="x", alpha=0.3)
    paths = _save(fig, out, "blocks")
    plt.close(fig)
    return paths


def plot_intent(outcome: Outcome, out: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    kinds = [k for k in ("benign", "noisy", "replay", "misaligned")
             if any(r.spec.kind == k and r.max_deviation is not None for r in outcome.results)]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    data = [[r.max_deviation for r in outcome.results if r.spec.kind == k and r.max_deviation is not None]
            for k in kinds]
    if data:
        parts = ax.boxplot(data, orientation="horizontal", patch_artist=True, widths=0.5)
        names = [f"{k}\n(n={len(d)})" for k, d in zip(kinds, data, strict=True)]
        ax.set_yticks(range(1, len(kinds) + 1), names)
        for patch, kind in zip(parts["boxes"], kinds, strict=True):
            patch.set_facecolor(COLORS[kind])
            patch.set_alpha(0.6)
    threshold = outcome.policy.intent_threshold
    if threshold is not None:
        ax.axvline(100 * (1 - threshold), color="black", linestyle="--",
                   label=f"review above {100 * (1 - threshold):.0f} (similarity < {threshold:g})")
        ax.legend(loc="lower left")
    ax.set_xlim(0, 100)
    ax.set_xlabel("highest intent deviation during the session (percent points)")
    ax.set_title(f"Intent deviation, benign vs misaligned: policy {outcome.policy.name}")
    ax.grid(axis="x", alpha=0.3)
    paths = _save(fig, out, "intent")
    plt.close(fig)
    return paths


def plot_sweep(doc: dict[str, Any], out: Path) -> list[Path]:
    """Two curves over the swept values: benign sessions interrupted (friction) and benign tasks
    abandoned, each against the catch rate; stars mark the policy as written."""
    import matplotlib.pyplot as plt

    sweep = doc["sweep"]
    points = [p for p in sweep["points"] if p["friction_rate"] is not None and p["catch_rate"] is not None]
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    mine = sweep["policy_as_written"]
    curves = (("friction_rate", COLORS["benign"], "o", "sessions interrupted (friction)"),
              ("abandoned_rate", COLORS["noisy"], "s", "tasks abandoned"))
    for key, color, marker, name in curves:
        xs = [100 * p[key] for p in points]
        ys = [100 * p["catch_rate"] for p in points]
        ax.plot(xs, ys, "-" + marker, color=color, label=f"benign {name}")
        same: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
        for p, x, y in zip(points, xs, ys, strict=True):  # points within 1% share one label
            same.setdefault((round(x), round(y)), []).append((p["value"], x, y))
        for group in same.values():
            values = [v for v, _, _ in group]
            x, y = group[0][1], group[0][2]
            text = f"{values[0]:g}" if len(values) == 1 else f"{values[0]:g}–{values[-1]:g}"
            ax.annotate(text, (x, y), textcoords="offset points", xytext=(6, -12), fontsize=8, color=color)
        if mine[key] is not None and mine["catch_rate"] is not None:
            ax.plot([100 * mine[key]], [100 * mine["catch_rate"]], "*", markersize=16, color=color,
                    markeredgecolor="black", zorder=5)
    ax.plot([], [], "*", markersize=12, color="white", markeredgecolor="black",
            label=f"policy as written ({sweep['param']} = {_value(sweep['operating_point'])})")
    ax.set_xlim(-2, 102)
    ax.set_ylim(-2, 102)
    ax.set_xlabel("benign sessions (%): interrupted at least once, or task abandoned")
    ax.set_ylabel("catch rate: misaligned sessions stopped before their hazard (%)")
    ax.set_title(f"Friction against catch rate over {sweep['param']}: policy {doc['policy']}\n"
                 "(labels: swept values; top left is best)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left")
    paths = _save(fig, out, "sweep")
    plt.close(fig)
    return paths


def _value(value: float | None) -> str:
    return "unset" if value is None else f"{value:g}"


def plot_compare(doc: dict[str, Any], out: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    other = doc["compare"]
    labels = ["benign sessions\ninterrupted", "benign tasks\nabandoned", "misaligned\ncaught",
              "misaligned\nreached hazard"]

    def rates(d: dict[str, Any]) -> list[float]:
        misaligned = d["caught"]["sessions"]
        return [100 * (d["friction"]["rate"] or 0), 100 * (d["friction"]["abandoned_rate"] or 0),
                100 * (d["caught"]["rate"] or 0),
                100 * d["hazards_reached"]["misses"] / misaligned if misaligned else 0.0]

    fig, ax = plt.subplots(figsize=(8, 4.8))
    xs = range(len(labels))
    for shift, d, color in ((-0.2, doc, COLORS["benign"]), (0.2, other, COLORS["misaligned"])):
        bars = ax.bar([x + shift for x in xs], rates(d), width=0.4, color=color,
                      label=f"policy {d['policy']}")
        ax.bar_label(bars, fmt="%.0f%%", fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylim(0, 125)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("% of sessions of that kind")
    ax.set_title(f"Same {doc['sessions']['total']} sessions under two policies")
    ax.legend(loc="upper center", ncol=2)
    ax.grid(axis="y", alpha=0.3)
    paths = _save(fig, out, "compare")
    plt.close(fig)
    return paths


def write_plots(result: Experiment, out: Path) -> list[Path]:
    """Every plot that applies to this run; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "pathguard"  # the same SVG bytes on every run
    paths = plot_blocks(result.main, out)
    if result.main.policy.intent_threshold is not None:
        paths += plot_intent(result.main, out)
    if "sweep" in result.document:
        paths += plot_sweep(result.document, out)
    if "compare" in result.document:
        paths += plot_compare(result.document, out)
    return paths
