"""Line numbers for problems in third-party specs, found only when there is a problem.

Specs are parsed by the fast loaders of `rawfile.py`, which keep no positions (keeping them
for a 4 MB spec would cost seconds). A problem names a place by its keys (`paths`,
`/v2/volumes`, `delete`); this module finds the line of that place by scanning the text for
those keys in order, each after the previous one, as a YAML key or a JSON member name. The
text is split into lines once, on the first question.
"""

from __future__ import annotations

import json
import re
from functools import cached_property


class Locator:
    """Find the line of a place in one JSON or YAML text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.json = text.lstrip().startswith("{")

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def line_of(self, *keys: str | int) -> int | None:
        """The 1-based line of the last of `keys`, each searched after the one before it;
        None if a key cannot be found (the last line found is not returned as a guess)."""
        start = 0
        for key in keys:
            if isinstance(key, int):
                continue                   # list positions have no key to search for
            found = self._find_key(str(key), start)
            if found is None:
                return None
            start = found
        return start + 1

    def line_of_text(self, needle: str, after: int = 0) -> int | None:
        """The 1-based line of the first occurrence of `needle` at or after line `after`."""
        for i in range(max(after - 1, 0), len(self.lines)):
            if needle in self.lines[i]:
                return i + 1
        return None

    def _find_key(self, key: str, start: int) -> int | None:
        if self.json:
            pattern = re.compile(re.escape(json.dumps(key)) + r"\s*:")
        else:
            quoted = "|".join(re.escape(q) for q in (key, f"'{key}'", json.dumps(key)))
            pattern = re.compile(rf"^\s*(-\s+)?(?:{quoted})\s*:(\s|$)")
        for i in range(start, len(self.lines)):
            if pattern.search(self.lines[i]):
                return i
        return None
