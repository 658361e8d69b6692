"""State variables and default hazards inferred from a draft.

- Lifecycle: where a resource has both sides of a lifecycle pair (attach/detach, power
  on/off, start/stop, enable/disable, ...; the table is `LIFECYCLES`), a variable
  `<resource>_<pair>` is modelled: each side requires the other state and sets its own.
- Destruction: each destructive call sets one variable for what it destroys, by class and
  resource: a delete of a volume sets `volume_deleted`, a reinstall of a server
  `server_data_lost`, a refund `refund_money_moved`, a halt `instance_down`. Each variable is a
  hazard ("a delete of volume ran"), so the model checker has something to prove, and a
  reversible call never sets one.
"""

from __future__ import annotations

from collections import defaultdict

from pathguard.importers.draft import Draft, Variable
from pathguard.importers.naming import snake

#: Lifecycle pairs: (state-variable suffix, (value, verbs that set it), (value, verbs)).
#: The first side is the initial (normal, running) state.
LIFECYCLES = (
    ("attached", ("attached", ("attach",)), ("detached", ("detach",))),
    ("power", ("on", ("power_on", "poweron", "boot", "start")),
     ("off", ("power_off", "poweroff", "shutdown", "stop", "halt"))),
    ("enabled", ("enabled", ("enable",)), ("disabled", ("disable",))),
    ("archived", ("active", ("unarchive",)), ("archived", ("archive",))),
    ("mounted", ("mounted", ("mount",)), ("unmounted", ("unmount",))),
    ("cordoned", ("uncordoned", ("uncordon",)), ("cordoned", ("cordon",))),
    ("suspended", ("active", ("resume",)), ("suspended", ("suspend",))),
    ("locked", ("unlocked", ("unlock",)), ("locked", ("lock",))),
)

#: Destructive class -> the suffix of the variable it sets (`<resource>_<suffix>`).
CLASS_SUFFIX = {"delete": "deleted", "data-loss": "data_lost", "irreversible": "changed",
                "money": "money_moved", "credential": "credential_revoked", "outage": "down"}
_CLASS_WORDS = {"delete": "a delete", "data-loss": "a call that overwrites or wipes data",
                "irreversible": "a one-way change", "money": "a money movement",
                "credential": "a credential revocation or reset", "outage": "a call that takes it down"}


def lifecycle_of(text: str) -> tuple[str, str, str] | None:
    """(variable suffix, value set, opposite value) when `text` is a lifecycle verb."""
    name = snake(text)
    for suffix, (first, first_verbs), (second, second_verbs) in LIFECYCLES:
        if name in first_verbs:
            return suffix, first, second
        if name in second_verbs:
            return suffix, second, first
    return None


def infer_lifecycles(draft: Draft, verbs: dict[str, str]) -> None:
    groups: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    order = {suffix: (first, second) for suffix, (first, _), (second, _) in LIFECYCLES}
    for name, verb in verbs.items():
        found = lifecycle_of(verb)
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
    """Run last (after overrides), so a call an override made reversible sets nothing, and an
    endpoint whose `sets` an override gave keeps exactly those. A call an override made
    destructive without a class counts as a delete (kind delete) or a one-way change."""
    by_var: dict[str, list[str]] = defaultdict(list)
    what: dict[str, tuple[str, str]] = {}
    for name, ep in draft.endpoints.items():
        if not ep.destructive:
            continue
        klass = ep.klass if ep.klass in CLASS_SUFFIX else \
            ("delete" if ep.kind == "delete" else "irreversible")
        var = f"{ep.resource}_{CLASS_SUFFIX[klass]}"
        by_var[var].append(name)
        what[var] = (klass, ep.resource)
    for var, names in sorted(by_var.items()):
        if var in draft.variables:
            continue
        klass, resource = what[var]
        draft.variables[var] = Variable(
            ["no", "yes"], "no", f"`yes` once {_CLASS_WORDS[klass]} of {resource} ran "
            f"({len(names)} call{'s' if len(names) > 1 else ''}: {', '.join(names[:6])}"
            + (", ...)" if len(names) > 6 else ")"))
        for name in names:
            if "sets" not in draft.endpoints[name].overridden:
                draft.endpoints[name].sets[var] = "yes"
        draft.hazards[var] = {var: "yes"}
        draft.hazard_why[var] = f"{_CLASS_WORDS[klass]} of {resource} ran"
