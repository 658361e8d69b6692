"""YAML and JSON documents that remember where every value came from, read as hostile input.

Why not `yaml.safe_load`: it silently merges duplicate keys, forgets line
numbers, and resolves YAML 1.1 scalars (`on`/`off`/`yes`/`no` as booleans,
`1:30` as 90, `2024-01-01` as a date), which would turn a state domain
`[on, off]` into `[True, False]`. This loader rejects duplicate keys, keeps
the line of every key and item, and resolves scalars as the YAML 1.2 core
schema does (`true`/`false`, decimal/octal/hex integers, floats with or
without a dot, null); merge keys (`<<`, YAML 1.1 only) are plain keys.

Every file is untrusted (SPEC §1): whatever cannot become a located error
otherwise is refused here, before anything is built, in time and memory
linear in the file: files over `MAX_BYTES`, bytes that are not UTF-8,
control characters (raw or escaped), integers of more than
`MAX_INT_DIGITS` digits, nesting deeper than `MAX_DEPTH`, and aliases that
expand the document to more than `ALIAS_FACTOR` times its own size (the
"billion laughs") or that refer to their own ancestor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pathguard.errors import InputError, Problem

Loc = tuple[str | int | float, ...]

MAX_BYTES = 32 * 1024 * 1024
"""Largest input file; the largest real API description we know of is about 12 MB."""
MAX_DEPTH = 100
"""Deepest nesting of mappings and lists, aliases expanded (real OpenAPI specs reach about 30)."""
MAX_INT_DIGITS = 100
"""Longest integer literal; Python itself refuses to convert more than 4,300 digits."""
ALIAS_FACTOR = 4
ALIAS_FLOOR = 10_000
"""Aliases may expand a document of n nodes to at most `ALIAS_FACTOR * n + ALIAS_FLOOR` nodes."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters refused anywhere, raw or escaped: C0 and C1 controls but tab, newline and carriage
return; DEL; lone surrogates (an escaped `\\ud800` in JSON cannot even be printed); the
noncharacters U+FFFE and U+FFFF (YAML refuses them too)."""


class _Resolver(yaml.resolver.BaseResolver):
    """The YAML 1.2 core schema's implicit scalars (null, bool, int, float); the rest are strings."""


for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+0123456789.")),
):
    _Resolver.add_implicit_resolver(_tag, re.compile(_pattern), _first)


class _Refused(yaml.MarkedYAMLError):
    """A limit of this module, at a place in the text; `code` names the limit."""

    def __init__(self, code: str, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(None, None, message, mark)
        self.code = code


class _Cycle(ValueError):
    """A node reachable from itself through an alias."""

    def __init__(self, node: Any) -> None:
        super().__init__("an alias refers to a node that contains it (a structure without end)")
        self.node = node


def _refuse(node: yaml.Node, message: str) -> _Refused:
    return _Refused("number", message, node.start_mark)


def _construct_int(loader: Any, node: yaml.ScalarNode) -> int:
    text = str(node.value)
    digits = text.lstrip("+-")
    if len(digits) > MAX_INT_DIGITS:
        raise _refuse(node, f"an integer of {len(digits):,} digits: no value pathguard reads is longer "
                      f"than {MAX_INT_DIGITS} digits")
    sign = -1 if text.startswith("-") else 1
    try:
        if digits[:2] in ("0o", "0x"):
            return sign * int(digits[2:], 8 if digits[1] == "o" else 16)
        return sign * int(digits, 10)
    except ValueError:
        raise _refuse(node, f"`{text[:40]}` is not an integer") from None


def _construct_float(loader: Any, node: yaml.ScalarNode) -> float:
    text = str(node.value).lower().replace(".inf", "inf").replace(".nan", "nan")
    try:
        return float(text)
    except ValueError:
        raise _refuse(node, f"`{str(node.value)[:40]}` is not a number") from None


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
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """The composer recurses once per level: refuse depth before Python's stack does."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()
                raise _Refused("too-deep", f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


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


def _control_problem(file: str, line: int | None, field: str, text: str) -> Problem | None:
    found = _CONTROL.search(text)
    if found is None:
        return None
    return Problem(file, line, field, "control-character",
                   f"contains the control character U+{ord(found.group()):04X}",
                   "remove it: no name, value or description needs one")


def _build(node: yaml.Node, loc: Loc, doc: Document, loader: _Loader,
           problems: list[Problem]) -> Any:
    doc.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, _dotted(loc),
                                        "syntax", "mapping keys must be plain scalars"))
                continue
            key = loader.construct_object(key_node)
            if not isinstance(key, str | int | float | bool):
                problems.append(Problem(doc.file, key_node.start_mark.line + 1, _dotted(loc),
                                        "syntax", "mapping keys must be strings, numbers or booleans"))
                continue
            if key in out:
                first = doc.lines.get((*loc, key))
                problems.append(Problem(
                    doc.file, key_node.start_mark.line + 1, _dotted((*loc, key)), "duplicate-key",
                    f"key `{key}` appears twice" + (f" (first at line {first})" if first else ""),
                    "YAML would silently keep only one; remove or rename one of them"))
                continue
            if isinstance(key, str) and (bad := _control_problem(
                    doc.file, key_node.start_mark.line + 1, _dotted(loc), key)) is not None:
                problems.append(bad)
                continue
            doc.lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*loc, key), doc, loader, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), doc, loader, problems) for i, item in enumerate(node.value)]
    value = loader.construct_object(node)
    if isinstance(value, str) and (bad := _control_problem(
            doc.file, node.start_mark.line + 1, _dotted(loc), value)) is not None:
        problems.append(bad)
    return value


def _measure(root: Any, children: Callable[[Any], Iterable[Any] | None]) -> tuple[int, int, int, Any]:
    """(expanded nodes, expanded depth, distinct nodes, the first container found to expand past
    the alias budget or None) of a graph that may share nodes (aliases), without recursion and in
    time linear in its distinct nodes. A node reachable from itself raises `_Cycle`."""
    done: dict[int, tuple[int, int]] = {}
    open_: set[int] = set()
    distinct = 1
    witness: Any = None
    stack: list[list[Any]] = [[root, None, 0]]  # node, its children once listed, next child
    while stack:
        frame = stack[-1]
        node, kids, at = frame
        if kids is None:
            listed = children(node)
            if listed is None:  # a leaf
                stack.pop()
                done[id(node)] = (1, 1)
                continue
            kids = frame[1] = list(listed)
            distinct += len(kids)
            open_.add(id(node))
        while at < len(kids) and id(kids[at]) in done:
            at += 1
        frame[2] = at
        if at < len(kids):
            if id(kids[at]) in open_:
                raise _Cycle(kids[at])
            stack.append([kids[at], None, 0])
            continue
        stack.pop()
        open_.discard(id(node))
        size = 1 + sum(done[id(k)][0] for k in kids)
        depth = 1 + max((done[id(k)][1] for k in kids), default=0)
        done[id(node)] = (size, depth)
        if witness is None and size > ALIAS_FACTOR * distinct + ALIAS_FLOOR:
            witness = node
    size, depth = done[id(root)]
    return size, depth, distinct, witness


def _node_children(node: yaml.Node) -> list[yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else None


def _check_shape(file: str, size: int, depth: int, distinct: int, line: int | None) -> None:
    if size > ALIAS_FACTOR * distinct + ALIAS_FLOOR:
        raise InputError([Problem(file, line, "", "alias-expansion",
                                  f"aliases expand the document to {size:,} nodes, more than "
                                  f"{ALIAS_FACTOR} times its own {distinct:,} (plus {ALIAS_FLOOR:,})",
                                  "write the repeated parts out, or reuse them less")])
    if depth > MAX_DEPTH:
        raise InputError([Problem(file, line, "", "too-deep",
                                  f"aliases nest the document {depth:,} levels deep, more than {MAX_DEPTH}")])


def check_text(text: str, file: str) -> str:
    """Refuse raw control characters (with line and column) and strip a byte-order mark."""
    text = text.removeprefix("\ufeff")
    problems = []
    for found in _CONTROL.finditer(text):
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        problems.append(Problem(file, line, "", "control-character",
                                f"control character U+{ord(found.group()):04X} at column {column}",
                                "pathguard reads text files: remove it"))
        if len(problems) == 5:
            break
    if problems:
        raise InputError(problems)
    return text


_ESCAPE = re.compile(r"\\[0abvfeNxuU]")
"""An escape that may spell a refused character, in JSON or YAML double-quoted strings; text
without one cannot hold a control character that `check_text` has not already refused."""


def check_data(data: Any, file: str, text: str | None = None) -> Any:
    """The limits of this module on data parsed by another parser (JSON, libyaml): depth and alias
    expansion, and control characters in strings (skipped when `text`, the source, has no escape
    that could spell one). Level by level, each shared container once per level with the number
    of times it is used: linear in the distinct nodes times the depth, which is bounded."""
    strings = text is None or _ESCAPE.search(text) is not None
    if isinstance(data, str) and strings and (bad := _control_problem(file, None, "", data)) is not None:
        raise InputError([bad])
    level: dict[int, tuple[Any, int]] = {id(data): (data, 1)}
    seen: set[int] = set()
    size = distinct = depth = 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            raise InputError([Problem(file, None, "", "too-deep", f"nesting deeper than {MAX_DEPTH} levels "
                                      "(aliases expanded; an alias that contains itself nests without end)")])
        below: dict[int, tuple[Any, int]] = {}
        for node, uses in level.values():
            first = id(node) not in seen
            seen.add(id(node))
            values: Iterable[Any]
            if isinstance(node, dict):
                leaves = list(node)
                values = node.values()
            elif isinstance(node, list):
                leaves, values = [], node
            else:
                continue
            for item in values:
                if type(item) is dict or type(item) is list:
                    held = below.get(id(item))
                    below[id(item)] = (item, uses if held is None else held[1] + uses)
                else:
                    leaves.append(item)
            size += uses * (1 + len(leaves))
            if first:
                distinct += len(node) * (2 if isinstance(node, dict) else 1)
                if strings:
                    for leaf in leaves:
                        if type(leaf) is str and (bad := _control_problem(file, None, "", leaf)) is not None:
                            raise InputError([bad])
        level = below
    _check_shape(file, size, depth, distinct + 1, None)
    return data


def _yaml_problem(file: str, exc: yaml.YAMLError) -> Problem:
    """A parser's error, at its line when it has one (`yaml.reader` errors carry a position only)."""
    code = exc.code if isinstance(exc, _Refused) else "syntax"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return Problem(file, mark.line + 1 if mark else None, "", code, str(exc.problem or exc))
    return Problem(file, None, "", code, str(exc))


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML (or JSON) document, collecting every duplicate key."""
    text = check_text(text, file)
    doc = Document(file, None)
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is not None:
            size, depth, distinct, witness = _measure(node, _node_children)
            _check_shape(file, size, depth, distinct,
                         witness.start_mark.line + 1 if witness is not None else None)
    except yaml.YAMLError as exc:
        raise InputError([_yaml_problem(file, exc)]) from None
    except _Cycle as exc:
        raise InputError([Problem(file, exc.node.start_mark.line + 1, "", "alias-cycle", str(exc))]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if node is None:
        raise InputError([Problem(file, 1, "", "empty", "the file is empty")])
    problems: list[Problem] = []
    try:
        doc.data = _build(node, (), doc, loader, problems)
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(file, exc))
    if problems:
        raise InputError(problems)
    return doc


def read_text(path: str | Path) -> str:
    """A file's text, with located errors for I/O failures, oversized files, bytes that are not
    UTF-8 and control characters. Reads at most `MAX_BYTES` + 1 bytes whatever the file is."""
    name = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError([Problem(name, None, "", "io", "no such file")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, None, "", "io", "is a directory, not a file")]) from None
    except (OSError, ValueError, TypeError) as exc:
        raise InputError([Problem(name, None, "", "io", f"cannot read: {exc}")]) from None
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(name, None, "", "too-large",
                                  f"the file is larger than the limit of {MAX_BYTES // 2**20} MiB",
                                  "pathguard reads models, policies and API descriptions, not data")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError([Problem(name, line, "", "encoding",
                                  f"byte 0x{raw[exc.start]:02x} is not UTF-8",
                                  "save the file as UTF-8")]) from None
    return check_text(text, name)


def read_document(path: str | Path) -> Document:
    """Read and parse a YAML/JSON file."""
    return parse_yaml(read_text(path), str(path))
