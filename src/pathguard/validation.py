"""Turn pydantic validation errors into located problems.

Shared by every file format: the model, the policy, the importers'
overrides and the simulator's workloads.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from pydantic import BaseModel, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.source import Document, Loc

M = TypeVar("M", bound=BaseModel)

COUNT_MAX = 10**9
"""The largest count a file may give: numbers nobody writes on purpose are errors, not limits."""


def bounded(low: float, high: float, *, what: str, low_open: bool = False, integer: bool = False,
            hint: str | None = None) -> PlainValidator:
    """A pydantic validator (use as `Annotated[int | float, bounded(...)]`) for a finite number in
    [low, high] (or (low, high] with `low_open`); ints stay ints so ratios compile exactly. One
    message per rejected value, saying what is expected and, with `hint`, why."""
    expected = ("a whole number" if integer else "a number") + f" {what}"

    def check(value: object) -> int | float:
        if isinstance(value, bool) or not isinstance(value, (int,) if integer else (int, float)):
            raise PydanticCustomError("number", f"must be {expected}", {"hint": hint})
        if not math.isfinite(value):
            raise PydanticCustomError("number", f"must be {expected}", {"hint": hint})
        if value > high or value < low or (low_open and value == low):
            raise PydanticCustomError("out_of_range", f"must be {expected}", {"hint": hint})
        return value

    return PlainValidator(check)


def _data_path(data: Any, loc: tuple[Any, ...], names_key: bool) -> Loc:
    """The part of a pydantic `loc` that addresses real data: union and model tags are dropped;
    a missing or unknown key (`names_key`) is kept as the last part so the message names it."""
    out: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            out.append(part)
        elif names_key and i == len(loc) - 1:
            out.append(part)
    return tuple(out)


def problems_from(exc: ValidationError, doc: Document, known_fields: set[str]) -> list[Problem]:
    """One problem per distinct (place, message) in a pydantic error."""
    seen: set[tuple[Loc, str]] = set()
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        kind = err["type"]
        loc = _data_path(doc.data, tuple(err["loc"]), kind in ("missing", "extra_forbidden"))
        if kind == "extra_forbidden":
            message = "unknown field"
            hint = did_you_mean(str(loc[-1]), known_fields)
        elif kind == "missing":
            message = "required field is missing"
            hint = None
        else:
            got = err.get("input")
            shown = f" (got `{_short(got)}`)" if isinstance(got, str | int | float | bool) else ""
            message = err["msg"][0].lower() + err["msg"][1:] + shown
            hint = (err.get("ctx") or {}).get("hint")
        key = (loc, message)
        if key in seen:
            continue
        seen.add(key)
        problems.append(doc.problem(loc, kind.replace("_", "-"), message, hint))
    return problems


def _short(value: str | int | float | bool) -> str:
    """A value as shown in a message: long ones cut (a 4,000-digit number is not worth echoing)."""
    text = str(value)
    return text if len(text) <= 60 else f"{text[:40]}… ({len(text)} characters)"


def validate(model: type[M], doc: Document) -> M:
    """Validate `doc.data` against `model` or raise every located problem at once."""
    if not isinstance(doc.data, dict):
        raise InputError([doc.problem((), "invalid", "expected a mapping at the top level")])
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, doc, field_names(model))) from None


def field_names(model: type[BaseModel]) -> set[str]:
    """Every field name of `model` and of the models nested in it (for hints)."""
    names: set[str] = set()
    stack: list[Any] = [model]
    seen: set[Any] = set()
    while stack:
        item = stack.pop()
        if item in seen:
            continue
        seen.add(item)
        if isinstance(item, type) and issubclass(item, BaseModel):
            for name, info in item.model_fields.items():
                names.add(info.alias or name)
                stack.append(info.annotation)
        for arg in getattr(item, "__args__", ()):
            stack.append(arg)
    return names
