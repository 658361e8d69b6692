"""What every subcommand shares: loading inputs, writing outputs safely, printing."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from pathguard.errors import InputError, Problem
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import load_policy


def load_inputs(endpoints: str, policy: str | None) -> tuple[World, CompiledPolicy | None]:
    """The world (from an endpoints.yaml, an OpenAPI spec or an MCP tools list, told apart by
    content) and, optionally, its compiled policy; every problem is located."""
    from pathguard.importers.detect import load_any

    world = load_any(endpoints)
    return world, load_policy(policy, world) if policy else None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"`{text}` must be at least 1")
    return value


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="report format on stdout (default: text)")


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
