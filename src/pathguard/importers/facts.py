"""Producer-consumer inference of knowledge facts, the way RESTler infers
request dependencies: a call that takes `{volume_id}` needs the fact
`volume_id`; a call whose response returns a volume's `id` (or a field named
`volume_id`) produces it. Each link keeps its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pathguard.importers.draft import Draft


@dataclass(frozen=True)
class Need:
    """A parameter that identifies something: the fact, the resources it belongs to,
    the response fields that would reveal it, and where it was seen."""

    fact: str
    resources: tuple[str, ...]
    fields: tuple[str, ...]
    evidence: str
    optional: bool = False      # kept only when some call produces it


@dataclass(frozen=True)
class Record:
    """An object in a response: whose it is (`owner`), its fields, and where."""

    owner: str
    fields: frozenset[str]
    where: str


def link(draft: Draft, needs: dict[str, list[Need]], records: dict[str, list[Record]]) -> None:
    """Fill `needs` and `produces` of every endpoint of `draft`, with evidence."""
    info: dict[str, Need] = {}     # per fact: every resource and field any of its parameters suggests
    for name in draft.endpoints:
        for need in needs.get(name, ()):
            seen = info.get(need.fact)
            info[need.fact] = need if seen is None else Need(
                need.fact, tuple(dict.fromkeys(seen.resources + need.resources)),
                tuple(dict.fromkeys(seen.fields + need.fields)), seen.evidence)
    by_resource: dict[str, set[str]] = defaultdict(set)
    for fact, need in info.items():
        for resource in need.resources:
            by_resource[resource].add(fact)

    for name, ep in draft.endpoints.items():
        own = {n.fact for n in needs.get(name, ())}
        for record in records.get(name, ()):
            for fact in sorted(_revealed(record, info, by_resource)):
                if fact in own or fact in ep.produces:
                    continue
                ep.produces[fact] = _evidence(record, info[fact])

    produced = {f for ep in draft.endpoints.values() for f in ep.produces}
    for name, ep in draft.endpoints.items():
        for need in needs.get(name, ()):
            if need.optional and need.fact not in produced:
                continue
            ep.needs.setdefault(need.fact, need.evidence)


def _revealed(record: Record, info: dict[str, Need], by_resource: dict[str, set[str]]) -> set[str]:
    out = {f for f in record.fields if f in info}
    out |= {f[:-1] for f in record.fields if f.endswith("_ids") and f[:-1] in info}
    owners = {record.owner, record.owner.rsplit("_", 1)[-1]}
    for fact in {f for owner in owners for f in by_resource.get(owner, ())}:
        if _field(record, info[fact]):
            out.add(fact)
    return out


def _evidence(record: Record, need: Need) -> str:
    for exact in (need.fact, need.fact + "s"):
        if exact in record.fields:
            return f"{record.where}.{exact}"
    field = _field(record, need)
    if field == "name" and "name" not in need.fields:
        return f"{record.where}.name (the {record.owner} object has no id: its name names it)"
    return f"{record.where}.{field} (the {record.owner} object)"


def _field(record: Record, need: Need) -> str | None:
    """The field of `record` that carries `need`: one of its fields, or for an id of
    an object that has no `id`, its own `<thing>_id` field or else its `name`."""
    for field in need.fields:
        if field in record.fields:
            return field
    if "id" in need.fields and not {"id", "uuid"} & record.fields:
        stem = need.fact.rsplit("_", 1)[0]
        own = sorted(f for f in record.fields
                     if need.fact.endswith("_id") and f.endswith("_id") and stem.endswith(f[:-3]))
        if own:
            return own[0]                      # a `sink` object's `sink_id` for `logsink_id`
        if "name" in record.fields:
            return "name"
    return None
