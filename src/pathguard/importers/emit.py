"""Write a draft as a readable, diffable `endpoints.yaml`, evidence in comments.

The strict schema of SPEC §1 has no room for evidence, so every guess is
explained in a `#` comment right above the field it justifies. Output is
deterministic: the same spec gives the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pathguard.importers.draft import Draft

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
#: Characters YAML cannot hold raw (non-printable) or would fold (NEL, LS, PS): escaped.
_UNSAFE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_RESERVED = frozenset({"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"})


def scalar(value: Any) -> str:
    """A YAML scalar: plain when unambiguous, else JSON-quoted (valid YAML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _flow(items: list[Any]) -> str:
    return "[" + ", ".join(scalar(i) for i in items) + "]"


def _mapping(pairs: dict[str, Any]) -> str:
    parts = []
    for key, value in pairs.items():
        shown = _flow(value) if isinstance(value, list) else scalar(value)
        parts.append(f"{scalar(key)}: {shown}")
    return "{" + ", ".join(parts) + "}"


def _comment(text: str, indent: str) -> str:
    return f"{indent}# {' '.join(text.split())}\n"


def emit(draft: Draft, header: str) -> str:
    """The text of the `endpoints.yaml` for `draft`."""
    out = [_comment(line, "") for line in header.splitlines()]
    out.append(f"system: {scalar(draft.system)}\n")
    if draft.description:
        out.append(f"description: {scalar(draft.description)}\n")
    if draft.variables:
        out.append("\nstate:\n")
        for name, var in sorted(draft.variables.items()):
            if var.why:
                out.append(_comment(var.why, "  "))
            out.append(f"  {scalar(name)}: {_mapping({'values': var.values, 'initial': var.initial})}\n")
    out.append("\nendpoints:\n")
    for name, ep in draft.endpoints.items():
        out.append(f"  {scalar(name)}:\n")
        for note in ep.notes:
            out.append(_comment(note, "    "))
        out.append(f"    description: {scalar(ep.description)}\n")
        if ep.call:
            out.append(f"    call: {scalar(ep.call)}\n")
        out.append(f"    kind: {ep.kind}\n")
        out.append(f"    resource: {scalar(ep.resource)}\n")
        if ep.reversible is not None:
            out.append(f"    reversible: {scalar(ep.reversible)}\n")
        for key, facts in (("needs", ep.needs), ("produces", ep.produces)):
            if facts:
                for fact in sorted(facts):
                    out.append(_comment(f"{key} {fact}: {facts[fact]}", "    "))
                out.append(f"    {key}: {_flow(sorted(facts))}\n")
        if ep.when:
            out.append(f"    when: {_mapping(dict(sorted(ep.when.items())))}\n")
        if ep.sets:
            out.append(f"    sets: {_mapping(dict(sorted(ep.sets.items())))}\n")
    if draft.hazards:
        out.append("\nhazards:\n")
        for name, conj in sorted(draft.hazards.items()):
            if name in draft.hazard_why:
                out.append(_comment(draft.hazard_why[name], "  "))
            out.append(f"  {scalar(name)}: {_mapping(conj)}\n")
    return "".join(out)
