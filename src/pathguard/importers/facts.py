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

from collections import defaultdict
from dataclasses import dataclass, replace

from pathguard.importers.draft import Draft

ITEM = "@item"      # the element of a list of scalars (`names: [string]`)
KEYS = "@keys"      # the keys of a map (`metadata: {<key>: string}`)


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
    exact: bool = False         # `owner` names its objects only whole (`allowed_domain` is no `domain`)


#: Last words of a field that carries a credential's value (a Datadog `api_key` is the key
#: itself), never a reference to the resource of that name; its id is `api_key_id`.
_SECRETS = frozenset({"key", "token", "secret", "password", "passphrase", "credential"})
#: Field names too common to be read as a reference to a resource of that name.
_GENERIC_FIELDS = frozenset({"id", "uuid", "name", "type", "key", "slug", "label", "status", "value",
                             "number", "version", "state", "kind", "role", "email", "description"})


def suffixes(name: str) -> list[str]:
    """`attached_to_instance` -> itself, `to_instance`, `instance`: the nouns it may name."""
    ws = name.split("_")
    return ["_".join(ws[i:]) for i in range(len(ws))]


class _Index:
    """Every fact by the nouns and field names that reveal it, so linking looks each field of
    each response up once instead of testing it against every fact."""

    def __init__(self, info: dict[str, Need]) -> None:
        self.info = info
        self.by_noun: dict[str, list[str]] = defaultdict(list)
        self.scalar: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.suffix: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.listed: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for fact, need in sorted(info.items()):
            for noun in need.nouns:
                self.by_noun[noun].append(fact)
            own_fact = [fact] if fact not in _GENERIC_FIELDS else []
            for noun in need.refs or need.nouns:
                secret = noun.rsplit("_", 1)[-1] in _SECRETS
                bare = [noun] if noun not in _GENERIC_FIELDS and not secret else []
                for name in (*own_fact, f"{noun}_id", f"{noun}_uuid", *bare):
                    self.scalar[name].append((fact, noun))
                if fact.endswith(("_id", "_uuid")):
                    for name in (f"{noun}_id", noun):      # `primary_cluster_id`, `attached_to_instance`
                        self.suffix[name].append((fact, noun))
                for name in (f"{noun}_ids", *(f"{f}s" for f in own_fact),
                             *((f"{noun}s", noun + "es") if bare else ())):
                    self.listed[name].append((fact, noun))

    def own(self, record: Record) -> list[str]:
        """Facts whose nouns name `record`'s objects (`vke_cluster` objects are clusters)."""
        nouns = [record.owner] if record.exact else suffixes(record.owner)
        return [f for noun in nouns for f in self.by_noun.get(noun, ())]

    def refs(self, record: Record) -> list[tuple[str, str, str]]:
        """(field, fact, noun) of the fields of `record` that refer to something."""
        out = []
        for field in sorted(record.scalars):
            hits = list(self.scalar.get(field, ()))
            for suffix in suffixes(field)[1:]:
                hits += self.suffix.get(suffix, ())
            out += [(field, fact, noun) for fact, noun in hits]
        for field in sorted(record.lists):
            out += [(field + "[]", fact, noun) for fact, noun in self.listed.get(field, ())]
        return out


def link(draft: Draft, needs: dict[str, list[Need]], records: dict[str, list[Record]],
         reveals: dict[str, dict[str, str]] | None = None, told: dict[str, set[str]] | None = None) -> None:
    """Fill `needs` and `produces` of every endpoint of `draft`, with evidence.

    `reveals` (MCP): endpoint -> noun -> evidence, for tools whose name or description
    shows they list or search those things (tools/list has no output schema). `told`:
    endpoint -> facts it may be given by an optional input, which it therefore never reveals."""
    info: dict[str, Need] = {}
    for name in draft.endpoints:
        for need in needs.get(name, ()):
            seen = info.get(need.fact)
            info[need.fact] = need if seen is None else replace(
                seen, nouns=tuple(dict.fromkeys(seen.nouns + need.nouns)),
                carriers=tuple(dict.fromkeys(seen.carriers + need.carriers)),
                refs=tuple(dict.fromkeys((seen.refs or seen.nouns) + (need.refs or need.nouns))),
                scope=tuple(dict.fromkeys(seen.scope + need.scope)))
    index = _Index(info)
    for name, ep in draft.endpoints.items():
        own = {n.fact for n in needs.get(name, ())} | (told or {}).get(name, set())
        found, kept = _revealed(records.get(name, ()), index, own)
        for fact, why in sorted(_named(reveals, name, index, own).items()):
            found.setdefault(fact, why)
        ep.produces.update(sorted(found.items()))
        ep.notes += [why for fact, why in sorted(kept.items()) if fact not in found]
    produced = {f for ep in draft.endpoints.values() for f in ep.produces}
    for name, ep in draft.endpoints.items():
        for need in needs.get(name, ()):
            if need.optional and need.fact not in produced:
                continue
            ep.needs.setdefault(need.fact, need.evidence)


def _revealed(records: list[Record] | tuple[Record, ...], index: _Index,
              own: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(fact -> evidence) of what the objects reveal, and (fact -> note) of new ones kept apart."""
    found: dict[str, str] = {}
    kept: dict[str, str] = {}
    for record in records:
        for fact in index.own(record):
            need = index.info[fact]
            if fact in own or fact in found:
                continue
            if record.own and "" not in need.scope and record.scope not in need.scope and \
                    record.owner == need.nouns[0]:
                continue        # `/object-storage/clusters` are not `/kubernetes/clusters/{id}`
            field = _carrier(record, need)
            if field and not record.created:
                found[fact] = _where(record, field)
            elif field and fact not in kept:
                kept[fact] = (f"creates a {record.owner}: {_where(record, field)} names the new one, "
                              f"kept apart from `{fact}` (an existing {record.owner})")
    for record in records:
        for field, fact, noun in index.refs(record):
            if fact in own or fact in found:
                continue
            nouns = index.info[fact].nouns
            if any(n in suffixes(record.owner) for n in (noun, *nouns)):
                continue        # an object's own field is not a reference to another
            if record.creates and any(n in suffixes(record.creates) for n in (noun, *nouns)):
                continue        # the new object a create returns
            plural = field.endswith("[]")
            found[fact] = f"{record.where}.{field} (refers to {noun + 's' if plural else 'a ' + noun})"
    return found, kept


def _named(reveals: dict[str, dict[str, str]] | None, name: str, index: _Index,
           own: set[str]) -> dict[str, str]:
    found = (reveals or {}).get(name, {})
    return {fact: why for noun, why in found.items() for fact in index.by_noun.get(noun, ())
            if fact not in own}


def _where(record: Record, field: str) -> str:
    if field == ITEM:
        return f"{record.where} (a list of {record.owner})"
    if field == KEYS:
        return f"{record.where} (the keys of a {record.owner} map)"
    if field == "name" and not {"id", "uuid"} & record.scalars:
        return f"{record.where}.name (the {record.owner} object has no id: its name names it)"
    return f"{record.where}.{field} (the {record.owner} object)"


def _carrier(record: Record, need: Need) -> str | None:
    """The field of `record` that carries `need`: one of its carriers, a field of the object
    named like the fact, or for an id of an object that has no `id`, its own `<thing>_id` field
    or else its `name`."""
    for field in need.carriers:
        if field in record.scalars:
            return field
    if need.fact in record.scalars and record.owner in need.nouns:
        return need.fact                       # an origin's own `origin_key` for `{origin_key}`
    if ITEM in record.scalars:
        return ITEM
    if KEYS in record.scalars and need.fact.endswith(("_key", "_name")):
        return KEYS                            # `{key}` under `/metadata/`: the map's keys
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
