"""The codec accepts exactly the JSON values and gives each one spelling (property tests against an
oracle written here, independently of the codec)."""

from __future__ import annotations

import enum
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathguard.store.codec import MAX_DEPTH, canonical_json, params_json
from pathguard.store.errors import InvalidRecord


def is_json(value: Any, depth: int = 0) -> bool:
    """The oracle: plain JSON types only, string keys, finite floats, valid UTF-8 text, bounded depth."""
    if value is None or isinstance(value, bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if type(value) is list:
        return depth < MAX_DEPTH and all(is_json(v, depth + 1) for v in value)
    if type(value) is dict:
        return depth < MAX_DEPTH and all(isinstance(k, str) and is_json(k) and is_json(v, depth + 1)
                                         for k, v in value.items())
    return False


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(), st.binary(max_size=3), st.just(frozenset({1})), st.just((1, 2)), st.just(object()))
keys = st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none(), st.floats())
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(keys, inner, max_size=3)), max_leaves=12)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
              st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                                           blacklist_characters="\x00"),
                                                    max_size=5), inner, max_size=3)),
    max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(anything)
def test_accepts_exactly_the_json_values(value: Any) -> None:
    try:
        canonical_json(value)
    except InvalidRecord:
        accepted = False
    else:
        accepted = True
    assert accepted == is_json(value)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_one_spelling_that_round_trips(value: Any) -> None:
    text = canonical_json(value)
    back = json.loads(text)
    assert canonical_json(back) == text  # decoding and encoding again changes nothing
    assert back == value
    assert text == json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Color(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@pytest.mark.parametrize(("params", "why"), [
    ({1: "v"}, "key 1 is a int"),
    ({"a": b"x"}, "bytes is not a JSON value"),
    ({"a": {1, 2}}, "set is not a JSON value"),
    ({"a": (1, 2)}, "tuple is not a JSON value"),
    ({"a": float("nan")}, "nan is not a JSON number"),
    ({"a": [1, float("inf")]}, r"params\.a\[1\]: inf"),
    ({"a": "\ud800"}, "not valid Unicode"),
    ({"a\x00": 1}, "NUL"),
    ({"a": object()}, "object is not a JSON value"),
    ({"x": "y" * (1 << 20)}, "more than the 1048576 allowed"),
])
def test_refusals_name_the_place_and_the_reason(params: dict[Any, Any], why: str) -> None:
    with pytest.raises(InvalidRecord, match=why):
        params_json(params)


def test_nesting_deeper_than_the_limit_is_refused_not_a_recursion_error() -> None:
    deep: Any = 1
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(InvalidRecord, match="nested deeper"):
        params_json({"a": deep})
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(InvalidRecord, match="nested deeper"):
        params_json(loop)


def test_enum_values_are_stored_as_their_plain_values() -> None:
    text = params_json({"color": Color.RED, "level": Level.HIGH, "ok": True})
    assert text == '{"color":"red","level":3,"ok":true}'
    assert params_json({}) == "{}"
    with pytest.raises(InvalidRecord, match="expected a dict"):
        params_json([1])
