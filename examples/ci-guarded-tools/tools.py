"""A tiny guarded tool module: the agent's tools for a block-storage API.

Every tool is wrapped by the guard, so a call the policy denies or holds
for approval raises before the API is touched. The API client is injected
(`configure`): the real one in production, a fake in the tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from pathguard.runtime import Guard

HERE = Path(__file__).resolve().parent
GUARD = Guard.load(HERE / "endpoints.yaml", HERE / "policy.yaml",
                   store=os.environ.get("TOOLS_STORE", "memory"))


class VolumeApi(Protocol):
    def list(self) -> list[str]: ...
    def snapshot(self, volume_id: str) -> str: ...
    def detach(self, volume_id: str) -> None: ...
    def delete(self, volume_id: str) -> None: ...


_client: list[VolumeApi] = []


def configure(client: VolumeApi) -> None:
    """Give the tools their API client."""
    _client[:] = [client]


def api() -> VolumeApi:
    if not _client:
        raise RuntimeError("tools.configure(client) was not called")
    return _client[0]


@GUARD.tool("list_volumes")
def list_volumes() -> list[str]:
    return api().list()


@GUARD.tool("snapshot_volume")
def snapshot_volume(volume_id: str) -> str:
    return api().snapshot(volume_id)


@GUARD.tool("detach_volume")
def detach_volume(volume_id: str) -> None:
    api().detach(volume_id)


@GUARD.tool("delete_volume")
def delete_volume(volume_id: str) -> None:
    api().delete(volume_id)
