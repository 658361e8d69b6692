"""One agent process on the store API, for the multi-process tests and benchmarks:
`python store_agent.py URL SCOPE CALLS NAME` opens session NAME, prints `ready`, waits for a line
on stdin, then makes CALLS durable scoped checks (CALLS = 0: until killed) and prints
`allowed rows`. A check whose store call fails is counted as denied, as the runtime would."""

from __future__ import annotations

import sys
import time

from pathguard.store import ActionRow, SessionRow, StoreError, open_store


def main() -> None:
    url, scope, calls, name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    store = open_store(url)
    store.open_session(SessionRow(name, f"agent-{name}", "snapshot volumes", time.time()))
    print("ready", flush=True)
    sys.stdin.readline()
    allowed = rows = 0
    seq = 0
    while calls == 0 or seq < calls:
        seq += 1
        row = ActionRow(name, seq, time.time(), "snapshot_volume", {"volume_id": f"v{seq}"}, "allow",
                        ("default: allow",), None)
        try:
            allowed += store.reserve_append(scope, row, row._replace(effect="deny", reasons=("used up",)),
                                            durable=True)
            rows += 1
        except StoreError as exc:
            print(f"store error: {exc}", file=sys.stderr)
    print(allowed, rows, flush=True)
    store.close()


if __name__ == "__main__":
    main()
