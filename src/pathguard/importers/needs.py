"""Which fact a parameter names: one name per thing, whatever the parameter is called.

- `{id}`, `{uuid}`, `{name}` name the resource of the segment before them: `{id}` under
  `/volumes/` is `volume_id`.
- `{volume_id}`, `{linodeId}` are ids of their stem; a stem that gives the segment's noun a
  role is that noun (`{destination_cluster_id}` under `/clusters/` is `cluster_id`), and so is a
  stem the segment's noun qualifies (`{domain-id}` under `/dns-domain/` is `dns_domain_id`); a
  stem that is a more specific noun stays itself (`{firewall-rule-id}` under `/rules/`), and a
  stem that only says "the thing" is the segment's noun (`{service-name}` under
  `/dbaas-postgres/` is `dbaas_postgre_name`, apart from the same parameter under `/dbaas-kafka/`).
  References from other objects are read by the stem only (`{vke-id}` under `/clusters/` is
  not any object's `cluster_id`).
- `{intent}` under `/payment_intents/`, `{zone}` under `/zones/` are the resource itself: its
  id when the parameter says it is an id (`format: uuid`, "ID of the ..."), else its name
  (carried by a field of that name, `name`, `slug`, ...).
- a parameter named after the segment's noun and one of its fields (`{paymentPspReference}`
  under `/payments/`) is carried by that field of the segment's objects (`psp_reference`);
- anything else (`{username}` under `/members/`) is its own fact, carried by a field of its
  name on the segment's objects (`members[].username`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from pathguard.importers import naming
from pathguard.importers.facts import ITEM, Need
from pathguard.importers.refs import as_dict
from pathguard.importers.schemas import Schemas

_SAYS_ID = re.compile(r"\b(id|ids|identifier|uuid)\b", re.IGNORECASE)
#: Stems that say only "the thing" (`{service-name}`, `{resource-id}`): under a collection they
#: name that collection's object, and stay apart from the same parameter under another one.
GENERIC_THINGS = frozenset({"service", "resource", "object", "item", "entity", "record"})
#: Words that give a noun a role without making it another kind of thing.
ROLE_WORDS = frozenset({"source", "destination", "target", "parent", "child", "primary", "standby",
                        "secondary", "new", "old", "current", "default", "base", "head", "temporary",
                        "other", "peer", "remote", "local", "origin", "upstream", "src", "dst", "dest"})


def scope_of(segs: list[Any], end: int) -> str:
    """The literal segment above the last literal segment before `end` (see openapi.scope_of)."""
    literal = [naming.snake(s.text) for s in segs[:end] if not s.param and not s.action]
    return literal[-2] if len(literal) > 1 else ""


def path_needs(schemas: Schemas, segs: list[Any], params: list[dict[str, Any]], body: Any,
               resource: str) -> list[Need]:
    """The facts an operation needs: its identifying path parameters, and the required body
    fields that end in `_id` (kept only if some operation produces them)."""
    by_name = {str(p["name"]): p for p in params if p.get("in") == "path"}
    out: list[Need] = []
    for i, seg in enumerate(segs):
        if not seg.param:
            continue
        p = by_name.get(seg.text, {})
        schema = as_dict(schemas.node(p.get("schema")))
        if not is_identifier(seg.text, schema):
            continue
        before = segs[i - 1] if i else None
        noun = naming.singular(naming.snake(before.text)) if before is not None and not before.param \
            else resource
        said = f"{p.get('description') or ''} {schema.get('description') or ''} {schema.get('format') or ''}"
        need = identifier(seg.text, noun, f"path parameter `{{{seg.text}}}`",
                          says_id=bool(_SAYS_ID.search(said)), under=before is not None and not before.param)
        out.append(replace(need, scope=(scope_of(segs, i),)))
    if body is not None:
        props = schemas.refs.properties(body)
        for prop in sorted(schemas.refs.required(body)):
            ws = naming.words(prop)
            if prop in props and ws and ws[-1] in ("id", "ids", "uuid"):
                need = identifier(prop, resource, f"required body field `{prop}`", scoped=False)
                out.append(replace(need, optional=True))
    return out


def is_identifier(param: str, schema: dict[str, Any]) -> bool:
    """A path parameter names something to learn unless it is picked from a fixed list
    (`enum`), a date, or a number that does not call itself an id (`{year}`)."""
    if "enum" in schema or schema.get("format") in ("date", "date-time"):
        return False
    ws = naming.words(param)
    return schema.get("type") not in ("integer", "number", "boolean") or (
        bool(ws) and (ws[-1] in naming.ID_SUFFIX or naming.snake(param) in naming.GENERIC))


def identifier(param: str, noun: str, evidence: str, *, scoped: bool = True, says_id: bool = False,
               under: bool = False) -> Need:
    """The fact `param` names, found under the segment `noun` (see the module docstring);
    `under`: `noun` is the literal collection segment right before the parameter."""
    name = naming.snake(param)
    if name in naming.GENERIC:
        return Need(name if name == noun else f"{noun}_{name}", (noun,), naming.GENERIC[name], evidence)
    parts = name.split("_")
    if parts[-1] == "ids":
        parts[-1] = "id"
    if len(parts) > 1 and parts[-1] in naming.ID_SUFFIX:
        stem, suffix = "_".join(parts[:-1]), parts[-1]
        carriers = naming.ID_SUFFIX[suffix]
        role = stem.endswith("_" + noun) and stem[: -len(noun) - 1] in ROLE_WORDS
        if scoped and (stem == noun or role or noun.endswith("_" + stem)):
            nouns = tuple(dict.fromkeys((noun, stem)))
            return Need(f"{noun}_{suffix}", nouns, carriers, evidence, refs=(noun,))
        if scoped and stem.endswith("_" + noun):
            return Need(f"{stem}_{suffix}", (stem,), carriers, evidence)
        if under and stem in GENERIC_THINGS:  # `{service-name}` under `/dbaas-postgres/`
            return Need(f"{noun}_{suffix}", (noun, stem), carriers, evidence, refs=(noun,))
        nouns = (noun, stem) if scoped else (stem,)
        return Need(f"{stem}_{suffix}", tuple(dict.fromkeys(nouns)), carriers, evidence, refs=(stem,))
    if scoped and (name == noun or noun.endswith("_" + name) or name.endswith("_" + noun)):
        if says_id:
            return Need(f"{noun}_id", (noun,), ("id", "uuid", ITEM), evidence)
        return Need(name, (noun,), tuple(dict.fromkeys((name, noun, *naming.NAMING_FIELDS))), evidence)
    if scoped and name.startswith(noun + "_"):  # `{paymentPspReference}` under `/payments/`: a field
        field = name[len(noun) + 1:]             # of the payment objects, `psp_reference`
        return Need(name, (noun,), tuple(dict.fromkeys((name, field))), evidence)
    nouns = (noun, naming.singular(name)) if scoped else (naming.singular(name),)
    return Need(name, tuple(dict.fromkeys(nouns)), tuple(dict.fromkeys((name, parts[-1]))), evidence)
