"""Producer-consumer inference of knowledge facts, the way REST APIs reveal identifiers.

A call that takes `{volume_id}` needs the fact `volume_id`. A call produces it when its
response carries the id of existing volumes: the `id` of the volume objects it lists or
embeds (`volumes[]`, `data[]`, the objects of `GET /volumes`), or a field of another object
that refers to one (`volume_id`, `volume: 12`, `volume: {id: ...}`, `volume_ids: [...]`).
Never from enums, amounts or settings (only scalar, non-enum fields count; nested objects
without an id are settings and name nothing). A call that creates volumes reveals the id of a
new volume: it is kept apart (it produces no `volume_id`), so a counterexample never consists
of creating a volume and destroying that same new volume. Each link keeps its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pathguard.importers.draft import Draft
from pathguard.importers.naming import same_noun

ITEM = "@item"      # the element of a list of scalars (`names: [string]`)


@dataclass(frozen=True)
class Need:
    """A parameter that identifies something: its fact, the nouns whose objects carry it in
    `carriers`, and where it was seen."""

    fact: str
    nouns: tuple[str, ...]
    carriers: tuple[str, ...]
    evidence: str
    optional: bool = False      # kept only when some call produces it
    refs: tuple[str, ...] = ()  # nouns whose references carry it (default: `nouns`)
    scope: tuple[str, ...] = ()  # the literal path segments above its noun's segment, where seen


@dataclass(frozen=True)
class Record:
    """Objects in a response: what they are (`owner`; empty for settings), their scalar
    fields and lists of scalars, where, and whether this call creates them."""

    owner: str
    scalars: frozenset[str]
    lists: frozenset[str] = frozenset()
    where: str = ""
    created: bool = False
    own: bool = False           # the objects of the call's own collection
    creates: str = ""           # the noun this call creates, if it creates one
    scope: str = ""             # the literal path segment above the call's collection


#: Field names too common to be read as a reference to a resource of that name.
_GENERIC_FIELDS = frozenset({"id", "uuid", "name", "type", "key", "slug", "label", "status", "value",
                             "number", "version", "state", "kind", "role", "email", "description"})


def refers(field: str, need: Need, is_list: bool) -> str | None:
    """The noun a field of some object refers to, if it carries `need`: `instance_id`,
    `attached_to_instance`, `server` (a scalar named after the noun), `instance_ids`."""
    fact = {need.fact} if need.fact not in _GENERIC_FIELDS else set()
    for noun in need.refs or need.nouns:
        bare = {noun} if noun not in _GENERIC_FIELDS else set()
        names = {*fact, f"{noun}_id", f"{noun}_uuid", *bare} if not is_list else \
            {f"{noun}_ids", *(f"{f}s" for f in fact), *({f"{noun}s", noun + "es"} if bare else set())}
        if field in names or (not is_list and field.endswith((f"_{noun}_id", f"_{noun}"))
                              and need.fact.endswith(("_id", "_uuid"))):
            return noun
    return None


def link(draft: Draft, needs: dict[str, list[Need]], records: dict[str, list[Record]],
         reveals: dict[str, dict[str, str]] | None = None) -> None:
    """Fill `needs` and `produces` of every endpoint of `draft`, with evidence.

    `reveals` (MCP): endpoint -> noun -> evidence, for tools whose name or description
    shows they list or search those things (tools/list has no output schema)."""
    info: dict[str, Need] = {}
    for name in draft.endpoints:
        for need in needs.get(name, ()):
            seen = info.get(need.fact)
            info[need.fact] = need if seen is None else replace(
                seen, nouns=tuple(dict.fromkeys(seen.nouns + need.nouns)),
                carriers=tuple(dict.fromkeys(seen.carriers + need.carriers)),
                refs=tuple(dict.fromkeys((seen.refs or seen.nouns) + (need.refs or need.nouns))),
                scope=tuple(dict.fromkeys(seen.scope + need.scope)))
    for name, ep in draft.endpoints.items():
        own = {n.fact for n in needs.get(name, ())}
        for fact, need in sorted(info.items()):
            if fact in own:
                continue
            why = _revealed(records.get(name, ()), need) or _named(reveals, name, need)
            if why:
                ep.produces[fact] = why
            else:
                kept = _created(records.get(name, ()), need)
                if kept:
                    ep.notes.append(kept)
    produced = {f for ep in draft.endpoints.values() for f in ep.produces}
    for name, ep in draft.endpoints.items():
        for need in needs.get(name, ()):
            if need.optional and need.fact not in produced:
                continue
            ep.needs.setdefault(need.fact, need.evidence)


def _revealed(records: list[Record] | tuple[Record, ...], need: Need) -> str | None:
    for record in records:
        if record.own and "" not in need.scope and record.scope not in need.scope and \
                record.owner == need.nouns[0]:
            continue        # `/object-storage/clusters` are not the clusters of `/kubernetes/clusters/{id}`
        if not record.created and any(same_noun(record.owner, n) for n in need.nouns):
            field = _carrier(record, need)
            if field:
                return _where(record, field)
    for record in records:
        for field in sorted(record.scalars):
            noun = refers(field, need, is_list=False)
            if noun and not same_noun(record.owner, noun) and \
                    not (record.creates and same_noun(noun, record.creates)):
                return f"{record.where}.{field} (refers to a {noun})"
        for field in sorted(record.lists):
            noun = refers(field, need, is_list=True)
            if noun and not (record.creates and same_noun(noun, record.creates)):
                return f"{record.where}.{field}[] (refers to {noun}s)"
    return None


def _created(records: list[Record] | tuple[Record, ...], need: Need) -> str | None:
    for record in records:
        if record.created and any(same_noun(record.owner, n) for n in need.nouns) and _carrier(record, need):
            return (f"creates a {record.owner}: {_where(record, _carrier(record, need) or '')} names the "
                    f"new one, kept apart from `{need.fact}` (an existing {record.owner})")
    return None


def _named(reveals: dict[str, dict[str, str]] | None, name: str, need: Need) -> str | None:
    found = (reveals or {}).get(name, {})
    return next((found[n] for n in need.nouns if n in found), None)


def _where(record: Record, field: str) -> str:
    if field == ITEM:
        return f"{record.where} (a list of {record.owner})"
    if field == "name" and not {"id", "uuid"} & record.scalars:
        return f"{record.where}.name (the {record.owner} object has no id: its name names it)"
    return f"{record.where}.{field} (the {record.owner} object)"


def _carrier(record: Record, need: Need) -> str | None:
    """The field of `record` that carries `need`: one of its carriers, or for an id of an
    object that has no `id`, its own `<thing>_id` field or else its `name`."""
    for field in need.carriers:
        if field in record.scalars:
            return field
    if ITEM in record.scalars:
        return ITEM
    if "id" in need.carriers and record.own and record.owner in need.nouns and \
            not {"id", "uuid"} & record.scalars:
        stem = need.fact.rsplit("_", 1)[0]
        own = sorted(f for f in record.scalars
                     if need.fact.endswith("_id") and f.endswith("_id") and stem.endswith(f[:-3]))
        if own:
            return own[0]                      # a `sink` object's `sink_id` for `logsink_id`
        if "name" in record.scalars:
            return "name"
    return None
