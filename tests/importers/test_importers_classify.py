"""Destructive classification: each class from each kind of evidence, and the false
positives the rules must not fall for (a removal from a group, a reset field, a record of a
payment, a whole-object PUT that lists every status)."""

from __future__ import annotations

from typing import Any

import pytest

from pathguard.importers.draft import DraftEndpoint
from pathguard.importers.mcp import draft_from_mcp
from pathguard.importers.openapi import draft_from_openapi
from pathguard.importers.state import infer_destruction


def _body(props: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": props}}}}}


def op(path: str, method: str, summary: str = "", op_id: str = "", description: str = "",
       **extra: Any) -> DraftEndpoint:
    body: dict[str, Any] = {"summary": summary, "description": description, **extra}
    if op_id:
        body["operationId"] = op_id
    draft = draft_from_openapi({"openapi": "3.0.0", "paths": {path: {method: body}}}, "t.yaml")
    return next(iter(draft.endpoints.values()))


@pytest.mark.parametrize(("path", "method", "summary", "op_id", "klass"), [
    ("/instances/{id}/reinstall", "post", "Reinstall Instance", "", "data-loss"),
    ("/instance/{id}:reset", "put", "Reset a Compute instance to a base template", "", "data-loss"),
    ("/servers/{id}/actions/poweroff", "post", "Power off a Server", "", "outage"),
    ("/bare-metals/{id}/halt", "post", "Halt Bare Metal", "halt-baremetal", "outage"),
    ("/v2/payments/captures/{capture_id}/refund", "post", "Refund captured payment", "captures.refund", "money"),
    ("/v2/payments/authorizations/{id}/capture", "post", "Capture authorized payment", "", "money"),
    ("/v2/payments/authorizations/{id}/void", "post", "Void authorized payment", "", "money"),
    ("/v1/invoices/{invoice}/pay", "post", "Pay an invoice", "PostInvoicesInvoicePay", "money"),
    ("/v1/credit_notes/{id}/void", "post", "Void a credit note", "", "money"),
    ("/payouts", "post", "Create a payout", "", "money"),
    ("/grants", "post", "Request a grant payout", "", "money"),
    ("/v2/invoicing/invoices/{id}/cancel", "post", "Cancel sent invoice", "invoices.cancel", "irreversible"),
    ("/kubernetes/clusters/{id}/upgrades", "post", "Start Kubernetes Cluster Upgrade", "", "irreversible"),
    ("/object-storage/{id}/regenerate-keys", "post", "Regenerate Object Storage Keys", "", "credential"),
    ("/auth/api-tokens/{name}", "delete", "Revoke API Token", "revokeAPIToken", "credential"),
    ("/instance/{id}:reset-password", "put", "Reset a compute instance password", "", "credential"),
    ("/databases/{name}/auth/rotate", "post", "Invalidate All Database Auth Tokens", "", "credential"),
    ("/kms-key/{id}/schedule-deletion", "post", "Schedule KMS Key Deletion", "", "delete"),
    ("/volumes/{id}", "delete", "Delete a volume", "", "delete"),
])
def test_each_class_from_the_verb(path: str, method: str, summary: str, op_id: str, klass: str) -> None:
    ep = op(path, method, summary, op_id)
    assert ep.destructive and ep.klass == klass, ep.notes


@pytest.mark.parametrize(("path", "method", "summary", "description"), [
    ("/zones/{zone}/recordsets", "put", "Replace record sets", "Replaces the entire list of Record Sets."),
    ("/zones/{zone}/zone-file", "post", "Post master zone file", "Replaces any existing record sets."),
    ("/backups/{id}/apply", "post", "Apply a backup", "Applying the backup may lead to data loss."),
    ("/disks/{id}:size", "put", "Change the disk size", "Note: the disk can only grow, cannot be shrunk."),
    ("/servers/{id}/reset", "post", "Hard reset", "Cuts power to the server and starts it again."),
])
def test_each_class_from_the_description(path: str, method: str, summary: str, description: str) -> None:
    ep = op(path, method, summary, description=description)
    assert ep.destructive and any("description says" in n or "verb" in n for n in ep.notes), ep.notes


def test_flags_and_enum_values_that_make_an_update_destroy() -> None:
    overwrite = op("/changelists", "post", "Create a change list", parameters=[
        {"name": "overwrite", "in": "query", "schema": {"type": "string", "enum": ["none", "any", "stale"]}}])
    assert overwrite.klass == "data-loss"
    blocked = op("/databases/{name}/configuration", "patch", "Update configuration",
                 **_body({"block_reads": {"type": "boolean"}, "size_limit": {"type": "string"}}))
    assert blocked.klass == "outage"
    switch = op("/edge_applications/{id}", "patch", "Update", **_body({"active": {"type": "boolean"}}))
    assert switch.klass == "outage"
    nested = op("/apps/{app}/rules/{id}", "patch", "Update", **_body({"active": {"type": "boolean"}}))
    assert not nested.destructive                     # one rule off is not the service down
    finalize = op("/clusters/{id}", "patch", "Edit a cluster",
                  **_body({"upgrade_status": {"type": "string", "enum": ["ROLLBACK_RUNNING", "FINALIZED"]}}))
    assert finalize.klass == "irreversible"
    once = op("/clusters/{id}/backups-config", "patch", "Update backups", **_body(
        {"retention_days": {"type": "integer", "description": "Can only be set once."}}))
    assert once.klass == "irreversible"
    os_change = op("/instances/{id}", "patch", "Update Instance", **_body({"os_id": {"type": "integer"}}))
    assert os_change.klass == "data-loss"
    password = op("/sql-users/{name}/password", "put", "Update a SQL user's password",
                  **_body({"password": {"type": "string"}}))
    assert password.klass == "credential"


@pytest.mark.parametrize(("path", "method", "summary", "extra"), [
    ("/roles/{user}/{role}", "delete", "Remove a role from a user", {}),
    ("/organizations/{org}/members/{user}", "delete", "Remove Member", {}),
    ("/servers/{id}/actions/remove_from_placement_group", "post", "Remove from Placement Group", {}),
    ("/blocks/{id}/detach", "post", "Detach Block Storage", {}),
    ("/instance/{id}/{field}", "delete", "Reset Instance field to its default value", {}),
    ("/dbaas-pg/{name}/migration/stop", "post", "Stop a DBaaS PostgreSQL migration", {}),
    ("/kms-key/{id}/cancel-deletion", "post", "Cancel KMS Key Deletion", {}),
    ("/invoices/{id}/payments", "post", "Record payment for invoice", {}),
    ("/api-keys/{id}", "patch", "Update an API Key", _body({"name": {"type": "string"}})),
    ("/invoices/{id}", "put", "Fully update invoice",
     _body({"status": {"type": "string", "enum": ["DRAFT", "SENT", "CANCELLED"]}})),
    ("/roles/{user}", "put", "Replace the roles for a user", {"description": "Replace the entire role set."}),
    ("/search", "post", "Search invoices", {}),
    ("/instances/{id}/reboot", "post", "Reboot Instance", {}),
])
def test_what_is_not_destructive(path: str, method: str, summary: str, extra: dict[str, Any]) -> None:
    ep = op(path, method, summary, **extra)
    assert not ep.destructive, ep.notes


_SIGNAL = {"signal": {"type": "string", "enum": ["SIGUSR1", "SIGKILL", "SIGTERM"]}}
_EXEC = {"command": {"type": "array", "items": {"type": "string"}}, "timeout": {"type": "integer"}}


@pytest.mark.parametrize(("path", "method", "summary", "description", "props", "klass"), [
    ("/nodes/{id}/cordon", "post", "", "", {}, "outage"),
    ("/nodes/{id}/drain", "post", "Drain a node", "", {}, "outage"),
    ("/machines/{id}/signal", "post", "", "", _SIGNAL, "outage"),
    ("/machines/{id}/exec", "post", "", "", _EXEC, "data-loss"),
    ("/databases/{id}/query", "post", "Execute a statement", "", {"sql": {"type": "string"}}, "data-loss"),
    ("/volumes/{id}/extend", "put", "", "", {"size_gb": {"type": "integer"}}, "irreversible"),
    ("/disks/{id}/expand", "post", "Expand a disk", "", {}, "irreversible"),
    ("/volumes/{id}/resize", "post", "Resize a volume", "Volumes can only be resized up.", {}, "irreversible"),
    ("/manifests/{id}", "put", "Apply a manifest",
     "Any field the new manifest omits is removed from the object.", {}, "data-loss"),
    ("/virtualMachines/{vm}/deallocate", "post", "", "Shuts down the machine and releases its compute.", {},
     "outage"),
    ("/virtualMachines/{vm}/powerOff", "post", "The operation to power off a virtual machine.", "", {}, "outage"),
    ("/accounts/{id}/close", "post", "Close account", "", {}, "irreversible"),
    ("/repos/{owner}/{repo}/git/refs/{ref}", "patch", "Update a reference", "", {"sha": {"type": "string"}, "force": {
        "type": "boolean", "description": "Leaving this out makes sure you're not overwriting work."}}, "data-loss"),
])
def test_outages_commands_and_one_way_growth(path: str, method: str, summary: str, description: str,
                                             props: dict[str, Any], klass: str) -> None:
    ep = op(path, method, summary, description=description, **(_body(props) if props else {}))
    assert ep.destructive and ep.klass == klass, ep.notes


@pytest.mark.parametrize(("path", "method", "summary", "description", "props"), [
    ("/machines/{id}/lease", "delete", "", "", {}),                    # releases a lease
    ("/locks/{id}/lock", "delete", "Release the lock", "", {}),
    ("/machines/{id}/signal", "post", "", "", {"signal": {"type": "string", "enum": ["SIGUSR1"]}}),
    ("/machines/{id}", "put", "", "", _SIGNAL),                          # a whole object, not a send
    ("/machines/{id}/exec", "post", "", "", {"timeout": {"type": "integer"}}),  # nothing to run given
    ("/reports/{id}/run", "post", "Run a report", "", {"format": {"type": "string"}}),
    ("/disks/{id}/resize", "post", "Resize a disk",
     "If you are resizing the Disk to a smaller size, it must hold its files.", {}),
    ("/instances/{id}/extend", "post", "Extend the trial", "", {}),     # not storage
    ("/manifests/{id}", "put", "Apply a manifest", "Fields you omit keep their values.", {}),
    ("/repos/{o}/{r}/issues/{n}/close", "post", "Close an issue", "", {}),
    ("/repos/{o}/{r}/git/refs/{ref}", "patch", "Update a reference", "",
     {"force": {"type": "boolean", "description": "Skip the fast-forward check."}}),
])
def test_what_the_new_rules_leave_alone(path: str, method: str, summary: str, description: str,
                                        props: dict[str, Any]) -> None:
    ep = op(path, method, summary, description=description, **(_body(props) if props else {}))
    assert not ep.destructive, ep.notes


def test_removals_that_only_end_a_link_are_writes_with_evidence() -> None:
    ep = op("/organizations/{org}/members/{user}", "delete", "Remove Member",
            description="Remove a user from the organization.")
    assert ep.kind == "write" and any("ends a link" in n for n in ep.notes)
    search = op("/changelists/search", "post", "Search for change lists")
    assert search.kind == "read"


def tools(*items: dict[str, Any]) -> dict[str, DraftEndpoint]:
    return draft_from_mcp({"tools": list(items)}, "t.json").endpoints


def test_mcp_hints_are_cross_checked() -> None:
    eps = tools(
        {"name": "drop_table", "annotations": {"readOnlyHint": True}},
        {"name": "create_refund", "description": "Refund a payment intent.",
         "annotations": {"readOnlyHint": False, "destructiveHint": False}},
        {"name": "create_or_update_file", "annotations": {"readOnlyHint": False}},
        {"name": "run_sql", "inputSchema": {"type": "object", "properties": {"sql": {"type": "string"}}}},
        {"name": "add_issue_comment", "annotations": {"readOnlyHint": False, "destructiveHint": True}},
        {"name": "complete_migration", "annotations": {"readOnlyHint": False, "destructiveHint": True}},
        {"name": "update_dispute", "annotations": {"readOnlyHint": False, "destructiveHint": False},
         "inputSchema": {"type": "object", "properties": {"submit": {"type": "boolean"}}}},
        {"name": "list_tables", "annotations": {"readOnlyHint": True}},
    )
    assert eps["drop_table"].kind == "delete" and any("readOnlyHint true is contradicted" in n
                                                      for n in eps["drop_table"].notes)
    assert eps["create_refund"].klass == "money"
    assert not eps["create_or_update_file"].destructive and eps["create_or_update_file"].from_default
    assert eps["run_sql"].destructive and eps["run_sql"].from_default
    assert not eps["add_issue_comment"].destructive
    assert eps["complete_migration"].destructive
    assert eps["update_dispute"].klass == "irreversible"
    assert eps["list_tables"].kind == "read"


def test_mcp_tools_that_overwrite_wipe_or_run_what_they_are_given() -> None:
    schema = {"type": "object", "properties": {"query": {"type": "string"}}}
    eps = tools(
        {"name": "write_file", "description": "Create a new file or completely overwrite an existing file.",
         "annotations": {"readOnlyHint": False, "destructiveHint": True}},
        {"name": "flushdb", "description": "Remove all keys from the current database"},
        {"name": "apply_migration", "description": "Applies a migration to the database.", "inputSchema": schema},
        {"name": "copy_file", "description": "Copy a file. It will not overwrite an existing file."},
        {"name": "remove_labels", "description": "Remove all labels from an issue."},
        {"name": "update_image", "description": "You can't give an empty list to delete all images."},
    )
    assert eps["write_file"].klass == "data-loss"
    assert eps["flushdb"].klass == "data-loss"
    assert eps["apply_migration"].klass == "data-loss"
    assert not any(eps[n].destructive for n in ("copy_file", "remove_labels", "update_image"))


@pytest.mark.parametrize(("name", "resource"), [
    ("rebase_branch", "branch"), ("pods_delete", "pod"), ("merge_pull_request", "pull_request"),
    ("get_database_tables", "table"), ("list_payment_intents", "payment_intent"), ("drop-collection", "collection"),
])
def test_mcp_resource_is_the_object_never_the_verb(name: str, resource: str) -> None:
    assert tools({"name": name})[name.replace("-", "_")].resource == resource


def test_hazards_are_per_class_and_resource_and_reversible_calls_set_none() -> None:
    spec = {"openapi": "3.0.0", "paths": {
        "/servers/{id}": {"delete": {"operationId": "delete_server"}},
        "/servers/{id}/actions/rebuild": {"post": {"operationId": "rebuild_server"}},
        "/servers/{id}/actions/poweroff": {"post": {"operationId": "poweroff_server"}},
        "/servers/{id}/actions/remove_from_placement_group": {"post": {"operationId": "remove_from_group"}},
    }}
    draft = draft_from_openapi(spec, "h.yaml")
    infer_destruction(draft)
    eps = draft.endpoints
    assert eps["delete_server"].sets == {"server_deleted": "yes"}
    assert eps["rebuild_server"].sets == {"server_data_lost": "yes"}
    assert eps["poweroff_server"].sets == {"server_down": "yes"}
    assert eps["remove_from_group"].sets == {}
    assert set(draft.hazards) == {"server_deleted", "server_data_lost", "server_down"}
