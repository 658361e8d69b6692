"""YAML and JSON documents that remember where every value came from.

Why not `yaml.safe_load`: it silently merges duplicate keys, forgets line
numbers, and reads `on`/`off`/`yes`/`no` as booleans (YAML 1.1), which would
turn a state domain `[on, off]` into `[True, False]`. This loader rejects
duplicate keys, keeps the line of every key and item, and resolves only
`true`/`false` as booleans (as YAML 1.2 does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pathguard.errors import InputError, Problem

Loc = tuple[str | int | float, ...]


class _Resolver(yaml.resolver.Resolver):
    """The safe resolver with YAML 1.2 booleans."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    yaml.constructor.SafeConstructor,
    _Resolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)


@dataclass
class Document:
    """Parsed data plus the line of every value, addressed by its path."""

    file: str
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int | None:
        """Line of `loc`, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)

    def problem(self, loc: Loc, code: str, message: str, hint: str | None = None,
                severity: str = "error") -> Problem:
        return Problem(self.file, self.line(loc), _dotted(loc), code, message, hint, severity)


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _build(node: yaml.Node, loc: Loc, doc: Document, loader: _Loader,
           problems: list[Problem]) -> Any:
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, _dotted(loc),
                                        "syntax", "mapping keys must be plain scalars"))
                continue
            if key in out:
                first = doc.lines.get((*loc, key))
                problems.append(Problem(
                    doc.file, key_node.start_mark.line + 1, _dotted((*loc, key)), "duplicate-key",
                    f"key `{key}` appears twice" + (f" (first at line {first})" if first else ""),
                    "YAML would silently keep only one; remove or rename one of them"))
                continue
            doc.lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*loc, key), doc, loader, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), doc, loader, problems) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML (or JSON) document, collecting every duplicate key."""
    doc = Document(file, None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError([Problem(file, line, "", "syntax", str(exc.problem or exc))]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, None, "", "syntax", str(exc))]) from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError([Problem(file, 1, "", "empty", "the file is empty")])
    problems: list[Problem] = []
    try:
        doc.data = _build(node, (), doc, loader, problems)
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, None, "", "syntax", str(exc))]) from None
    if problems:
        raise InputError(problems)
    return doc


def read_text(path: str | Path) -> str:
    """A file's text, with located errors for I/O failures."""
    name = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "io", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, None, "", "io", "is a directory, not a file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(name, None, "", "io", f"cannot read: {exc}")]) from None


def read_document(path: str | Path) -> Document:
    """Read and parse a YAML/JSON file."""
    return parse_yaml(read_text(path), str(path))
