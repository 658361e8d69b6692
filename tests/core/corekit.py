"""Build worlds and policies from text in tests."""

from __future__ import annotations

from pathguard.model.load import world_from_document
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import policy_from_document
from pathguard.semantics.session import SessionState, executed
from pathguard.source import parse_yaml

OPS = """\
system: ops
state:
  volume: {values: [mounted, unmounted, deleted], initial: mounted}
endpoints:
  list_volumes: {kind: read, resource: volume, produces: [volume_id]}
  get_volume: {kind: read, resource: volume, needs: [volume_id]}
  list_services: {kind: read, resource: service, produces: [service_id]}
  unmount_volume: {kind: write, resource: volume, needs: [volume_id], when: {volume: mounted}, sets: {volume: unmounted}}
  scale_service: {kind: write, resource: service, needs: [service_id]}
  delete_volume: {kind: delete, resource: volume, needs: [volume_id], when: {volume: unmounted}, sets: {volume: deleted}}
hazards:
  data_loss: {volume: deleted}
"""


def world_of(text: str = OPS) -> World:
    return world_from_document(parse_yaml(text, "endpoints.yaml"))


def policy_of(text: str, world: World) -> CompiledPolicy:
    return policy_from_document(parse_yaml(text, "policy.yaml"), world)


def run_calls(policy: CompiledPolicy, calls: list[str], state: SessionState | None = None) -> SessionState:
    """The session after `calls` ran (no decision taken: the test decides what ran)."""
    state = state or SessionState.root(policy)
    for call in calls:
        state = executed(policy, state, policy.plans[call])
    return state
