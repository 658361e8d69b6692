"""Every real spec vendored in corpus/specs imports into a world that loads and analyses.

The files are used as they are (never edited copies). Operation and tool counts come from
corpus/SOURCES.md, counted independently of pathguard. The other real specs of the labelled set
are not vendored (fetched data may not be committed); the API styles they showed are kept by the
hand-written specs of test_importers_styles.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathguard.analysis import PathOptions, analyze
from pathguard.graph.build import action_graph
from pathguard.graph.paths import enumerate_paths, path_scope
from pathguard.graph.verdicts import Walker
from pathguard.importers.detect import Imported, import_file, load_any
from pathguard.importers.emit import emit
from pathguard.model.load import load_world
from pathguard.policy.compile import allow_everything

SPECS = Path(__file__).resolve().parents[2] / "corpus" / "specs"

#: file -> (format, operations or tools, DELETE operations) as SOURCES.md counts them
REAL = {
    "digitalocean.openapi.yaml": ("openapi", 659, 97),
    "linode.openapi.yaml": ("openapi", 390, 46),
    "fly-machines.openapi.yaml": ("openapi", 34, 5),
    "github-mcp.tools.json": ("mcp", 117, None),
    "kubernetes-mcp.tools.json": ("mcp", 46, None),
    "neon-mcp.tools.json": ("mcp", 34, None),
}

#: DELETE operations that only end a link (remove a registry from clusters, untag, detach a
#: guardrail) or release a lease: not destructive, so kind `write` (resets of one field:
#: test_importers_styles.py).
NOT_DELETES = {
    "fly-machines.openapi.yaml": {"DELETE /apps/{app_name}/machines/{machine_id}/lease"},
    "digitalocean.openapi.yaml": {"DELETE /v2/kubernetes/registry", "DELETE /v2/kubernetes/registries",
                                  "DELETE /v2/tags/{tag_id}/resources",
                                  "DELETE /v2/gen-ai/agents/{agent_uuid}/guardrails/{guardrail_uuid}",
                                  "DELETE /v2/gen-ai/agents/{agent_uuid}/knowledge_bases/{knowledge_base_uuid}"},
}

_cache: dict[str, Imported] = {}


def imported(name: str) -> Imported:
    if name not in _cache:
        _cache[name] = import_file(SPECS / name)
    return _cache[name]


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_spec_imports_with_one_endpoint_per_operation(name: str) -> None:
    fmt, count, deletes = REAL[name]
    result = imported(name)
    assert result.format == fmt
    assert len(result.world.endpoints) == count
    if deletes is not None:
        calls = {e.call for e in result.world.endpoints if e.call and e.call.startswith("DELETE ")}
        assert len(calls) == deletes
        assert {e.call for e in result.world.endpoints if e.kind == "delete"} == calls - NOT_DELETES.get(name, set())
    assert result.world.targets, "a model with no destructive call gives the checker nothing to prove"
    assert result.world.hazards


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_spec_written_file_loads_back_to_the_same_world(name: str, tmp_path: Path) -> None:
    result = imported(name)
    out = tmp_path / "endpoints.yaml"
    out.write_text(emit(result.draft, "test"))
    again = load_world(out)
    assert again.endpoints == tuple(
        type(e)(**{**{f: getattr(e, f) for f in e.__slots__}, "line": again.endpoints[e.index].line})
        for e in result.world.endpoints)
    assert (again.variables, again.initial, again.hazards, again.entries) == (
        result.world.variables, result.world.initial, result.world.hazards, result.world.entries)


@pytest.mark.parametrize("name", ["fly-machines.openapi.yaml", "github-mcp.tools.json",
                                  "kubernetes-mcp.tools.json", "neon-mcp.tools.json"])
def test_real_spec_analyses(name: str) -> None:
    world = imported(name).world
    doc = analyze(world, None, PathOptions(max_length=4, max_paths=20_000, list_limit=10)).document
    assert doc.graph.endpoints == len(world.endpoints)
    assert doc.paths.total > 0


def test_large_specs_have_paths_to_their_targets() -> None:
    """The path analysis of SPEC §4 on the two large specs, bounded (the model checker's
    figures on them are measured by benchmarks/bench_import.py)."""
    for name in ("digitalocean.openapi.yaml", "linode.openapi.yaml"):
        world = imported(name).world
        graph = action_graph(world)
        assert graph.number_of_edges() > len(world.endpoints)
        scope = path_scope(graph, world.entries, world.targets)
        found = enumerate_paths(scope, Walker(world, allow_everything(world)), max_length=3,
                                max_paths=5_000, list_limit=5)
        assert found.total > 0 and found.listed


def test_digitalocean_volumes_chain_by_producer_and_consumer() -> None:
    eps = imported("digitalocean.openapi.yaml").draft.endpoints
    assert "volume_id" in eps["volumes_list"].produces
    assert "volumes[]" in eps["volumes_list"].produces["volume_id"]
    assert eps["volumes_delete"].kind == "delete"
    assert eps["volumes_delete"].needs == {"volume_id": "path parameter `{volume_id}`"}
    # one variable per destructive class and resource: what is lost
    assert eps["volumes_delete"].sets == {"volume_deleted": "yes"}
    # creating a volume reveals a new volume's id, kept apart from existing ones
    assert "volume_id" not in eps["volumes_create"].produces
    assert any("kept apart from `volume_id`" in note for note in eps["volumes_create"].notes)
    # `{id}` under `/v2/apps/` is an app's id, produced by listing apps
    assert "app_id" in eps["apps_get"].needs
    assert "app_id" in eps["apps_list"].produces
    # one POST carries every droplet action, rebuild and restore among them
    assert eps["droplet_actions_post"].reversible is False


def test_linode_irreversible_actions_and_lifecycle() -> None:
    draft = imported("linode.openapi.yaml").draft
    eps = draft.endpoints
    assert eps["post_rebuild_linode_instance"].reversible is False
    assert eps["post_cancel_account"].reversible is False
    # `{linodeId}` under `/linode/instances/` is produced by listing instances (`data[].id`)
    assert "linode_id" in eps["get_linode_instances"].produces
    assert "data[]" in eps["get_linode_instances"].produces["linode_id"]
    assert draft.variables["volume_attached"].values == ["attached", "detached"]
    assert all(e.call and not e.call.startswith("GET") for e in eps.values() if e.reversible is False)


def test_fly_machine_lifecycle_and_deletes() -> None:
    world = imported("fly-machines.openapi.yaml").world
    start, stop = world.by_name["machines_start"], world.by_name["machines_stop"]
    assert start.when == (("machine_power", frozenset({"off"})),) and start.sets == (("machine_power", "on"),)
    # stopping a machine takes it down (an outage): a target, and its own hazard
    assert stop.when == (("machine_power", frozenset({"on"})),)
    assert stop.sets == (("machine_down", "yes"), ("machine_power", "off"))
    assert {"apps_delete", "machines_delete", "volume_delete", "machines_stop"} <= set(world.targets)
    assert world.hazards["volume_deleted"] == (("volume_deleted", frozenset({"yes"})),)
    assert "machines_start" not in world.targets
    assert world.by_name["volume_delete"].needs == {"app_name", "volume_id"}


def test_github_mcp_defaults_are_reported_and_cross_checked() -> None:
    """A missing destructiveHint (MCP default: may destroy) alone does not make a tool that only
    adds or edits content a target; every such default is marked and reported. Tools whose name
    or inputs destroy are targets whatever the hints say."""
    draft = imported("github-mcp.tools.json").draft
    tools = {t["name"]: t.get("annotations", {}) for t in json.loads((SPECS / "github-mcp.tools.json").read_text())["tools"]}
    absent = {n for n, a in tools.items() if "destructiveHint" not in a and a.get("readOnlyHint") is not True}
    assert len(absent) == 25                       # SOURCES.md
    eps = draft.endpoints
    for name in absent:   # each decided by the default (and marked), or by its name or inputs (and said why)
        assert eps[name].from_default or eps[name].klass or \
            any(n.startswith("not destructive") for n in eps[name].notes), name
    merge = eps["merge_pull_request"]
    assert merge.from_default and not merge.destructive and merge.resource == "pull_request"
    assert eps["create_or_update_file"].from_default and not eps["create_or_update_file"].destructive
    assert eps["delete_repository"].kind == "delete"
    defaults = [e.name for e in eps.values() if e.from_default]
    assert any(f"{len(defaults)} classifications came from MCP defaults" in line for line in draft.report)
    assert eps["get_me"].kind == "read" and not eps["get_me"].from_default
    # `remove_sub_issue` says destructiveHint true, but it only ends a link
    assert not eps["remove_sub_issue"].destructive


def test_kubernetes_and_neon_knowledge_links() -> None:
    k8s = imported("kubernetes-mcp.tools.json").world
    assert k8s.by_name["pods_delete"].kind == "delete"
    assert "pod_name" in k8s.by_name["pods_delete"].needs
    assert "pod_name" in k8s.by_name["pods_list"].produces
    neon = imported("neon-mcp.tools.json").world
    assert neon.by_name["delete_project"].needs == {"project_id"}
    assert "project_id" in neon.by_name["list_projects"].produces
    assert neon.by_name["run_sql"].destructive


@pytest.mark.parametrize("name", ["fly-machines.openapi.yaml", "neon-mcp.tools.json"])
def test_load_any_detects_real_specs(name: str) -> None:
    assert load_any(SPECS / name).names == imported(name).world.names


def test_overrides_correct_a_real_mcp_default(tmp_path: Path) -> None:
    before = [e.name for e in imported("github-mcp.tools.json").draft.endpoints.values() if e.from_default]
    assert "merge_pull_request" in before and "star_repository" in before
    ovr = tmp_path / "github.overrides.yaml"
    ovr.write_text("endpoints:\n  merge_pull_request: {reversible: false}\n  star_repository: {reversible: true}\n")
    result = import_file(SPECS / "github-mcp.tools.json", overrides=ovr)
    merge = result.world.by_name["merge_pull_request"]
    assert merge.destructive and merge.sets == (("pull_request_changed", "yes"),)
    assert not result.world.by_name["star_repository"].destructive
    assert not result.world.by_name["star_repository"].sets
    after = [e.name for e in result.draft.endpoints.values() if e.from_default]
    assert set(before) - set(after) == {"merge_pull_request", "star_repository"}
