"""One agent process for the shared-budget test: `python pg_agent.py URL ENDPOINTS N` makes N
write checks in one session against the team scope and prints `allowed session_id`."""

from __future__ import annotations

import sys

from pathguard.runtime import Guard


def main() -> None:
    url, endpoints, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    guard = Guard.load(endpoints, None, store=url, scope="team", scope_limit=60)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()  # start together
    allowed = 0
    with guard.session(agent=f"agent-{sys.argv[4]}", intent="snapshot volumes") as s:
        for i in range(calls):
            allowed += s.check("snapshot_volume", {"volume_id": f"v{i}"}).allowed
    print(allowed, s.session_id)
    guard.close()


if __name__ == "__main__":
    main()
