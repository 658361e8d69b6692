"""`pathguard approvers keygen NAME`: an approver's key pair, the public half in the keyring.

The private key is written to `DIR/NAME.key` (mode 0600, never overwritten);
the public key is added to the keyring file the guard trusts (`--keyring`,
default `approvers.yaml`), rewritten whole or not at all. Keep the keyring where
agents cannot write it, as you keep the policy; give each approver only their
own private key. `pathguard approvers list` shows the keyring with each key's
fingerprint.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from pathguard.cli.common import write_atomic
from pathguard.errors import InputError, PathguardError, Problem
from pathguard.runtime.approvers import Approver, Keyring, fingerprint
from pathguard.runtime.identity import same_identity

DEFAULT_KEYRING = "approvers.yaml"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = subparsers.add_parser("approvers", help="make approver keys and keep the keyring a guard trusts",
                              description=__doc__)
    actions = p.add_subparsers(dest="action", required=True)
    keygen = actions.add_parser("keygen", help="make a key pair for an approver")
    keygen.add_argument("name", help="the approver's name (what `approvals approve --as` gives)")
    keygen.add_argument("--out", default=".", metavar="DIR", help="where NAME.key is written (default .)")
    for q in (keygen, actions.add_parser("list", help="the approvers of a keyring, with key fingerprints")):
        q.add_argument("--keyring", default=os.environ.get("PATHGUARD_KEYRING", DEFAULT_KEYRING),
                       metavar="FILE",
                       help=f"the keyring file (default $PATHGUARD_KEYRING or {DEFAULT_KEYRING})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = Path(args.keyring)
    if args.action == "list":
        keyring = Keyring.load(path)
        for name, key in sorted(keyring.keys.items()):
            print(f"{name}  {fingerprint(key)}")
        return 0
    keyring = Keyring.load(path) if path.exists() else Keyring({}, str(path))
    clash = next((n for n in keyring.keys if same_identity(n, args.name)), None)
    if clash is not None:
        raise PathguardError(f"`{args.name}` reads as `{clash}`, already in {path}: choose another name")
    out = Path(args.out)
    if not out.is_dir():
        raise InputError([Problem(str(out), None, "--out", "io", "no such directory")])
    key_file = out / f"{args.name}.key"
    approver = Approver.generate(args.name)
    try:
        approver.write_private(key_file)
    except FileExistsError:
        raise PathguardError(f"{key_file} exists: an approver's key is never overwritten") from None
    except OSError as exc:
        raise InputError([Problem(str(key_file), None, "", "io", f"cannot write: {exc.strerror}")]) from None
    updated = Keyring({**keyring.keys, args.name: approver.public_text}, str(path))
    write_atomic(path, updated.dump())
    print(f"approver `{args.name}`: private key {key_file} (keep it to yourself), public key "
          f"{fingerprint(approver.public_text)} added to {path}")
    return 0
