"""What every subcommand shares: loading inputs, writing outputs safely, printing."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pathguard.errors import InputError, Problem
from pathguard.inputs import Inputs
from pathguard.inputs import load_inputs as _load

if TYPE_CHECKING:
    from pathguard.modelcheck.limits import Limits
    from pathguard.report.baseline import Comparison

SHOWN_WARNINGS = 20
"""Warnings listed in text and markdown output; JSON lists them all."""


def add_inputs(parser: argparse.ArgumentParser, *, compare: bool = False) -> None:
    """The inputs every command reads, with the same meaning everywhere."""
    parser.add_argument("endpoints", help="the world model: endpoints.yaml, an OpenAPI spec or an MCP "
                        "tools list (told apart by content)")
    parser.add_argument("--policy", metavar="POLICY", help="policy.yaml (default: no policy, every call "
                        "allowed)")
    if compare:
        parser.add_argument("--compare", metavar="OTHER_POLICY",
                            help="run the very same sessions under a second policy")
    parser.add_argument("--strict", action="store_true",
                        help="treat warnings (a need no endpoint produces, a selector that selects "
                        "nothing, ...) as errors: exit 2")


def load_inputs(args: argparse.Namespace) -> Inputs:
    """The world and policies named by `add_inputs`' arguments; every problem located."""
    others = [args.compare] if getattr(args, "compare", None) else []
    return _load(args.endpoints, args.policy, *others, strict=args.strict)


def warnings_json(warnings: tuple[Problem, ...]) -> list[dict[str, object]]:
    """Every warning as an object (SPEC §6 `warnings`): file, line, field, code, message, hint."""
    return [w.to_json() for w in warnings]


def warnings_text(warnings: tuple[Problem, ...], fmt: str) -> str:
    """The warnings section of a text or markdown report ("" when there are none): the first
    `SHOWN_WARNINGS`, each with file:line, then how many more `--format json` lists."""
    if not warnings:
        return ""
    shown = warnings[:SHOWN_WARNINGS]
    more = len(warnings) - len(shown)
    tail = f"… and {more} more (every warning is listed by --format json)" if more else ""
    if fmt == "markdown":
        lines = [f"## Warnings ({len(warnings)})", ""]
        for w in shown:
            field = f" `{w.field}`" if w.field else ""
            hint = f" (hint: {w.hint})" if w.hint else ""
            lines.append(f"- `{w.where}` {w.severity}: {w.code}:{field} {w.message}{hint}")
        return "\n".join(lines + ([f"- {tail}"] if tail else []))
    lines = [f"warnings ({len(warnings)}):"]
    lines += ["  " + w.render().replace("\n", "\n  ") for w in shown]
    return "\n".join(lines + ([f"  {tail}"] if tail else []))


def with_warnings(report: str, warnings: tuple[Problem, ...], fmt: str) -> str:
    """A text or markdown report followed by its warnings section."""
    section = warnings_text(warnings, fmt)
    return f"{report.rstrip()}\n\n{section}" if section else report


def _whole(text: str, least: int) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 12:
        raise argparse.ArgumentTypeError(f"`{text}` is not a whole number of at most 12 digits")
    value = int(text)
    if value < least:
        raise argparse.ArgumentTypeError(f"`{text}` must be at least {least}")
    return value


def positive_int(text: str) -> int:
    return _whole(text, 1)


def non_negative_int(text: str) -> int:
    return _whole(text, 0)


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number of seconds") from None
    if not 0 < value < 1e7:
        raise argparse.ArgumentTypeError(f"`{text}` must be a positive number of seconds (below 10^7)")
    return value


def add_limits(parser: argparse.ArgumentParser) -> None:
    """The limits of a model-checking run (SPEC §5 "Limits"); what they cut off is `unknown`."""
    from pathguard.modelcheck.limits import DEFAULT_MEMORY_MB, DEFAULT_SECONDS, DEFAULT_STATES

    parser.add_argument("--time-limit", type=positive_seconds, default=DEFAULT_SECONDS, metavar="S",
                        help=f"seconds the model checker may run in all (default {DEFAULT_SECONDS:g})")
    parser.add_argument("--max-states", type=positive_int, default=DEFAULT_STATES, metavar="N",
                        help=f"states one explicit search may keep (default {DEFAULT_STATES:,})")
    parser.add_argument("--max-memory", type=positive_int, default=DEFAULT_MEMORY_MB, metavar="MB",
                        help=f"resident memory the process may reach while searching (default "
                        f"{DEFAULT_MEMORY_MB:,} MB)")


def limits_of(args: argparse.Namespace) -> Limits:
    from pathguard.modelcheck.limits import Limits

    return Limits(seconds=args.time_limit, max_states=args.max_states, max_memory_mb=args.max_memory)


def add_format(parser: argparse.ArgumentParser, *, findings: bool = False) -> None:
    """`--format`; with `findings`, also `sarif` and `--baseline` (analyze and check)."""
    formats = ("text", "json", "markdown", "sarif") if findings else ("text", "json", "markdown")
    parser.add_argument("--format", choices=formats, default="text",
                        help="report format on stdout (default: text)" + (
                            "; sarif: SARIF 2.1.0 for code scanning" if findings else ""))
    if findings:
        parser.add_argument("--baseline", metavar="OLD.json",
                            help="compare with an earlier JSON report of this command: only new open "
                            "paths, hazards that became unsafe and new bypasses fail (exit 1); fixed ones "
                            "are listed")


def baseline_of(args: argparse.Namespace, document: dict[str, object]) -> Comparison | None:
    """The comparison with `--baseline`, if one was given."""
    if not getattr(args, "baseline", None):
        return None
    from pathguard.report.baseline import compare, load_report, view_of

    return compare(load_report(args.baseline), view_of(document), args.baseline)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file whole or not at all: a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def output_dir(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise InputError([Problem(text, None, "--out", "io", "exists and is not a directory")])
    return path


def print_rich(markup: str) -> None:
    """Print rich markup: styled on a terminal, plain text otherwise."""
    from rich.console import Console

    Console(highlight=False, soft_wrap=True).print(markup)


def print_plain(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
