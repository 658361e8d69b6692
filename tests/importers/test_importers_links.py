"""Id links the way REST APIs and MCP servers reveal ids, and the sources they must never be
taken from; and created ids kept apart from existing ones, down to the model checker's
counterexample."""

from __future__ import annotations

from typing import Any

from pathguard.importers.draft import Draft
from pathguard.importers.mcp import draft_from_mcp
from pathguard.importers.openapi import draft_from_openapi
from pathguard.importers.state import infer_destruction
from pathguard.model.load import world_from_document
from pathguard.modelcheck.check import check
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import allow_everything
from pathguard.source import Document

STRING = {"type": "string"}


def obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


def listing(schema: dict[str, Any], op_id: str) -> dict[str, Any]:
    return {"get": {"operationId": op_id, "responses": {"200": {"content": {"application/json": {"schema": schema}}}}}}


def spec(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> Draft:
    data = {"openapi": "3.0.0", "paths": paths, "components": {"schemas": schemas or {}}}
    return draft_from_openapi(data, "links.yaml")


def test_a_parameter_named_after_its_object_is_that_objects_id() -> None:
    """Stripe-like: `{intent}` under `/payment_intents/`, `{item}` under `/subscription_items/`."""
    page = obj(object=STRING, data={"type": "array", "items": {"$ref": "#/components/schemas/Intent"}})
    draft = spec({
        "/v1/payment_intents": listing(page, "list_intents"),
        "/v1/payment_intents/{intent}/cancel": {"post": {"operationId": "cancel_intent", "parameters": [
            {"name": "intent", "in": "path", "required": True, "schema": STRING, "description": "ID of the intent"}]}},
        "/v1/subscription_items": listing(obj(data={"type": "array", "items": obj(id=STRING, price=STRING)}),
                                          "list_items"),
        "/v1/subscription_items/{item}": {"delete": {"operationId": "delete_item", "parameters": [
            {"name": "item", "in": "path", "required": True, "schema": STRING}]}},
    }, {"Intent": obj(id=STRING, amount={"type": "integer"})})
    eps = draft.endpoints
    assert eps["cancel_intent"].needs == {"payment_intent_id": "path parameter `{intent}`"}
    assert eps["list_intents"].produces == {"payment_intent_id": "response 200.data[].id (the payment_intent object)"}
    assert set(eps["delete_item"].needs) == {"item"}
    assert "item" in eps["list_items"].produces


def test_references_reveal_ids_but_amounts_names_and_settings_do_not() -> None:
    """`server: 42` (Hetzner-like) and `customer: string | Customer` (Stripe-like) reveal the id
    they name; a fee amount, a settings object and a card's `name` reveal nothing."""
    customer = {"anyOf": [STRING, {"$ref": "#/components/schemas/Customer"}]}
    draft = spec({
        "/volumes": listing(obj(volumes={"type": "array", "items": obj(id={"type": "integer"},
                                                                      server={"type": "integer"})}), "list_volumes"),
        "/servers/{id}": {"delete": {"operationId": "delete_server"}},
        "/charges": listing(obj(data={"type": "array", "items": obj(
            id=STRING, customer=customer, fee={"type": "integer"},
            settings=obj(payouts=obj(schedule=obj(interval=STRING))),
            card=obj(name=STRING, brand=STRING, exp_month={"type": "integer"}))}), "list_charges"),
        "/customers/{customer}": {"delete": {"operationId": "delete_customer", "parameters": [
            {"name": "customer", "in": "path", "required": True, "schema": STRING, "description": "The customer ID"}]}},
        "/application_fees/{fee}/refunds": {"post": {"operationId": "refund_fee", "parameters": [
            {"name": "fee", "in": "path", "required": True, "schema": STRING, "description": "ID of the fee"}]}},
        "/schedules/{schedule}": {"delete": {"operationId": "delete_schedule"}},
        "/cards/{card_id}": {"delete": {"operationId": "delete_card"}},
    }, {"Customer": obj(id=STRING, email=STRING)})
    eps = draft.endpoints
    assert eps["list_volumes"].produces["server_id"] == "response 200.volumes[].server (refers to a server)"
    assert eps["list_charges"].produces["customer_id"].startswith("response 200.data[].customer")
    assert "application_fee_id" not in eps["list_charges"].produces     # `fee` is an amount
    assert "schedule" not in eps["list_charges"].produces               # settings name nothing
    assert "card_id" not in eps["list_charges"].produces                # a card's name is not its id


def test_a_credential_value_is_not_a_reference_and_created_things_are_kept_apart() -> None:
    """A Datadog `api_key` is the key itself, not the id of an `/api-keys` resource (that would
    be `api_key_id`); `successfully_created_zones` are new zones, `created_by` an existing user."""
    draft = spec({
        "/api-keys/{id}": {"delete": {"operationId": "delete_api_key"}},
        "/zones/{zone}": {"delete": {"operationId": "delete_zone"}},
        "/users/{user_id}": {"delete": {"operationId": "delete_user"}},
        "/exports": listing(obj(exports={"type": "array", "items": obj(
            id=STRING, api_key=STRING, owner_api_key_id=STRING)}), "list_exports"),
        "/requests/{id}/result": listing(obj(
            successfully_created_zones={"type": "array", "items": STRING},
            created_by=obj(user_id=STRING)), "request_result"),
    })
    eps = draft.endpoints
    assert "owner_api_key_id" in eps["list_exports"].produces["api_key_id"]     # not `.api_key`
    assert "zone" not in eps["request_result"].produces
    assert any("kept apart from `zone`" in note for note in eps["request_result"].notes)
    assert "user_id" in eps["request_result"].produces


def test_action_lists_are_not_their_resource() -> None:
    """`GET /droplets/{id}/actions` lists actions: their ids are not droplet ids."""
    draft = spec({
        "/v2/droplets/{droplet_id}/actions": listing(obj(actions={"type": "array", "items": obj(id={"type": "integer"})}),
                                                     "list_droplet_actions"),
        "/v2/droplets/{droplet_id}": {"delete": {"operationId": "delete_droplet"}},
        "/v2/actions/{action_id}": listing(obj(action=obj(id={"type": "integer"})), "get_action"),
    })
    assert set(draft.endpoints["list_droplet_actions"].produces) == {"action_id"}


def test_a_parameter_named_after_its_collection_and_a_field_is_that_field() -> None:
    """`{paymentPspReference}` under `/payments/` is the `pspReference` of payment objects,
    wherever they are listed (here: inside a checkout session)."""
    draft = spec({
        "/sessions/{sessionId}": listing(obj(id=STRING, payments={"type": "array", "items": obj(
            pspReference=STRING, amount={"type": "integer"})}), "get_session"),
        "/payments/{paymentPspReference}/refunds": {"post": {"operationId": "refund"}},
        "/orders": listing(obj(orders={"type": "array", "items": obj(reference=STRING)}), "list_orders"),
    })
    eps = draft.endpoints
    assert eps["refund"].needs.keys() == {"payment_psp_reference"}
    assert eps["get_session"].produces["payment_psp_reference"] == \
        "response 200.payments[].psp_reference (the payment object)"
    assert "payment_psp_reference" not in eps["list_orders"].produces     # an order's reference is not it


def test_an_objects_field_named_like_the_parameter_carries_it() -> None:
    draft = spec({
        "/apps/{id}/origins": listing(obj(results={"type": "array", "items": obj(
            origin_key=STRING, name=STRING)}), "list_origins"),
        "/apps/{id}/origins/{origin_key}": {"delete": {"operationId": "delete_origin"}},
    })
    eps = draft.endpoints
    assert eps["delete_origin"].needs.keys() == {"app_id", "origin_key"}
    assert eps["list_origins"].produces["origin_key"] == \
        "response 200.results[].origin_key (the origin object)"


def test_the_keys_of_a_map_name_its_entries() -> None:
    """`GET .../metadata` returns `{<key>: value}`; a machine embeds the same map: both reveal
    the `{key}` of `DELETE .../metadata/{key}`. A map of settings keyed by nothing needed does not."""
    strings = {"type": "object", "additionalProperties": STRING}
    draft = spec({
        "/machines/{id}/metadata": listing(strings, "show_metadata"),
        "/machines": listing(obj(machines={"type": "array", "items": obj(id=STRING, metadata=strings)}),
                             "list_machines"),
        "/machines/{id}/metadata/{key}": {"delete": {"operationId": "delete_key"}},
        "/limits": listing(obj(quotas=strings), "show_limits"),
    })
    eps = draft.endpoints
    assert eps["delete_key"].needs.keys() == {"machine_id", "metadata_key"}
    assert eps["show_metadata"].produces["metadata_key"] == "response 200{} (the keys of a metadata map)"
    assert "metadata_key" in eps["list_machines"].produces
    assert eps["show_limits"].produces == {}


def test_two_collections_of_the_same_name_stay_apart() -> None:
    clusters = obj(clusters={"type": "array", "items": obj(id=STRING)})
    draft = spec({
        "/kubernetes/clusters": listing(clusters, "list_k8s_clusters"),
        "/kubernetes/clusters/{cluster_id}": {"delete": {"operationId": "delete_k8s_cluster"}},
        "/object-storage/clusters": listing(clusters, "list_storage_clusters"),
    })
    assert "cluster_id" in draft.endpoints["list_k8s_clusters"].produces
    assert "cluster_id" not in draft.endpoints["list_storage_clusters"].produces


def test_a_generic_parameter_names_its_collections_object_and_settings_lists_name_nothing() -> None:
    """`{service-name}` under `/dbaas-postgres/` and under `/dbaas-kafka/` are two things; a
    list of domain names inside a settings object is not a list of DNS domains."""
    named = obj(name=STRING, settings=obj(allowed_domains={"type": "array", "items": STRING}))
    draft = spec({
        "/dbaas-postgres/{name}": listing(named, "get_postgres"),
        "/dbaas-kafka/{name}": listing(named, "get_kafka"),
        "/dbaas-postgres/{service-name}/database/{database-name}": {"delete": {"operationId": "drop_pg_db"}},
        "/dbaas-kafka/{service-name}/topic/{topic-name}": {"delete": {"operationId": "drop_topic"}},
        "/dbaas-service": listing(obj(services={"type": "array", "items": obj(name=STRING)}), "list_services"),
        "/dns-domain/{domain-id}": {"delete": {"operationId": "delete_domain"}},
    })
    eps = draft.endpoints
    assert eps["drop_pg_db"].needs.keys() == {"dbaas_postgre_name", "database_name"}
    assert eps["drop_topic"].needs.keys() == {"dbaas_kafka_name", "topic_name"}
    assert {"dbaas_postgre_name", "dbaas_kafka_name"} <= eps["list_services"].produces.keys()
    assert "dbaas_kafka_name" not in eps["get_postgres"].produces
    assert not {"dns_domain_id", "domain_id"} & eps["get_postgres"].produces.keys()


def _volumes() -> Draft:
    volume = {"$ref": "#/components/schemas/Volume"}
    return spec({
        "/volumes": {
            "post": {"operationId": "create_volume", "responses": {"201": {"content": {
                "application/json": {"schema": obj(volume=volume)}}}}},
            **listing(obj(volumes={"type": "array", "items": volume}), "list_volumes")},
        "/volumes/{volume_id}": {"delete": {"operationId": "delete_volume"}},
    }, {"Volume": obj(id=STRING, name=STRING)})


def test_created_ids_are_kept_apart_from_existing_ones() -> None:
    eps = _volumes().endpoints
    assert "volume_id" not in eps["create_volume"].produces
    assert any("kept apart from `volume_id`" in note for note in eps["create_volume"].notes)
    assert "volume_id" in eps["list_volumes"].produces


def test_a_counterexample_never_destroys_the_resource_it_just_created() -> None:
    draft = _volumes()
    infer_destruction(draft)
    world = world_from_document(Document("v.yaml", draft.document()))
    # an agent that must discover the id learns it from the list, never from its own create
    discover = check(world, allow_everything(world), engine="explicit", options=Options(knowledge="discover"))
    hazard = discover.hazards["volume_deleted"]
    assert hazard.verdict == "unsafe"
    assert hazard.trace == ["list_volumes", "delete_volume"]
    given = check(world, allow_everything(world), engine="explicit")
    assert given.hazards["volume_deleted"].trace == ["delete_volume"]


def _tool(tool: str, description: str = "", required: tuple[str, ...] = (), read: bool = True,
          **props: str) -> dict[str, Any]:
    return {"name": tool, "description": description, "annotations": {"readOnlyHint": read},
            "inputSchema": {"type": "object", "required": list(required),
                            "properties": {k: {"type": "string", "description": v} for k, v in props.items()}}}


def test_mcp_a_generic_input_is_the_thing_its_description_names() -> None:
    eps = draft_from_mcp({"tools": [
        _tool("pods_list", "List all the Pods in the cluster"),
        _tool("pods_log", "Get the logs of a Pod", ("name",), name="Name of the Pod to get the logs from"),
        _tool("runs_log", "Get logs of a run", ("name",), name="Name of the TaskRun to get logs from"),
    ]}, "k.json").endpoints
    assert eps["pods_log"].needs.keys() == {"pod_name"}            # not `log_name`
    assert "pod_name" in eps["pods_list"].produces
    assert eps["runs_log"].needs.keys() == {"log_name"}            # TaskRun is no known thing: its own noun


def test_mcp_a_reader_told_an_id_or_merely_mentioning_a_thing_does_not_reveal_it() -> None:
    eps = draft_from_mcp({"tools": [
        _tool("pods_list", "List all the Pods in the cluster"),
        _tool("pods_delete", "Delete a Pod", ("name",), read=False, name="Name of the Pod to delete"),
        _tool("get_pod_performance", "CPU and memory use of one Pod", podName="Kubernetes Pod name"),
        _tool("pipeline_logs", "Get logs of a pipeline. Use it without locating pods manually."),
        _tool("pods_top", "List the CPU and memory use for the specified Kubernetes Pods", name="Pod name"),
        _tool("describe_branch", "Get every object of a branch, including pods", podName="only this pod"),
    ]}, "k.json").endpoints
    assert eps["pods_delete"].needs.keys() == {"pod_name"}
    producers = {name for name, ep in eps.items() if "pod_name" in ep.produces}
    # told the pod's name (optional or not) / mentions pods without returning them: not producers;
    # a listing's name filter and a describe of another object that returns pods: producers
    assert producers == {"pods_list", "pods_top", "describe_branch"}


def test_mcp_links_read_only_the_start_of_a_description() -> None:
    """What a tool returns is said at the start; a hostile megabyte of description is not read
    for links (each linked noun would scan it again)."""
    padding = "It helps. " * 500
    eps = draft_from_mcp({"tools": [
        _tool("get_status", padding + "It lists all the Pods."),
        _tool("get_overview", "Lists all the Pods. " + padding),
        _tool("pods_delete", "Delete a Pod", ("name",), read=False, name="Name of the Pod to delete"),
    ]}, "k.json").endpoints
    assert "pod_name" in eps["get_overview"].produces
    assert "pod_name" not in eps["get_status"].produces
