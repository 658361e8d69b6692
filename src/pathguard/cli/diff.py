"""`pathguard diff OLD.json NEW.json`: what changed between two `analyze` or `check` reports.

The comparison `--baseline` makes: new open paths, hazards that became
unsafe and new bypasses fail (exit 1); fixed findings are listed as fixed.
Paths are matched by their calls, hazards by name, bypasses by the blocked
path they run. Exit 2 for a file that is not such a report.
"""

from __future__ import annotations

import argparse
from typing import Any

from pathguard.cli.common import print_plain


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("diff", help="compare two analyze or check reports: new findings fail",
                              description=__doc__)
    p.add_argument("old", help="the earlier report (JSON of analyze or check)")
    p.add_argument("new", help="the later report")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathguard.report.baseline import compare, load_report, render_comparison

    comparison = compare(load_report(args.old), load_report(args.new), args.old)
    if args.format == "json":
        print_plain(comparison.model_dump_json(indent=2))
    else:
        print_plain(render_comparison(comparison))
    return 1 if comparison.failing else 0
