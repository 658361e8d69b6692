"""The visible vocabulary the importers classify with, and the naming rules.

Everything a guess rests on is a table in this module, so a user who
disagrees can read it here and correct single endpoints in an overrides file.
"""

from __future__ import annotations

import re

#: HTTP method -> kind (SPEC §1). Anything else is a write.
METHOD_KIND = {"get": "read", "head": "read", "options": "read", "delete": "delete"}

#: A non-read call whose last path segment (or action `type`) holds one of these
#: words cannot be undone: `reversible: false`.
IRREVERSIBLE = frozenset({
    "rebuild", "reset", "restore", "purge", "cancel", "transfer", "rollback", "revert",
    "wipe", "erase", "destroy", "delete", "remove", "terminate", "revoke", "uninstall",
    "truncate", "drop", "discard", "overwrite", "reimage", "reinstall",
})

#: Verbs that name what a call does, not what it acts on (never a resource).
VERBS = frozenset({
    "get", "list", "create", "update", "delete", "put", "post", "patch", "set", "add",
    "remove", "show", "describe", "search", "find", "fetch", "read", "write", "manage",
    "run", "start", "stop", "restart", "reboot", "boot", "shutdown", "power", "on", "off",
    "attach", "detach", "enable", "disable", "archive", "unarchive", "mount", "unmount",
    "cordon", "uncordon", "suspend", "resume", "lock", "unlock", "exec", "signal", "wait",
    "clone", "resize", "extend", "upgrade", "import", "export", "apply", "assign",
    "unassign", "install", "validate", "commit", "view", "query", "explain", "prepare",
    "complete", "provision", "configure", "compare", "request", "submit", "merge",
    "push", "fork", "star", "unstar", "dismiss", "mark", "resolve", "unresolve",
    "reprioritize", "trigger", "by", "or", "and", "of", "for", "from", "to", "with",
    "all", "my", "me", "new", "bulk", "batch", "top", "rename", "move", "copy", "scale",
    "edit", "modify", "change", "replace", "send", "sync", "upload", "download", "refresh",
    "check", "test", "open", "close", "reopen", "approve", "reject", "invite",
} | IRREVERSIBLE)

#: Lifecycle pairs: (state-variable suffix, (value, verbs that set it), (value, verbs)).
#: The first side is the initial (normal, running) state.
LIFECYCLES = (
    ("attached", ("attached", ("attach",)), ("detached", ("detach",))),
    ("power", ("on", ("power_on", "poweron", "boot", "start")),
     ("off", ("power_off", "poweroff", "shutdown", "stop"))),
    ("enabled", ("enabled", ("enable",)), ("disabled", ("disable",))),
    ("archived", ("active", ("unarchive",)), ("archived", ("archive",))),
    ("mounted", ("mounted", ("mount",)), ("unmounted", ("unmount",))),
    ("cordoned", ("uncordoned", ("uncordon",)), ("cordoned", ("cordon",))),
    ("suspended", ("active", ("resume",)), ("suspended", ("suspend",))),
    ("locked", ("unlocked", ("unlock",)), ("locked", ("lock",))),
)

#: Response wrapper keys that hold the operation's own resource (`{data: [...]}`).
WRAPPERS = frozenset({"data", "items", "results", "result", "value", "values", "content",
                      "records", "entries", "objects", "list"})

#: Parameter names that say nothing about their resource: `{id}` under
#: `/volumes/` is `volume_id`. Value: the response fields that carry it.
GENERIC = {"id": ("id", "uuid"), "uuid": ("uuid", "id"), "identifier": ("id", "uuid"),
           "name": ("name",), "slug": ("slug",), "key": ("key",), "number": ("number",)}

#: Suffixes that make a parameter an identifier, and the response fields that carry it.
ID_SUFFIX = {"id": ("id", "uuid"), "ids": ("id", "uuid"), "uuid": ("uuid", "id"),
             "identifier": ("id", "uuid"), "name": ("name",), "slug": ("slug",),
             "number": ("number",), "key": ("key",), "urn": ("urn",), "label": ("label",)}

#: The fields that name a thing when a parameter is just the thing's name (`{bucket}`).
NAMING_FIELDS = ("name", "label", "id", "slug")

#: MCP parameters that identify something without an id-like suffix, with the
#: nouns of tools that reveal them.
NAMED = {"owner": ("user", "org", "me", "owner"), "repo": ("repo", "repository"),
         "namespace": ("namespace",), "org": ("org", "organization"),
         "organization": ("org", "organization"), "username": ("user",)}

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^A-Za-z0-9]+")
_VERSION = re.compile(r"^v\d+(beta|alpha)?\d*$", re.IGNORECASE)


def snake(text: str) -> str:
    """`Machines_list`, `linodeId`, `ssh-keys` -> `machines_list`, `linode_id`, `ssh_keys`."""
    out = _NON_WORD.sub("_", _CAMEL.sub("_", text)).strip("_").lower()
    out = re.sub(r"_+", "_", out)
    return f"n_{out}" if out[:1].isdigit() else out or "unnamed"


#: Words that end in `s` but are not plurals.
_NOT_PLURAL = frozenset({"kubernetes", "saas", "paas", "dns", "news", "series", "alias", "canvas",
                         "analytics", "gas", "bias", "nfs"})


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


def irreversible_word(text: str) -> str | None:
    """The vocabulary word in `text` (a path segment or an action name), if any."""
    for word in words(text):
        if word in IRREVERSIBLE:
            return word
    return None


def lifecycle_of(text: str) -> tuple[str, str, str] | None:
    """(variable suffix, value set, opposite value) when `text` is a lifecycle verb."""
    name = snake(text)
    for suffix, (first, first_verbs), (second, second_verbs) in LIFECYCLES:
        if name in first_verbs:
            return suffix, first, second
        if name in second_verbs:
            return suffix, second, first
    return None
