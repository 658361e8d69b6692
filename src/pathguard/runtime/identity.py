"""Names of agents and approvers compared as identities, not as strings (SPEC §3).

An agent that may not approve its own call must not get through by spelling
its name another way: `ops‐agent` with U+2010, `оps-agent` with a Cyrillic о,
fullwidth `ｏｐｓ-agent`, `ops\u200b-agent` with a zero-width space, or a
combining dot. So a name is first refused if it holds anything a person
cannot see or tell apart on screen (control and format characters, combining
marks that do not compose, unassigned or private code points, line
separators), then reduced to a key: Unicode NFKC, case folding, and the
confusable skeleton of Unicode Technical Standard #39 (each character mapped to
its prototype by Unicode's `confusables.txt`, vendored in `data/`, version
13.0.0), with combining marks dropped, repeated until nothing changes. Two
names are the same identity when their keys are equal; distinct identities
never share a key. The key is stricter than the standard (`josé` is `jose`):
an approver refused by a lookalike is a nuisance, one let through is a breach.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources

from pathguard.errors import PathguardError

_REFUSED = {"Cc": "a control character", "Cf": "an invisible formatting character",
            "Cs": "a lone surrogate", "Co": "a private-use character", "Cn": "an unassigned code point",
            "Zl": "a line separator", "Zp": "a paragraph separator", "Me": "an enclosing mark"}
MAX_NAME = 128


class IdentityError(PathguardError):
    """A name that cannot serve as an identity: the message says which character and why."""


@cache
def _prototypes() -> dict[str, str]:
    """`confusables.txt`: each source character -> its prototype sequence."""
    table: dict[str, str] = {}
    data_file = resources.files("pathguard.runtime").joinpath("data/confusables.txt")
    text = data_file.read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        data = line.split("#", 1)[0].strip()
        if not data:
            continue
        source, target, *_ = (part.strip() for part in data.split(";"))
        if " " not in source:
            table[chr(int(source, 16))] = "".join(chr(int(x, 16)) for x in target.split())
    return table


def _skeleton(text: str) -> str:
    table = _prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(table.get(c, c) for c in decomposed)
    return "".join(c for c in unicodedata.normalize("NFD", mapped)
                   if not unicodedata.category(c).startswith("M"))


def _checked(name: str) -> str:
    """`name` in NFKC, or IdentityError for a name no person can read reliably (empty, too long,
    or holding an invisible, control or non-composing mark)."""
    if not isinstance(name, str) or not name.strip():
        raise IdentityError("an identity needs a name")
    if len(name) > MAX_NAME:
        raise IdentityError(f"a name of more than {MAX_NAME} characters is not an identity")
    composed = unicodedata.normalize("NFKC", name).strip()
    for ch in composed:
        category = unicodedata.category(ch)
        why = _REFUSED.get(category)
        if why is None and category == "Mn":
            why = "a combining mark that does not compose with the letter before it"
        if why is None and category == "Zs" and ch != " ":
            why = "a space other than the ordinary one"
        if why is not None:
            code = f"U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED')}"
            raise IdentityError(f"`{name.encode('unicode_escape').decode()}` holds {why} ({code}): "
                                "names of agents and approvers must read the same to everyone")
    return composed


def _fixed(key: str, step: Callable[[str], str]) -> str:
    for _ in range(8):  # stable after a step or two
        nxt = step(key)
        if nxt == key:
            break
        key = nxt
    return key


@lru_cache(maxsize=4096)  # pure, and a check may compare the same few names many times
def identities(name: str) -> frozenset[str]:
    """The keys of a name: its skeleton, case folded, taken as written, in lower case and in upper
    case (`ALICE` is `alice`; `AIice`, with a capital I, is too; and `ALlCE` meets `ALICE` in upper
    case). Two names are one identity when they share a key; IdentityError for a name that
    cannot be one."""
    composed = _checked(name)
    return frozenset(_fixed(variant, lambda k: _skeleton(k).casefold())
                     for variant in (composed, composed.lower(), composed.upper(), composed.casefold()))


def identity(name: str) -> str:
    """The canonical key of a name (case folded, then its skeleton), for display and storage."""
    return _fixed(_checked(name).casefold(), lambda k: _skeleton(k).casefold())


def same_identity(a: str, b: str) -> bool:
    return bool(identities(a) & identities(b))
