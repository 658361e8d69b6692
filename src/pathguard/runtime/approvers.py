"""Approvers are identities with keys, not names (SPEC §3).

Each approver holds an Ed25519 private key; the guard trusts a *keyring* that
maps approver names to their public keys (`approvers.yaml`, kept where the
agent cannot write it, like the policy). A decision on a request is a signed
statement naming the request, the exact call (session, tree root, endpoint,
canonical parameters), the verdict, the approver and the time. The runtime
uses a grant only when its signature verifies under the key the keyring holds
for its approver, so an agent with full access to the store and its own code
still cannot produce one: it has no approver's private key.

    approvers:                 # approvers.yaml: name -> public key
      alice: ed25519:MCowBQYDK2VwAyEA...

`pathguard approvers keygen NAME` makes a key pair and adds the public key to the
keyring; `pathguard approvals approve ID --as NAME --key NAME.key` signs.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr

from pathguard.errors import InputError, PathguardError, Problem
from pathguard.runtime.identity import IdentityError, identities
from pathguard.semantics.params import canonical_json
from pathguard.store.base import ApprovalRow

PREFIX = "ed25519:"
STATEMENT = "pathguard-approval-v1"


class KeyringSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    approvers: dict[StrictStr, StrictStr] = {}


def _public(text: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not text.startswith(PREFIX):
        raise ValueError(f"a public key is written `{PREFIX}BASE64`")
    raw = base64.b64decode(text[len(PREFIX):], validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def fingerprint(public_text: str) -> str:
    """A short, stable name for a public key (sha256 of its text, 16 hex digits)."""
    return hashlib.sha256(public_text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """Approver names -> public keys (`ed25519:BASE64`), no two names one identity."""

    keys: dict[str, str]
    file: str = "<memory>"

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for name, key in self.keys.items():
            _public(key)
            for k in identities(name):
                if k in seen and seen[k] != name:
                    raise PathguardError(f"keyring {self.file}: `{name}` and `{seen[k]}` read as the same "
                                         "identity: rename one of them")
                seen[k] = name

    @classmethod
    def load(cls, path: str | Path) -> Keyring:
        """Read `approvers.yaml`; every problem located (file, line, field)."""
        from pathguard.source import read_document
        from pathguard.validation import validate

        doc = read_document(path)
        spec = validate(KeyringSpec, doc)
        problems = []
        for name, key in spec.approvers.items():
            try:
                identities(name)
                _public(key)
            except (IdentityError, ValueError) as exc:
                problems.append(doc.problem(("approvers", name), "invalid", str(exc)))
        if problems:
            raise InputError(problems)
        try:
            return cls(dict(spec.approvers), str(path))
        except PathguardError as exc:
            raise InputError([doc.problem(("approvers",), "duplicate-identity", str(exc))]) from None

    def public_key(self, name: str) -> str | None:
        return self.keys.get(name)

    def dump(self) -> str:
        import yaml

        return yaml.safe_dump({"approvers": dict(sorted(self.keys.items()))}, sort_keys=False)


@dataclass(frozen=True)
class Approver:
    """A name and the private key that proves it (PKCS#8 PEM)."""

    name: str
    private_pem: bytes

    @classmethod
    def generate(cls, name: str) -> Approver:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        identities(name)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return cls(name, pem)

    @classmethod
    def load(cls, name: str, key_file: str | Path) -> Approver:
        try:
            pem = Path(key_file).read_bytes()
        except OSError as exc:
            problem = Problem(str(key_file), None, "", "io", f"cannot read the key: {exc.strerror}")
            raise InputError([problem]) from None
        approver = cls(name, pem)
        approver._key()  # refuses a file that is no Ed25519 private key
        return approver

    def _key(self) -> Any:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        try:
            key = serialization.load_pem_private_key(self.private_pem, password=None)
        except (ValueError, TypeError) as exc:
            raise PathguardError(f"not an unencrypted PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise PathguardError("the approver's key must be an Ed25519 key")
        return key

    @property
    def public_text(self) -> str:
        from cryptography.hazmat.primitives import serialization

        raw = self._key().public_key().public_bytes(serialization.Encoding.Raw,
                                                    serialization.PublicFormat.Raw)
        return PREFIX + base64.b64encode(raw).decode()

    def sign(self, row: ApprovalRow, decision: str, at: float) -> str:
        return base64.b64encode(self._key().sign(statement(row, decision, self.name, at))).decode()

    def write_private(self, path: Path) -> None:
        """The private key file, readable by its owner only, created whole or not at all."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(self.private_pem)


def statement(row: ApprovalRow, decision: str, approver: str, at: float) -> bytes:
    """What an approver signs: the request, the exact call, the verdict, who and when."""
    lines = [STATEMENT, f"id={row.id}", f"call={row.call_hash}", f"session={row.session_id}",
             f"root={row.root}", f"endpoint={row.endpoint}", f"kind={row.kind}",
             f"params={canonical_json(row.params)}", f"decision={decision}", f"approver={approver}",
             f"at={at!r}"]
    return "\n".join(lines).encode()


def verify(keyring: Keyring, row: ApprovalRow) -> str | None:
    """Why a decided request's signature does not prove its approver, or None when it does."""
    from cryptography.exceptions import InvalidSignature

    if row.decided_by is None or row.decided_at is None or row.signature is None:
        return "it carries no signature"
    public = keyring.public_key(row.decided_by)
    if public is None:
        return f"`{row.decided_by}` is not in the keyring {keyring.file}"
    if row.decided_key is not None and row.decided_key != fingerprint(public):
        return f"it was signed with another key than the keyring's for `{row.decided_by}`"
    try:
        _public(public).verify(base64.b64decode(row.signature, validate=True),
                               statement(row, row.status if row.status != "used" else "granted",
                                         row.decided_by, row.decided_at))
    except (InvalidSignature, ValueError):
        return f"its signature does not verify under `{row.decided_by}`'s key"
    return None
