"""Agent-framework adapters: the framework's tool calls go through a Guard session.

`langgraph` (pip install pathguard[langgraph]) wraps LangGraph's `ToolNode`;
`words` holds the texts an agent reads when a call did not run, shared with
the MCP proxy. Each adapter imports its framework only when it is imported.
"""
