"""Read third-party JSON or YAML fast (json, libyaml), with a located error if unparsable.

Third-party specs need no line numbers beyond a parse error, and the largest
ones (3 MB) must load in about a second, so the pure-Python located loader of
`pathguard.source` is kept for our own formats only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from pathguard.errors import InputError, Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: str | Path) -> str:
    name = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "io", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, None, "", "io", "is a directory, not a file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, None, "", "io", f"cannot read: {exc}")]) from None


def parse_data(text: str, name: str) -> Any:
    """JSON when it looks like JSON, else YAML (libyaml when available)."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if name.endswith(".json"):
                raise InputError([Problem(name, exc.lineno, "", "syntax", exc.msg)]) from None
    try:
        return yaml.load(text, Loader=_Loader)  # CSafeLoader: safe
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError([Problem(name, mark.line + 1 if mark else None, "", "syntax",
                                  str(exc.problem or exc))]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(name, None, "", "syntax", str(exc))]) from None
