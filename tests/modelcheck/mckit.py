"""Helpers for the model checker tests: worlds and policies from YAML text in memory."""

from __future__ import annotations

from pathguard.model.load import world_from_document
from pathguard.model.world import World
from pathguard.modelcheck.check import check
from pathguard.modelcheck.results import CheckResult
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import CompiledPolicy, allow_everything
from pathguard.policy.load import policy_from_document
from pathguard.source import parse_yaml

VOLUMES = """
system: mini
state:
  volume:  {values: [mounted, unmounted, deleted], initial: mounted}
  backup:  {values: [none, taken], initial: none}
endpoints:
  list_volumes: {kind: read, resource: volume, produces: [volume_id]}
  take_backup: {kind: write, resource: volume, needs: [volume_id], sets: {backup: taken}}
  unmount_volume: {kind: write, resource: volume, needs: [volume_id], when: {volume: mounted},
                   sets: {volume: unmounted}}
  get_status: {kind: read, resource: service}
  delete_volume: {kind: delete, resource: volume, needs: [volume_id], when: {volume: unmounted},
                  sets: {volume: deleted}}
hazards:
  data_loss: {volume: deleted, backup: none}
"""


def world(text: str = VOLUMES) -> World:
    return world_from_document(parse_yaml(text, "endpoints.yaml"))


def policy(w: World, text: str | None) -> CompiledPolicy:
    return allow_everything(w) if text is None else policy_from_document(parse_yaml(text, "policy.yaml"), w)


def run(w: World, p: CompiledPolicy, engine: str = "explicit", **kw: object) -> CheckResult:
    """The checker with the options of `kw`; the agent discovers facts unless `knowledge="given"`
    (these small models are about what an agent learns on its way)."""
    options = Options(assume_approvals=bool(kw.pop("assume_approvals", False)),
                      model_time=bool(kw.pop("model_time", False)),
                      subagents=int(kw.pop("subagents", 0)),  # type: ignore[call-overload]
                      knowledge=kw.pop("knowledge", "discover"))  # type: ignore[arg-type]
    return check(w, p, engine=engine, options=options, **kw)  # type: ignore[arg-type]
