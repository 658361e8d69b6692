"""State variables and default hazards inferred from a draft.

- Lifecycle: where a resource has both sides of a lifecycle pair
  (attach/detach, power on/off, start/stop, enable/disable, ...; the table is
  `classify.LIFECYCLES`), a variable `<resource>_<pair>` is modelled: each side
  requires the other state and sets its own.
- Destruction: every resource with a destructive call (a delete, or
  `reversible: false`) gets `<resource>_destroyed: [no, yes]`, set to `yes`
  by each such call, and the default hazard "a destructive call on the
  resource ran", so the model checker has something to prove.
"""

from __future__ import annotations

from collections import defaultdict

from pathguard.importers import classify as vocab
from pathguard.importers.draft import Draft, Variable


def infer_lifecycles(draft: Draft, verbs: dict[str, str]) -> None:
    groups: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    order = {suffix: (first, second) for suffix, (first, _), (second, _) in vocab.LIFECYCLES}
    for name, verb in verbs.items():
        found = vocab.lifecycle_of(verb)
        if found:
            suffix, value, _ = found
            groups[(draft.endpoints[name].resource, suffix)][value].append(name)
    for (resource, suffix), sides in sorted(groups.items()):
        first, second = order[suffix]
        if not (sides.get(first) and sides.get(second)):
            continue
        var = f"{resource}_{suffix}"
        if var in draft.variables:
            continue
        draft.variables[var] = Variable(
            [first, second], first,
            f"lifecycle of {resource}: {', '.join(sides[first])} set `{first}`; "
            f"{', '.join(sides[second])} set `{second}`")
        for value, other in ((first, second), (second, first)):
            for name in sides[value]:
                ep = draft.endpoints[name]
                ep.when[var] = other
                ep.sets[var] = value
                ep.notes.append(f"lifecycle: `{verbs[name]}` moves {var} from `{other}` to `{value}`")


def infer_destruction(draft: Draft) -> None:
    """Run last (after overrides), so a call an override made reversible sets nothing,
    and an endpoint whose `sets` an override gave keeps exactly those."""
    by_resource: dict[str, list[str]] = defaultdict(list)
    for name, ep in draft.endpoints.items():
        if ep.destructive:
            by_resource[ep.resource].append(name)
    for resource, names in sorted(by_resource.items()):
        var = f"{resource}_destroyed"
        if var in draft.variables:
            continue
        draft.variables[var] = Variable(
            ["no", "yes"], "no", f"`yes` once a destructive call on {resource} ran "
            f"({len(names)} call{'s' if len(names) > 1 else ''}: {', '.join(names[:6])}"
            + (", ...)" if len(names) > 6 else ")"))
        for name in names:
            if "sets" not in draft.endpoints[name].overridden:
                draft.endpoints[name].sets[var] = "yes"
        draft.hazards[var] = {var: "yes"}
        draft.hazard_why[var] = f"a destructive call on {resource} ran"
