"""Properties of the importers' building blocks, each against an independent oracle."""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pathguard.errors import InputError
from pathguard.importers.emit import scalar
from pathguard.importers.naming import snake
from pathguard.importers.openapi import draft_from_openapi
from pathguard.importers.rawfile import load_yaml, parse_data
from pathguard.source import parse_yaml

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | keys
trees = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(keys, inner, max_size=4), max_leaves=25)


@given(trees, st.booleans())
def test_event_loader_agrees_with_pyyaml(data: object, flow: bool) -> None:
    text = yaml.safe_dump({"root": data}, default_flow_style=flow, allow_unicode=True)
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", [
    "a: &x {b: 1}\nd:\n  <<: *x\n  b: 5\n",
    "x: &y [1, 2]\nz: *y\n",
    "a: &x {b: 1}\ny: &y {b: 3, h: 2}\nf:\n  b: 7\n  <<: [*x, *y, {g: 1}]\n",
    "t: 2020-01-01\nn: ~\nb: yes\no: 0o17\nh: 0x1f\ns: !!str 12\n",
    "root:\n  '<<': null\n",                 # a quoted `<<` is a plain key, not a merge
])
def test_event_loader_anchors_merges_and_tags(text: str) -> None:
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize(("text", "line"), [
    ("a: 1\nc: {<<: 3}\n", 2), ("a: 1\nb:\n  <<: [1, 2]\n  c: 1\n", 3), ("a:\n  - <<\n", 2),
])
def test_merges_pyyaml_refuses_are_refused_with_their_line(text: str, line: int) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)
    with pytest.raises(InputError) as exc:
        parse_data(text, "x.yaml")
    assert exc.value.problems[0].line == line


def test_unparsable_yaml_is_located() -> None:
    with pytest.raises(InputError) as exc:
        parse_data("a:\n  - b\n c: [\n", "x.yaml")
    assert exc.value.problems[0].line == 3


@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30))
def test_emitted_scalars_read_back_as_the_same_string(text: str) -> None:
    """(Control characters are refused by every loader, escaped or not: see tests/core.)"""
    doc = parse_yaml(f"k: {scalar(text)}\n", "t.yaml")
    assert doc.data["k"] == text


@given(st.text(max_size=30))
def test_snake_names_are_snake_and_stable(text: str) -> None:
    name = snake(text)
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name)
    assert snake(name) == name


@given(st.lists(st.sampled_from(["a", "b", "getA", "get_a", None]), min_size=1, max_size=8))
def test_operation_names_are_unique_and_follow_spec_order(ids: list[str | None]) -> None:
    paths = {f"/r{i}": {"get": ({"operationId": op} if op else {})} for i, op in enumerate(ids)}
    names = list(draft_from_openapi({"openapi": "3.0.0", "paths": paths}, "x.yaml").endpoints)
    assert len(set(names)) == len(names) == len(ids)
    # oracle: each name is the snake id (or get_r<i>), suffixed _2, _3 ... on collision
    seen: set[str] = set()
    for i, op in enumerate(ids):
        base = {"a": "a", "b": "b", "getA": "get_a", "get_a": "get_a", None: f"get_r{i}"}[op]
        expected, n = base, 2
        while expected in seen:
            expected, n = f"{base}_{n}", n + 1
        seen.add(expected)
        assert names[i] == expected


openapi_keys = st.sampled_from(["name", "in", "schema", "content", "application/json", "properties",
                                "items", "type", "array", "$ref", "required", "enum", "allOf", "oneOf",
                                "id", "path", "volume_id", "data", "200"])
openapi_leaves = (st.none() | st.booleans() | st.integers(-2, 300) | openapi_keys
                  | st.sampled_from(["#/paths", "#/components/schemas/A", "#/nope"]))
trees = st.recursive(openapi_leaves, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(openapi_keys, inner, max_size=4), max_leaves=30)
operations = st.fixed_dictionaries({}, optional={
    "operationId": trees, "parameters": trees, "requestBody": trees, "summary": trees,
    "responses": st.dictionaries(st.sampled_from(["200", "201", 204, "default"]), trees, max_size=2) | trees})
path_items = st.dictionaries(st.sampled_from(["get", "post", "delete", "parameters", "$ref"]),
                             operations | trees, max_size=3)
specs = st.fixed_dictionaries({
    "openapi": st.just("3.0.0"),
    "paths": st.dictionaries(st.sampled_from(["/a", "/a/{id}", "/v1/volumes/{volume_id}/attach", "/{x}"]),
                             path_items | trees, max_size=3),
    "components": st.fixed_dictionaries({"schemas": st.fixed_dictionaries({"A": trees})})})
tools = st.lists(st.fixed_dictionaries({"name": st.sampled_from(["list_volumes", "delete_volume", "x"])},
                                       optional={"annotations": trees, "inputSchema": trees,
                                                 "description": trees, "title": trees}), max_size=4)


@given(specs)
def test_any_openapi_shaped_input_imports_or_is_an_input_error(spec: dict) -> None:
    try:
        draft = draft_from_openapi(spec, "f.yaml")
    except InputError:
        return
    assert draft.endpoints


@given(tools)
def test_any_tools_list_imports_or_is_an_input_error(items: list) -> None:
    from pathguard.importers.mcp import draft_from_mcp

    try:
        draft = draft_from_mcp({"tools": items}, "f.json")
    except InputError:
        return
    # every tool is an endpoint or a located warning (a repeated name), never lost silently
    assert len(draft.endpoints) + len(draft.problems) == len(items)
    assert all(p.severity == "warning" for p in draft.problems)
