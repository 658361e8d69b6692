"""Read third-party JSON or YAML fast (json, libyaml), with a located error if unparsable.

Third-party specs need no line numbers beyond a parse error, and the largest
ones (3 MB) must load in about a second, so the pure-Python located loader of
`pathguard.source` is kept for our own formats only. Even `yaml.CSafeLoader`
spends most of its time building nodes in Python; building the data straight
from libyaml's events is several times faster and gives the same result
(same resolvers and constructors for every scalar).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from pathguard.errors import InputError, Problem
from pathguard.source import check_data

_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_NO_KEY = object()
_MERGE = object()                 # the `<<` merge key, unquoted (a quoted "<<" is a plain key)


def _scalar(event: Any) -> Any:
    tag = event.tag
    if not event.style and event.implicit[0]:
        tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, (True, False))
    if tag in (None, "!", _STR):
        return event.value
    if tag == "tag:yaml.org,2002:merge":
        return _MERGE
    build = _CONSTRUCTOR.yaml_constructors.get(tag)
    if build is None:
        raise yaml.constructor.ConstructorError(None, None, f"unknown tag {tag}", event.start_mark)
    return build(_CONSTRUCTOR, yaml.ScalarNode(tag, event.value))


def load_yaml(text: str) -> Any:
    """The first document of `text`, as `yaml.safe_load` would give it (merge keys included)."""
    if not getattr(yaml, "__with_libyaml__", False):
        return yaml.safe_load(text)
    from yaml import _yaml

    parser = _yaml.CParser(text)
    stack: list[Any] = []
    keys: list[Any] = []
    merges: list[tuple[dict[Any, Any], Any]] = []   # `<<` values still being built
    anchors: dict[str, Any] = {}
    root: Any = None

    def add(value: Any, *, complete: bool) -> None:
        nonlocal root
        if value is _MERGE and not (stack and isinstance(stack[-1], dict) and keys[-1] is _NO_KEY):
            raise yaml.constructor.ConstructorError(None, None, "a merge key `<<` is only a mapping's key",
                                                    event.start_mark)
        if not stack:
            root = value
        elif isinstance(stack[-1], list):
            stack[-1].append(value)
        elif keys[-1] is _NO_KEY:
            if isinstance(value, dict | list):
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a scalar",
                                                        event.start_mark)
            keys[-1] = value
        else:
            key, keys[-1] = keys[-1], _NO_KEY
            if key is not _MERGE:
                stack[-1][key] = value
            elif complete:
                _merge(stack[-1], value, event.start_mark)
            else:
                merges.append((stack[-1], value))

    while True:
        event: Any = parser.get_event()
        if event is None:
            break
        kind = type(event)
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            container: Any = {} if kind is yaml.MappingStartEvent else []
            add(container, complete=False)
            stack.append(container)
            keys.append(_NO_KEY)
            if event.anchor:
                anchors[event.anchor] = container
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            done = stack.pop()
            keys.pop()
            if merges and merges[-1][1] is done:
                _merge(*merges.pop(), event.start_mark)
        elif kind is yaml.ScalarEvent or kind is yaml.AliasEvent:
            if kind is yaml.AliasEvent and event.anchor not in anchors:
                raise yaml.composer.ComposerError(None, None, f"unknown alias {event.anchor}",
                                                  event.start_mark)
            value = anchors[event.anchor] if kind is yaml.AliasEvent else _scalar(event)
            if kind is yaml.ScalarEvent and event.anchor:
                anchors[event.anchor] = value
            add(value, complete=True)
        elif kind is yaml.DocumentEndEvent:
            break
    return root


def _merge(target: dict[Any, Any], value: Any, mark: Any) -> None:
    """YAML merge keys: keys already in `target` win, then earlier merged maps; anything but a
    mapping or a list of mappings is refused, as PyYAML refuses it."""
    parts = [value] if isinstance(value, dict) else value if isinstance(value, list) else None
    if parts is None or not all(isinstance(p, dict) for p in parts):
        raise yaml.constructor.ConstructorError(None, None, "expected a mapping or list of mappings for "
                                                "merging", mark)
    for part in parts:
        for k, v in part.items():
            target.setdefault(k, v)


def parse_data(text: str, name: str) -> Any:
    """JSON when it looks like JSON, else YAML (libyaml when available); then the limits every
    input is held to (`pathguard.source.check_data`: depth, aliases, control characters)."""
    try:
        return check_data(_parse(text, name), name, text)
    except (RecursionError, ValueError) as exc:  # nesting past Python's stack, 4,300+ digit integers
        what = "nesting too deep" if isinstance(exc, RecursionError) else str(exc).partition(":")[0]
        raise InputError([Problem(name, None, "", "unreadable", f"cannot be read: {what}")]) from None


def _parse(text: str, name: str) -> Any:
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            if name.endswith(".json"):
                raise InputError([Problem(name, exc.lineno, "", "syntax", exc.msg)]) from None
    try:
        return load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError([Problem(name, mark.line + 1 if mark else None, "", "syntax",
                                  str(exc.problem or exc))]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(name, None, "", "syntax", str(exc))]) from None
