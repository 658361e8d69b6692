"""The `pathguard` command: the only place that prints and exits.

Exit codes: 0 nothing open or unsafe, 1 findings (for CI gating), 2 unusable
input (located errors on stderr, nothing on stdout). Any unexpected exception
becomes one line asking for a report; the traceback only with `--debug`.

Each subcommand lives in its own module exposing `register(subparsers)`,
which adds its parser and sets `func(args) -> int` as the default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from pathguard.errors import InputError, PathguardError

SUBCOMMANDS = {  # name: (module, one-line help); only the chosen one is imported
    "analyze": ("pathguard.cli.analyze", "enumerate every path to a destructive call"),
    "check": ("pathguard.cli.check", "prove hazards unreachable under a policy, or give a counterexample"),
    "import": ("pathguard.cli.importer", "turn an OpenAPI spec or an MCP tools list into endpoints.yaml"),
    "approvals": ("pathguard.cli.approvals", "list, approve or deny calls waiting for approval"),
    "approvers": ("pathguard.cli.approvers", "make approver keys and keep the keyring a guard trusts"),
    "trace": ("pathguard.cli.trace", "audit recorded sessions"),
    "simulate": ("pathguard.cli.simulate", "simulate agent sessions under a policy: friction and catch rate"),
    "proxy": ("pathguard.cli.proxy", "enforce a policy on every tool call between an MCP client and server"),
    "fuzz": ("pathguard.cli.fuzz", "fuzz a real Guard against the semantics (Hypothesis)"),
    "replay": ("pathguard.cli.replay", "reproduce a fuzz failure from its JSON trace"),
    "diff": ("pathguard.cli.diff", "compare two analyze or check reports: new findings fail"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with one clean line (it already does) and never prints usage twice."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is one), if any."""
    return next((word for word in argv if word in SUBCOMMANDS), None)


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The full parser of the chosen subcommand; the others appear with their help line only,
    so that a run imports nothing it does not use (`--help` lists them all)."""
    parser = _Parser(prog="pathguard", description=(
        "Find every path an agent can take to a destructive API call, prove hazards "
        "unreachable under a policy, simulate it, and enforce it at run time."))
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    chosen = _chosen(argv)
    for name, (module, summary) in SUBCOMMANDS.items():
        if name == chosen:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        code = int(args.func(args))
    except InputError as exc:
        for problem in exc.problems:
            print(problem.render(), file=sys.stderr)
        return 2
    except PathguardError as exc:
        print(f"pathguard: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pathguard: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        else:
            print(f"pathguard: internal error: {type(exc).__name__}: {exc} "
                  "(this is a bug: please report it with the output of --debug)", file=sys.stderr)
        return 3
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
