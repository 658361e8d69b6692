"""Which endpoint a tool is checked as: properties of the mapping over generated listings, and the
store URL the proxy reports never shows a password."""

from __future__ import annotations

import mcp_types as types
from hypothesis import given
from hypothesis import strategies as st

from pathguard.importers.naming import snake
from pathguard.model.load import world_from_document
from pathguard.proxy.model import map_tools
from pathguard.proxy.run import redact
from pathguard.source import Document

WORDS = ["list", "files", "write", "file", "move", "delete", "note"]
snake_names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("_".join)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


tool_names = st.one_of(snake_names, snake_names.map(camel), snake_names.map(str.upper),
                       st.text("abcXYZ_-", min_size=1, max_size=6))


def world(names: list[str]):  # type: ignore[no-untyped-def]
    doc = {"system": "t", "endpoints": {n: {"kind": "read", "resource": "r"} for n in names}}
    return world_from_document(Document("<test>", doc))


@given(st.lists(snake_names, min_size=1, max_size=6, unique=True),
       st.lists(tool_names, min_size=1, max_size=8, unique=True))
def test_each_endpoint_stands_for_at_most_one_tool_and_exact_names_win(endpoints: list[str],
                                                                       tools: list[str]) -> None:
    mapping = map_tools(world(endpoints), [types.Tool(name=t, input_schema={"type": "object"}) for t in tools],
                        "spec")
    mapped, unknown = mapping.endpoints, set(mapping.unknown)
    assert set(mapped) | unknown == set(tools) and not set(mapped) & unknown
    assert len(set(mapped.values())) == len(mapped)                           # injective
    for tool, endpoint in mapped.items():
        assert endpoint in (tool, snake(tool)) and endpoint in endpoints
    for tool in tools:
        if tool in endpoints:
            assert mapped.get(tool) == tool                                   # an exact name always wins
    for tool in unknown:
        assert tool not in endpoints                                          # so gate.endpoint never
        if snake(tool) in endpoints:                                          # mistakes it for one
            assert snake(tool) in mapped.values()                             # denied only when taken
    assert set(mapping.unused) == set(endpoints) - set(mapped.values())


def test_a_taken_endpoint_is_not_given_to_a_look_alike() -> None:
    tools = [types.Tool(name=n, input_schema={"type": "object"}) for n in ("writeFile", "write_file")]
    mapping = map_tools(world(["write_file"]), tools, "spec")
    assert mapping.endpoints == {"write_file": "write_file"} and mapping.unknown == ("writeFile",)


def test_redact_hides_the_password_only() -> None:
    assert redact("postgresql://guard:s3cr%40t@db:5432/trace") == "postgresql://guard:***@db:5432/trace"
    assert redact("postgresql://guard@db/trace") == "postgresql://guard@db/trace"
    assert redact("sqlite:////var/lib/pathguard/trace.db") == "sqlite:////var/lib/pathguard/trace.db"
    assert "pa:ss" not in redact("postgres://u:pa:ss@h/d")
