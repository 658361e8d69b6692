"""The overrides file: corrections a user keeps next to a third-party spec.

```yaml
facts: {machine_id: fly_machine_id}          # rename facts everywhere
endpoints:
  machines_restart: {reversible: false}      # any field of SPEC §1, replacing the inferred one
  volumes_extend: {needs: [app_name, volume_id, approval_ticket]}
state:                                       # extra variables
  backup: {values: [none, taken], initial: none}
hazards:                                     # extra hazards
  data_loss: {volume_destroyed: "yes", backup: none}
```

Validated like every other input: unknown fields, unknown endpoints and
unknown facts are errors with the file, line and field.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, StrictBool, StrictStr

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.importers.draft import Draft, Variable
from pathguard.model.schema import Kind, Scalar, VariableSpec
from pathguard.model.world import canonical
from pathguard.source import Document, read_document
from pathguard.validation import validate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EndpointOverride(_Strict):
    """Every field optional: what is given replaces the inferred value."""

    description: StrictStr | None = None
    call: StrictStr | None = None
    kind: Kind | None = None
    resource: StrictStr | None = None
    needs: list[StrictStr] | None = None
    produces: list[StrictStr] | None = None
    when: dict[StrictStr, Scalar | list[Scalar]] | None = None
    sets: dict[StrictStr, Scalar] | None = None
    reversible: StrictBool | None = None


class OverridesSpec(_Strict):
    facts: dict[StrictStr, StrictStr] = {}
    endpoints: dict[StrictStr, EndpointOverride] = {}
    state: dict[StrictStr, VariableSpec] = {}
    hazards: dict[StrictStr, dict[StrictStr, Scalar]] = {}


def load_overrides(path: str | Path) -> tuple[OverridesSpec, Document]:
    doc = read_document(path)
    return validate(OverridesSpec, doc), doc


def apply_overrides(draft: Draft, spec: OverridesSpec, doc: Document) -> None:
    """Apply `spec` to `draft` in place, or raise every located problem at once."""
    problems: list[Problem] = []
    known = {f for ep in draft.endpoints.values() for f in (*ep.needs, *ep.produces)}
    for old in spec.facts:
        if old not in known:
            problems.append(doc.problem(("facts", old), "unknown-fact",
                                        f"no endpoint needs or produces `{old}`", did_you_mean(old, known)))
    for name in spec.endpoints:
        if name not in draft.endpoints:
            problems.append(doc.problem(("endpoints", name), "unknown-endpoint",
                                        f"`{name}` is not an endpoint",
                                        did_you_mean(name, list(draft.endpoints))))
    if problems:
        raise InputError(problems)

    for old, new in spec.facts.items():
        for ep in draft.endpoints.values():
            for facts in (ep.needs, ep.produces):
                if old in facts:
                    facts[new] = f"{facts.pop(old)} (renamed from `{old}` by {doc.file})"
    for name, over in spec.endpoints.items():
        ep = draft.endpoints[name]
        where = f"{doc.file}:{doc.line(('endpoints', name))}"
        given = over.model_dump(exclude_unset=True)
        for field in ("description", "call", "kind", "resource", "reversible"):
            if field in given:
                setattr(ep, field, given[field])
        for field in ("needs", "produces"):
            if field in given:
                setattr(ep, field, {f: getattr(ep, field).get(f, f"set by {where}") for f in given[field]})
        if "when" in given:
            ep.when = {v: [canonical(x) for x in a] if isinstance(a, list) else canonical(a)
                       for v, a in given["when"].items()}
        if "sets" in given:
            ep.sets = {v: canonical(x) for v, x in given["sets"].items()}
        ep.from_default = False
        ep.overridden |= set(given)
        ep.notes.append(f"overridden by {where}: {', '.join(given)}")
    for name, var in spec.state.items():
        draft.variables[name] = Variable([canonical(v) for v in var.values], canonical(var.initial),
                                         f"added by {doc.file}:{doc.line(('state', name))}")
    for name, conj in spec.hazards.items():
        draft.hazards[name] = {v: canonical(x) for v, x in conj.items()}
        draft.hazard_why[name] = f"added by {doc.file}:{doc.line(('hazards', name))}"
