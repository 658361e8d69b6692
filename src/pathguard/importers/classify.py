"""Is a call destructive, of which class, and why: one classifier for OpenAPI operations
and MCP tools, reading everything the spec says.

Evidence, strongest first: the verb of the call (path action, operation id or tool name,
first word of the summary), a flag or enum value of its input that selects a destructive
variant, a description that says what it destroys, and for MCP the server's annotations,
which are hints cross-checked with the rest (a `readOnlyHint` on a tool named `drop_table` is
not believed). The tables are in `vocab.py`; each decision carries the entry it used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pathguard.importers import naming, vocab
from pathguard.importers.naming import words

_IRREVERSIBLE = next(p for k, p in vocab.PHRASES if k == "irreversible")
#: Order of preference when a call shows more than one class.
_ORDER = ("delete", "data-loss", "money", "credential", "outage", "irreversible")
#: A flag named `delete_protection` guards against the verb it names.
_GUARDS = frozenset({"protection", "protected", "lock", "locked", "safeguard", "guard", "prevention"})
_UPDATE_VERBS = frozenset({"update", "set", "replace", "change", "put", "patch", "modify", "edit"})


@dataclass(frozen=True)
class Flag:
    """One input of a call: a body field, query parameter or MCP argument."""

    name: str                     # snake case
    type: str | None
    description: str = ""
    enum: tuple[str, ...] = ()
    read_only: bool = False


@dataclass
class Signals:
    """What the spec says about one call."""

    method: str                   # get, post, ..., or "tool" for MCP
    verb_words: list[str]         # operation id / tool name / path action words, snake
    summary: str = ""
    description: str = ""
    collection: str | None = None  # last literal path segment, snake (OpenAPI)
    tail: str | None = None       # the last path segment when it is literal (`/users/{id}/password`)
    on_item: bool = False         # the path names one existing resource
    top_level: bool = False       # ... directly under a top-level collection (`/apps/{id}`)
    path_words: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)


@dataclass
class Verdict:
    klass: str | None             # destructive class, or None
    why: str
    unlink: bool = False          # a removal of a link between two surviving objects
    loses_nothing: bool = False   # a DELETE that resets a field to its default or releases a lease
    query: bool = False           # a POST that only reads


def _norm(text: str) -> list[str]:
    return words(re.sub(r"power[\s_-]+off", "poweroff", text, flags=re.IGNORECASE))


def verb_class(ws: list[str], context: set[str]) -> tuple[str, str] | None:
    """(class, verb) of the destructive verb among `ws`, judged with the call's other words."""
    found: list[tuple[str, str]] = []
    for w in ws:
        klass = vocab.VERB_CLASS.get(w)
        if w == "close" and context & vocab.CLOSABLE:
            klass = "irreversible"                        # close an account, not an issue
        if w in vocab.MONEY_VERBS:
            if context & vocab.PAYMENT_WORDS:
                klass = "money"
            elif w in ("cancel", "transfer") and (w == "transfer" or context & vocab.ONE_WAY_CANCEL):
                klass = "irreversible"
        if klass is None:
            continue
        if w in vocab.PENDING and context & vocab.UNDO_VERBS:
            return None                                   # cancel a scheduled deletion
        if w in ("stop", "cancel", "reset", "halt", "kill", "expire", "upgrade", "remove") and \
                context & vocab.HARMLESS_OBJECTS:
            continue
        if w in ("reset", "rotate", "regenerate", "revoke") and context & vocab.CREDENTIAL_OBJECTS:
            klass = "credential"
        found.append((klass, w))
    if not found:
        return None
    return min(found, key=lambda f: _ORDER.index(f[0]))


def classify(s: Signals) -> Verdict:
    """The destructive class of a non-read call (None if it destroys nothing), with evidence."""
    summary = _norm(s.summary)
    first = summary[:1]
    context = set(s.verb_words) | set(summary) | set(s.path_words)
    if s.method == "post" and first and first[0] in vocab.QUERY_VERBS and not \
            (set(s.verb_words) & vocab.VERB_CLASS.keys()):
        return Verdict(None, f"POST used as a query (summary starts `{first[0]}`)", query=True)
    unlink = _unlink(s, summary)
    if unlink:
        return Verdict(None, unlink, unlink=True)
    if s.method == "delete" and {"reset", "default"} & context and "field" in context:
        return Verdict(None, "resets a field to its default value", loses_nothing=True)
    if s.tail in vocab.RELEASABLE and (s.method == "delete" or "release" in context):
        held = naming.singular(s.tail)
        return Verdict(None, f"releases a {held}: it only coordinates access", loses_nothing=True)
    cred = _credential_update(s, context)
    if cred:
        return Verdict("credential", cred)
    # `POST /payments/{id}/refunds` creates a refund, but "Record refund for invoice" writes one down
    bookkeeping = bool(first) and first[0] in ("record", "log", "note", "track", "list", "get", "search")
    tail = [naming.singular("_".join(_norm(s.tail)))] if s.tail and s.method not in ("get", "tool") and \
        not bookkeeping else []
    hit = verb_class(s.verb_words + first + tail, context)
    if hit:
        return Verdict(hit[0], f"verb `{hit[1]}`")
    for reason in (_executes(s, first + tail), _grows(s, first + tail, context), _signal(s)):
        if reason:
            return Verdict(*reason)
    money = _money_create(s, summary)
    if money:
        return Verdict("money", money)
    for reason in (_flag(s), _enum(s), _image(s)):
        if reason:
            return Verdict(*reason)
    if set(s.verb_words) & {"update", "replace", "set"} and set(s.verb_words) & {"many", "all"}:
        return Verdict("data-loss", "rewrites every matching record (`many`/`all`)")
    text = f"{s.summary}. {s.description}"
    for klass, pattern in vocab.PHRASES:
        for m in pattern.finditer(text):
            sentence = text[m.start():].split(".", 1)[0]
            if klass == "data-loss" and set(words(sentence)) & vocab.LINK_OBJECTS:
                continue
            if vocab.NEGATED.search(text[max(0, m.start() - 48):m.start()]):
                continue                                  # "will not overwrite existing files"
            return Verdict(klass, f"description says “{m.group(0).strip()}”")
    if s.method == "delete":
        return Verdict("delete", "method DELETE")
    return Verdict(None, "")


def _unlink(s: Signals, summary: list[str]) -> str | None:
    """A removal that ends a link (detach, remove X from Y, remove a member or a role)."""
    verbs = [w for w in (summary[:1] + s.verb_words) if w in vocab.UNLINK_VERBS]
    if not verbs or {"delete", "destroy", "purge", "erase", "deletion"} & (set(summary) | set(s.verb_words)):
        return None
    text = f" {s.summary} {s.description} ".lower()
    if re.search(r"\b(and all|all (of )?its|data)\b", text):
        return None
    objects = set(summary) | set(s.verb_words) | set(s.path_words[-1:])
    if verbs[0] != "remove" or " from " in text or "from" in s.verb_words or objects & vocab.LINK_OBJECTS:
        return f"`{verbs[0]}` ends a link; both sides survive and the opposite call restores it"
    return None


def _executes(s: Signals, verbs: list[str]) -> tuple[str, str] | None:
    """A call that runs the command, script or statement its caller gives it."""
    verb = next((w for w in s.verb_words + verbs if w in vocab.EXEC_VERBS), None)
    given = sorted(f.name for f in s.flags if f.name in vocab.EXEC_INPUTS and f.type in ("string", "array"))
    if verb and given:
        return "data-loss", f"`{verb}` runs whatever `{given[0]}` it is given"
    return None


def _grows(s: Signals, verbs: list[str], context: set[str]) -> tuple[str, str] | None:
    """Growing a volume or a disk: there is no call that shrinks it again."""
    verb = next((w for w in s.verb_words + verbs if w in vocab.GROW_VERBS), None)
    store = sorted(context & vocab.STORAGE_NOUNS)
    if verb and store and s.on_item:
        return "irreversible", f"`{verb}` of a {naming.singular(store[0])}: storage cannot shrink again"
    return None


def _signal(s: Signals) -> tuple[str, str] | None:
    """A call on a running thing that may send it a signal which ends its process."""
    if not s.on_item or s.method in ("get", "put"):
        return None
    for f in s.flags:
        kills = [v for v in f.enum if v.lower() in vocab.KILL_SIGNALS]
        if kills and not f.read_only:
            return "outage", f"`{f.name}` may be `{kills[0]}`, which ends the process"
    return None


def _credential_update(s: Signals, context: set[str]) -> str | None:
    obj = ({s.tail or ""} | set(s.verb_words) | set(_norm(s.summary))) & vocab.CREDENTIAL_OBJECTS
    if not obj or not (context & _UPDATE_VERBS or s.method in ("put", "patch")):
        return None
    given = {f.name for f in s.flags if f.type == "string"} & vocab.SECRET_FIELDS
    if given or s.tail in vocab.CREDENTIAL_OBJECTS:
        return f"replaces the {sorted(obj)[0]} (old one stops working)"
    return None


def _money_create(s: Signals, summary: list[str]) -> str | None:
    if s.method not in ("post", "tool"):
        return None
    if s.collection in vocab.MONEY_COLLECTIONS and s.method == "post" and not \
            (summary[:1] and summary[0] in ("record", "log", "list", "get", "search")):
        return f"creates {s.collection} (POST to a money collection)"
    phrase = [w for w in summary[1:] if w not in ("a", "an", "the")]
    if summary[:1] and summary[0] in ("create", "request", "initiate", "make", "issue", "send",
                                      "start", "execute", "process") and phrase and \
            phrase[-1] in vocab.MONEY_COLLECTIONS:
        return f"summary: {summary[0]} a {phrase[-1]}"
    return None


def _flag(s: Signals) -> tuple[str, str] | None:
    for f in s.flags:
        klass = vocab.FLAG_CLASS.get(f.name)
        if klass and not f.read_only and (f.type == "boolean" or f.enum):
            return klass, f"flag `{f.name}` selects the {klass} variant"
        if f.type != "boolean" or f.read_only:
            continue
        if f.name in vocab.SWITCH_FLAGS and s.on_item and s.top_level and s.method in ("put", "patch"):
            return "outage", f"flag `{f.name}: false` switches the whole resource off"
        said = vocab.OVERWRITES.search(f.description)
        if said:
            return "data-loss", f"flag `{f.name}`: “{said.group(0)}”"     # `force`: "... overwriting work"
        name = words(f.name)
        hit = verb_class(name[:1], set())
        if hit and hit[0] in ("delete", "data-loss") and not set(name[1:]) & _GUARDS:
            return "data-loss", f"flag `{f.name}` ({hit[1]})"     # `delete_data`, `drop_volumes`
    return None


def _enum(s: Signals) -> tuple[str, str] | None:
    """An update's field that may take a destructive value (`status: CANCELED`), on PATCH,
    an action dispatcher (`POST /droplets/{id}/actions`, field `type`) or an MCP tool; PUT
    bodies are whole objects whose enums list every state, so they are not read this way."""
    dispatch = s.method == "post" and s.collection in ("actions", "action")
    if not s.on_item or not (s.method in ("patch", "tool") or dispatch):
        return None
    for f in s.flags:
        if f.read_only:
            continue
        for value in f.enum:                      # a value that names an end state (`FINALIZED`)
            klass = vocab.VALUE_CLASS.get("_".join(_norm(value)))
            if klass:
                return klass, f"`{f.name}` may be `{value}`"
        for value in f.enum:                      # a value that names a destructive action
            vw = _norm(value)
            klass = next((vocab.VALUE_CLASS[w] for w in vw if w in vocab.VALUE_CLASS), None)
            hit = verb_class(vw, set(vw))
            hit = hit if hit and hit[0] != "money" else None     # `BANK_TRANSFER` is a means, not a move
            if (klass or (hit and hit[0])) == "delete" and set(vw) & vocab.UNLINK_VERBS and \
                    set(s.verb_words) & vocab.LINK_OBJECTS:
                continue                                          # `remove` a dependency, a label
            if klass or hit:
                return klass or (hit[0] if hit else "delete"), f"`{f.name}` may be `{value}`"
        once = _IRREVERSIBLE.search(f.description) if f.description else None
        if once:
            return "irreversible", f"field `{f.name}`: “{once.group(0)}”"
    return None


def _image(s: Signals) -> tuple[str, str] | None:
    if s.method not in ("put", "patch") or not s.on_item or s.collection not in vocab.MACHINE_NOUNS:
        return None
    fields = sorted({f.name for f in s.flags} & vocab.IMAGE_FIELDS)
    if fields:
        return "data-loss", f"an update of `{fields[0]}` reinstalls the machine"
    return None
