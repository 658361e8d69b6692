"""`pathguard approvals list|approve|deny`: decide pending calls out of band.

The approver names themself with `--as` and proves it with their private key
(`--key`): the decision is signed, and a guard uses a grant only when the
signature verifies under the key its keyring holds for that name. Any agent
of the requesting session tree is refused, whatever its spelling. Exit 0 on
success, 2 when the request cannot be decided (unknown, not pending, expired,
a barred identity, a key that is not the approver's)."""

from __future__ import annotations

import argparse
import json
import os
import time

from pathguard.runtime.approvals import decide_request
from pathguard.runtime.approvers import Approver, Keyring
from pathguard.store.base import APPROVAL_STATES, DEFAULT_URL, ApprovalRow, open_store


def add_store(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default=os.environ.get("PATHGUARD_STORE", DEFAULT_URL), metavar="URL",
                   help="trace store: sqlite:///file.db or postgresql://... "
                   "(default: $PATHGUARD_STORE or sqlite:///pathguard.db)")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = subparsers.add_parser("approvals", help="list, approve or deny calls waiting for approval",
                              description="Out-of-band approvals of guarded calls: each request is one "
                              "exact call (session, endpoint, parameters), granted once.")
    actions = p.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list requests (pending ones by default)")
    listing.add_argument("--status", choices=[*APPROVAL_STATES, "all"], default="pending")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    add_store(listing)
    for name, verb in (("approve", "grant"), ("deny", "refuse")):
        q = actions.add_parser(name, help=f"{verb} one pending request")
        q.add_argument("id", type=int, help="the request id (see `approvals list`)")
        q.add_argument("--as", dest="approver", required=True, metavar="NAME",
                       help="who decides (never an agent of the requesting session tree)")
        q.add_argument("--key", required=True, metavar="FILE",
                       help="the approver's Ed25519 private key (made by `pathguard approvers keygen`)")
        q.add_argument("--keyring", default=os.environ.get("PATHGUARD_KEYRING"), metavar="FILE",
                       help="check the key against this keyring first (default: $PATHGUARD_KEYRING)")
        add_store(q)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    store = open_store(args.store, create=False)
    try:
        if args.action == "list":
            rows = store.approvals(None if args.status == "all" else args.status)
            if args.format == "json":
                print(json.dumps([r._asdict() for r in rows], indent=2))
            else:
                print_rows(rows)
            return 0
        approver = Approver.load(args.approver, args.key)
        keyring = Keyring.load(args.keyring) if args.keyring else None
        row = decide_request(store, args.id, approver, args.action == "approve", time.time(), keyring=keyring)
        print(f"request #{row.id} {row.status} by {row.decided_by}: {row.endpoint} "
              f"{json.dumps(row.params, sort_keys=True)} (session {row.session_id}, agent {row.agent})")
        return 0
    finally:
        store.close()


def print_rows(rows: list[ApprovalRow]) -> None:
    if not rows:
        print("no requests")
        return
    now = time.time()
    for r in rows:
        left = f", expires in {r.expires - now:.0f} s" if r.status == "pending" else ""
        by = f" by {r.decided_by}" if r.decided_by else ""
        print(f"#{r.id} {r.status}{by} [{r.kind}] {r.endpoint} {json.dumps(r.params, sort_keys=True)}")
        print(f"    agent {r.agent}, session {r.session_id}{left}")
        for reason in r.reasons:
            print(f"    - {reason}")
