"""API styles seen on real specs that are not vendored here, kept as small specs written by hand.

The labelled set (corpus/labels) was measured on specs fetched from public repositories, which
may not be committed. What their imports showed is checked here on hand-written files of the
same shape (tests/importers/data/*-style.*): Exoscale's `DELETE /x/{id}/{field}` resets and
`{id}` for every resource, Vultr's hyphenated parameters, action sub-paths, bulk actions and an
update that reinstalls, a document store's MCP tools whose hints are too mild, and a payments
MCP server whose money-moving tools say they destroy nothing. The expectations are what a
reader of each spec would say (corpus/LABELLING.md), not the importer's output copied.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pathguard.importers.detect import Imported, import_file
from pathguard.importers.emit import emit
from pathguard.model.load import load_world

DATA = Path(__file__).resolve().parent / "data"

#: file -> (format, operations or tools, DELETE operations)
STYLES = {
    "exoscale-style.openapi.yaml": ("openapi", 11, 5),
    "vultr-style.openapi.json": ("openapi", 15, 3),
    "document-store-style.tools.json": ("mcp", 10, None),
    "payments-style.tools.json": ("mcp", 10, None),
}

#: every call that is destructive, with its class (the rest are not)
DESTRUCTIVE = {
    "exoscale-style.openapi.yaml": {
        "DELETE /elastic-ip/{id}": "delete", "DELETE /load-balancer/{id}": "delete",
        "DELETE /load-balancer/{id}/service/{service-id}": "delete",
        "PUT /instance/{id}:reset": "data-loss"},
    "vultr-style.openapi.json": {
        "DELETE /instances/{instance-id}": "delete", "DELETE /blocks/{block-id}": "delete",
        "DELETE /reserved-ips/{reserved-ip}": "delete",
        "PATCH /instances/{instance-id}": "data-loss",            # `os_id` reinstalls
        "POST /instances/{instance-id}/reinstall": "data-loss",
        "POST /instances/{instance-id}/halt": "outage", "POST /instances/halt": "outage"},
    "document-store-style.tools.json": {
        "MCP tool delete-many": "delete", "MCP tool drop-collection": "delete",
        "MCP tool drop-database": "delete",
        "MCP tool update-many": "data-loss",                      # destructiveHint false
        "MCP tool rename-collection": "data-loss"},               # `dropTarget`
    "payments-style.tools.json": {
        "MCP tool create_refund": "money",                        # destructiveHint false
        "MCP tool finalize_invoice": "irreversible", "MCP tool cancel_subscription": "irreversible",
        "MCP tool update_dispute": "irreversible"},               # `submit`
}

_cache: dict[str, Imported] = {}


def imported(name: str) -> Imported:
    if name not in _cache:
        _cache[name] = import_file(DATA / name)
    return _cache[name]


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_imports_one_endpoint_per_operation_with_the_right_targets(name: str) -> None:
    fmt, count, deletes = STYLES[name]
    result = imported(name)
    assert result.format == fmt
    assert len(result.world.endpoints) == count
    if deletes is not None:
        calls = [e.call for e in result.world.endpoints if e.call and e.call.startswith("DELETE ")]
        assert len(calls) == deletes
    said = {e.call: e.klass for e in result.draft.endpoints.values() if e.destructive}
    assert said == DESTRUCTIVE[name]
    assert {result.world.by_name[n].call for n in result.world.targets} == set(DESTRUCTIVE[name])
    assert result.world.hazards


@pytest.mark.parametrize("name", sorted(STYLES))
def test_style_written_file_loads_back_to_the_same_world(name: str, tmp_path: Path) -> None:
    result = imported(name)
    out = tmp_path / "endpoints.yaml"
    out.write_text(emit(result.draft, "test"))
    again = load_world(out)
    assert [e.name for e in again.endpoints] == [e.name for e in result.world.endpoints]
    assert (again.variables, again.initial, again.hazards, again.entries, again.targets) == (
        result.world.variables, result.world.initial, result.world.hazards, result.world.entries,
        result.world.targets)


def test_exoscale_field_resets_are_writes_that_set_no_hazard() -> None:
    """`DELETE /x/{id}/{field}` puts one field back to its default: the object stays."""
    eps = {e.call: e for e in imported("exoscale-style.openapi.yaml").draft.endpoints.values()}
    for call in ("DELETE /elastic-ip/{id}/{field}", "DELETE /load-balancer/{id}/service/{service-id}/{field}"):
        assert eps[call].kind == "write" and not eps[call].destructive and not eps[call].sets, call
    assert eps["DELETE /elastic-ip/{id}"].kind == "delete"
    # one `{id}` name for every resource, told apart by the path it sits under
    assert eps["DELETE /elastic-ip/{id}"].needs == {"elastic_ip_id": "path parameter `{id}`"}
    assert set(eps["DELETE /load-balancer/{id}/service/{service-id}"].needs) == {"load_balancer_id", "service_id"}
    assert "elastic_ip_id" in eps["GET /elastic-ip"].produces
    assert {"load_balancer_id", "service_id"} <= set(eps["GET /load-balancer"].produces)


def test_vultr_ids_come_from_lists_and_references() -> None:
    eps = {e.call: e for e in imported("vultr-style.openapi.json").draft.endpoints.values()}
    assert set(eps["DELETE /instances/{instance-id}"].needs) == {"instance_id"}
    # the instance's own list, and the objects that refer to one
    for read in ("GET /instances", "GET /blocks", "GET /reserved-ips"):
        assert "instance_id" in eps[read].produces, read
    assert "reserved_ip_id" in eps["GET /reserved-ips"].produces
    # a created instance's id is new: it is not the fact existing instances are known by
    assert "instance_id" not in eps["POST /instances"].produces
    # reboot, attach and detach lose nothing
    for call in ("POST /instances/{instance-id}/reboot", "POST /blocks/{block-id}/attach",
                 "POST /blocks/{block-id}/detach"):
        assert not eps[call].destructive, call
    # hazards per class and resource: a halt and a reinstall lose different things
    assert eps["POST /instances/{instance-id}/halt"].sets == {"instance_down": "yes"}
    assert eps["POST /instances/{instance-id}/reinstall"].sets == {"instance_data_lost": "yes"}


def test_document_store_names_link_lists_to_the_tools_that_need_them() -> None:
    eps = imported("document-store-style.tools.json").draft.endpoints
    assert "database_name" in eps["list_databases"].produces
    assert "collection_name" in eps["list_collections"].produces
    assert {"database_name", "collection_name"} <= set(eps["drop_collection"].needs)
    assert eps["drop_collection"].resource == "collection"
    assert eps["find"].kind == "read" and not eps["find"].destructive


def test_payments_money_tools_are_targets_whatever_their_hints_say() -> None:
    eps = imported("payments-style.tools.json").draft.endpoints
    refund = eps["create_refund"]
    assert refund.klass == "money" and refund.resource == "payment_intent"
    assert "payment_intent" in refund.needs and "payment_intent" in eps["list_payment_intents"].produces
    assert not eps["create_customer"].destructive and not eps["create_invoice"].destructive
    assert all(eps[n].kind == "read" for n in ("list_customers", "list_invoices", "list_subscriptions"))
