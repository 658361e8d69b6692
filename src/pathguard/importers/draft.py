"""The importers' working form of a world model, with evidence for every guess.

A `Draft` is what `openapi.py` and `mcp.py` build, `facts.py`, `state.py` and
`overrides.py` refine, and `emit.py` writes. Evidence strings travel with the
fields they justify so the generated file and the report can show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pathguard.errors import Problem


@dataclass
class DraftEndpoint:
    """One endpoint being inferred; `*_why` hold the evidence of each guess."""

    name: str
    kind: str
    resource: str
    description: str = ""
    call: str | None = None
    needs: dict[str, str] = field(default_factory=dict)        # fact -> evidence
    produces: dict[str, str] = field(default_factory=dict)     # fact -> evidence
    when: dict[str, Any] = field(default_factory=dict)
    sets: dict[str, str] = field(default_factory=dict)
    reversible: bool | None = None
    klass: str | None = None                                   # destructive class (classify.py)
    notes: list[str] = field(default_factory=list)             # classification evidence
    from_default: bool = False                                 # MCP: kind came from a default
    overridden: set[str] = field(default_factory=set)          # fields an overrides file set

    @property
    def destructive(self) -> bool:
        return self.kind == "delete" or self.reversible is False


@dataclass
class Variable:
    values: list[str]
    initial: str
    why: str = ""


@dataclass
class Draft:
    """A whole world model under construction."""

    system: str
    description: str = ""
    source: str = ""
    variables: dict[str, Variable] = field(default_factory=dict)
    endpoints: dict[str, DraftEndpoint] = field(default_factory=dict)
    hazards: dict[str, dict[str, str]] = field(default_factory=dict)
    hazard_why: dict[str, str] = field(default_factory=dict)
    report: list[str] = field(default_factory=list)             # extra lines for the import report
    problems: list[Problem] = field(default_factory=list)       # operations skipped, with why

    def document(self) -> dict[str, Any]:
        """The plain data of the `endpoints.yaml` this draft stands for."""
        endpoints: dict[str, Any] = {}
        for name, ep in self.endpoints.items():
            body: dict[str, Any] = {"description": ep.description}
            if ep.call:
                body["call"] = ep.call
            body["kind"] = ep.kind
            body["resource"] = ep.resource
            if ep.reversible is not None:
                body["reversible"] = ep.reversible
            if ep.needs:
                body["needs"] = sorted(ep.needs)
            if ep.produces:
                body["produces"] = sorted(ep.produces)
            if ep.when:
                body["when"] = dict(sorted(ep.when.items()))
            if ep.sets:
                body["sets"] = dict(sorted(ep.sets.items()))
            endpoints[name] = body
        data: dict[str, Any] = {"system": self.system}
        if self.description:
            data["description"] = self.description
        if self.variables:
            data["state"] = {n: {"values": list(v.values), "initial": v.initial}
                             for n, v in sorted(self.variables.items())}
        data["endpoints"] = endpoints
        if self.hazards:
            data["hazards"] = {h: dict(c) for h, c in sorted(self.hazards.items())}
        return data
