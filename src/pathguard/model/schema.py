"""The shape of `endpoints.yaml` (SPEC §1) as pydantic v2 models.

Shape only: cross-references (a `when` naming an unknown variable, a value
outside its domain) are checked in `load.py`, where every problem of the
file is collected before anything is reported.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

Scalar = StrictStr | StrictInt | StrictBool
Kind = Literal["read", "write", "delete"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VariableSpec(_Strict):
    values: list[Scalar] = Field(min_length=1)
    initial: Scalar


class EndpointSpec(_Strict):
    description: StrictStr = ""
    call: StrictStr | None = None
    kind: Kind
    resource: StrictStr
    needs: list[StrictStr] = []
    produces: list[StrictStr] = []
    when: dict[StrictStr, Scalar | list[Scalar]] = {}
    sets: dict[StrictStr, Scalar] = {}
    reversible: StrictBool | None = None


class WorldSpec(_Strict):
    system: StrictStr = Field(min_length=1)
    description: StrictStr = ""
    state: dict[StrictStr, VariableSpec] = {}
    knowledge: list[StrictStr] = []
    secret: list[StrictStr] = []
    endpoints: dict[StrictStr, EndpointSpec] = Field(min_length=1)
    entry: list[StrictStr] | None = None
    hazards: dict[StrictStr, dict[StrictStr, Scalar | list[Scalar]]] = {}
