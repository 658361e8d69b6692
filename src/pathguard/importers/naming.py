"""Words and names: how the importers turn paths, operation ids and tool names into
resource nouns and fact names.

Everything a name rests on is a table or a small function here, so a user who disagrees can
read it and correct single endpoints in an overrides file.
"""

from __future__ import annotations

import re

#: Words that say what a call does, never what it acts on (so never a resource).
VERBS = frozenset({
    "get", "list", "create", "update", "delete", "put", "post", "patch", "set", "add", "remove",
    "show", "describe", "search", "find", "fetch", "read", "write", "manage", "run", "start", "stop",
    "restart", "reboot", "boot", "shutdown", "halt", "power", "attach", "detach", "enable", "disable",
    "archive", "unarchive", "mount", "unmount", "cordon", "uncordon", "suspend", "resume", "lock",
    "unlock", "exec", "signal", "wait", "clone", "resize", "extend", "upgrade", "downgrade", "import",
    "export", "apply", "assign", "unassign", "install", "uninstall", "validate", "commit", "view",
    "query", "explain", "prepare", "complete", "provision", "configure", "compare", "request",
    "submit", "merge", "push", "fork", "star", "unstar", "dismiss", "mark", "resolve", "unresolve",
    "reprioritize", "trigger", "rename", "move", "copy", "scale", "edit", "modify", "change",
    "replace", "send", "sync", "upload", "download", "refresh", "check", "test", "open", "close",
    "reopen", "approve", "reject", "invite", "rebuild", "reset", "restore", "purge", "cancel",
    "transfer", "rollback", "revert", "wipe", "erase", "destroy", "terminate", "revoke", "truncate",
    "drop", "discard", "overwrite", "reimage", "reinstall", "rotate", "regenerate", "finalize",
    "void", "refund", "capture", "evict", "recycle", "insert", "rebase", "retrieve", "lookup",
    "generate", "verify", "estimate", "preview", "count", "calculate", "activate", "deactivate",
    "reactivate", "promote", "demote", "convert", "deploy", "redeploy", "release", "renew", "pay",
    "connect", "disconnect", "invalidate", "expire", "schedule", "unschedule", "toggle", "bulk",
    "batch", "aggregate", "poweroff", "poweron", "reauthorize", "remind", "record",
})

#: Words that join a verb to its object or qualify it; a tool name's object is before them.
PREPOSITIONS = frozenset({"from", "to", "with", "for", "in", "of", "by", "on", "into", "at", "as", "via"})

#: Filler words of tool names (`delete_many`, `get_all_x`).
FILLER = frozenset({"many", "all", "my", "me", "new", "top", "one", "single", "or", "and", "the",
                    "a", "an", "bulk", "batch", "multiple", "details", "info", "information"})

#: Response keys that hold the operation's own resource (`{data: [...]}`, SCIM `Resources`).
WRAPPERS = frozenset({"data", "items", "results", "result", "value", "values", "content", "records",
                      "entries", "objects", "list", "resources", "hits", "rows"})

#: Parameter names that say nothing about their resource: `{id}` under `/volumes/` is
#: `volume_id`. Value: the response fields that carry it.
GENERIC = {"id": ("id", "uuid"), "uuid": ("uuid", "id"), "identifier": ("id", "uuid"),
           "name": ("name",), "slug": ("slug",), "key": ("key",), "number": ("number",)}

#: Suffixes that make a parameter an identifier, and the response fields that carry it.
ID_SUFFIX = {"id": ("id", "uuid"), "ids": ("id", "uuid"), "uuid": ("uuid", "id"),
             "identifier": ("id", "uuid"), "name": ("name",), "slug": ("slug",),
             "number": ("number",), "key": ("key",), "urn": ("urn",), "label": ("label",)}

#: The fields that name a thing when a parameter is just the thing's name (`{bucket}`).
NAMING_FIELDS = ("name", "label", "id", "slug")

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")
_VERSION = re.compile(r"^v\d+(beta|alpha)?\d*$", re.IGNORECASE)

#: Words that end in `s` but are not plurals.
_NOT_PLURAL = frozenset({"kubernetes", "saas", "paas", "dns", "news", "series", "alias", "canvas",
                         "analytics", "gas", "bias", "nfs", "status", "access", "address", "cors",
                         "https", "dbaas", "sos", "stats", "metrics", "settings", "tls", "aws", "gcs"})


def snake(text: str) -> str:
    """`Machines_list`, `linodeId`, `ssh-keys` -> `machines_list`, `linode_id`, `ssh_keys`."""
    out = _NON_WORD.sub("_", _CAMEL.sub("_", text)).strip("_").lower()
    out = re.sub(r"_+", "_", out)
    return f"n_{out}" if out[:1].isdigit() else out or "unnamed"


def singular(word: str) -> str:
    """A cheap English singular of the last word, good enough for resource names."""
    head, _, last = word.rpartition("_")
    if last in _NOT_PLURAL or last.endswith(("ss", "us", "is")) or len(last) < 3:
        return word
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("sses", "shes", "ches", "xes")):
        last = last[:-2]
    elif last.endswith("s"):
        last = last[:-1]
    return f"{head}_{last}" if head else last


def is_version(segment: str) -> bool:
    return bool(_VERSION.match(segment))


def words(text: str) -> list[str]:
    return [w for w in snake(text).split("_") if w]


def verb_words(op_id: str) -> list[str]:
    """The words of an operation id that can be its verb: every word of its `snake`, `kebab`
    or `dotted` parts, but of a camel-case part only the first (`getCluster`, `DeleteCluster`),
    since later humps are nouns: `applePay` pays nothing, `PayPal` is a name."""
    out: list[str] = []
    for token in _NON_WORD.split(op_id):
        parts = words(token)
        if not _CAMEL.search(token):
            out += parts
        else:   # `postRebuildLinodeInstance`: an HTTP method first, then the verb
            method = bool(parts) and parts[0] in ("get", "post", "put", "patch", "head")
            out += parts[:2] if method else parts[:1]
    return out


def same_noun(owner: str, noun: str) -> bool:
    """Whether objects called `owner` are the `noun` a parameter names: the same noun, or a
    qualified form of it (`vke_cluster` objects are clusters)."""
    return owner == noun or owner.endswith("_" + noun)


def object_phrase(name_words: list[str]) -> list[str]:
    """The object of a tool name: the words after its leading verb (known or not, when the name
    does not end in a verb: `rebase_branch`), before a preposition, without verbs and filler
    (`pods_delete` -> [pods], `reset_from_parent` -> [], `delete-many` -> [])."""
    rest = _compounds(name_words)
    if len(rest) > 1 and rest[-1] not in VERBS:
        rest = rest[1:]
    cut = next((i for i, w in enumerate(rest) if w in PREPOSITIONS), len(rest))
    return [w for w in rest[:cut] if w not in VERBS and w not in FILLER]


#: Two-word nouns kept whole when they end a tool's object (`merge_pull_request` -> pull_request).
COMPOUNDS = frozenset({"pull_request", "merge_request", "api_key", "ssh_key", "access_token",
                       "payment_intent", "payment_link", "payment_method", "invoice_item",
                       "sub_issue", "pipeline_run", "node_pool", "service_account", "security_group",
                       "load_balancer", "floating_ip", "connection_string", "code_scanning",
                       "secret_scanning", "task_run", "credit_note", "setup_intent"})


def _compounds(ws: list[str]) -> list[str]:
    """`[merge, pull, request]` -> `[merge, pull_request]`: compound nouns as one word."""
    out: list[str] = []
    for w in ws:
        if out and singular(f"{out[-1]}_{w}") in COMPOUNDS:
            out[-1] = f"{out[-1]}_{w}"
        else:
            out.append(w)
    return out


def phrase_noun(phrase: list[str]) -> str | None:
    """The resource noun of an object phrase: its last word, singular, or a compound noun."""
    if not phrase:
        return None
    pair = singular("_".join(phrase[-2:])) if len(phrase) > 1 else ""
    return pair if pair in COMPOUNDS else singular(phrase[-1])
