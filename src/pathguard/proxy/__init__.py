"""`pathguard proxy`: the runtime guard in front of an MCP server (needs `pip install pathguard[proxy]`).

`upstream` reaches the proxied server, `model` builds the world the policy is
enforced on, `gate` decides and forwards every call, `tools` adds the proxy's
own tools, `messages` words what the agent reads, `describe` words the policy
for tool descriptions, `server` serves MCP (stdio or streamable HTTP), `run`
assembles them.
"""
