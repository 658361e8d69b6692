"""`pathguard trace list|show`: audit the AgentTrace/ActionTrace records of guarded sessions."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime

from pathguard.cli.approvals import add_store
from pathguard.errors import PathguardError
from pathguard.store.base import SessionRow, SessionTrace, open_store


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = subparsers.add_parser("trace", help="audit recorded sessions",
                              description="List guarded sessions, or show one with every action, its "
                              "decision, reasons, result, latency, token cost and intent deviation.")
    actions = p.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="recent sessions, newest first")
    listing.add_argument("--agent", help="only this agent's sessions")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    add_store(listing)
    show = actions.add_parser("show", help="one session in full")
    show.add_argument("session", help="a session id (a unique prefix is enough)")
    show.add_argument("--format", choices=["text", "json"], default="text")
    add_store(show)
    p.set_defaults(func=run)


def when(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def run(args: argparse.Namespace) -> int:
    store = open_store(args.store, create=False)
    try:
        if args.action == "list":
            rows = store.sessions(args.limit, args.agent)
            if args.format == "json":
                print(json.dumps([asdict(r) for r in rows], indent=2))
            else:
                print_sessions(rows)
            return 0
        trace = store.session(args.session)
        if trace is None:
            matches = [r.session_id for r in store.sessions(10_000) if r.session_id.startswith(args.session)]
            if len(matches) != 1:
                raise PathguardError(f"no session `{args.session}`" if not matches else
                                     f"`{args.session}` matches {len(matches)} sessions: give more of the id")
            trace = store.session(matches[0])
            assert trace is not None
        if args.format == "json":
            print(json.dumps({"session": asdict(trace.session),
                              "actions": [a._asdict() for a in trace.actions],
                              "alerts": [asdict(a) for a in trace.alerts]}, indent=2))
        else:
            print_trace(trace)
        return 0
    finally:
        store.close()


def print_sessions(rows: list[SessionRow]) -> None:
    if not rows:
        print("no sessions")
    for r in rows:
        parent = f" (sub-agent of {r.parent[:12]})" if r.parent else ""
        print(f"{r.session_id}  {when(r.started)}  {r.final_state:<9}  {r.agent}{parent}: {r.intent}")


def print_trace(trace: SessionTrace) -> None:
    s = trace.session
    print(f"session {s.session_id}  agent {s.agent}  policy {s.policy}")
    print(f"intent: {s.intent}")
    if s.parent:
        print(f"parent: {s.parent}")
    print(f"started {when(s.started)}  ended {when(s.ended)}  final state: {s.final_state}")
    print(f"{len(trace.actions)} actions (deviation in percent points of intent similarity lost):")
    for a in trace.actions:
        extra = []
        if a.result is not None:
            extra.append(f"result {a.result}")
        if a.latency_ms is not None:
            extra.append(f"{a.latency_ms:.1f} ms")
        if a.token_cost is not None:
            extra.append(f"{a.token_cost} tokens")
        deviation = "-" if a.deviation is None else f"{a.deviation:.1f}"
        print(f"  {a.seq:>3} {when(a.ts)} {a.effect:<8} {a.endpoint} {json.dumps(a.params, sort_keys=True)}"
              f"  deviation {deviation}" + (f"  ({', '.join(extra)})" if extra else ""))
        for reason in a.reasons:
            print(f"        - {reason}")
    if trace.alerts:
        print("alerts:")
        for alert in trace.alerts:
            print(f"  {when(alert.ts)} [{alert.kind}] {alert.text}")
