"""The vocabulary of destruction: which words, phrases and flags make a call destructive, and
of which class. `classify.py` applies these tables; every decision quotes the entry it used.

Classes (corpus/LABELLING.md): `delete`, `data-loss`, `irreversible`, `money`, `credential`,
`outage`.
"""

from __future__ import annotations

import re

#: Verbs (in an operation id, a tool name, a path action or as the first word of a summary)
#: that make a call destructive, and the class.
VERB_CLASS = {
    "delete": "delete", "destroy": "delete", "purge": "delete", "drop": "delete", "erase": "delete",
    "terminate": "delete", "uninstall": "delete", "truncate": "delete", "discard": "delete",
    "evict": "delete", "deregister": "delete", "unregister": "delete", "deletion": "delete",
    "remove": "delete",
    "rebuild": "data-loss", "reinstall": "data-loss", "reimage": "data-loss", "restore": "data-loss",
    "revert": "data-loss", "rollback": "data-loss", "overwrite": "data-loss", "wipe": "data-loss",
    "recycle": "data-loss", "reset": "data-loss",
    "upgrade": "irreversible", "finalize": "irreversible", "failover": "irreversible",
    "expire": "irreversible",
    "refund": "money", "payout": "money", "cashout": "money", "withdraw": "money",
    "disburse": "money", "donate": "money", "pay": "money", "void": "money",
    "revoke": "credential", "rotate": "credential", "regenerate": "credential",
    "invalidate": "credential",
    "halt": "outage", "shutdown": "outage", "poweroff": "outage", "stop": "outage", "kill": "outage",
    "disrupt": "outage", "disruption": "outage", "cordon": "outage", "drain": "outage",
    "deallocate": "outage",
}
#: Objects that `close` ends for good (an account), unlike an issue or a pull request.
CLOSABLE = frozenset({"account", "accounts"})
#: What the description of a boolean input says when setting it overwrites or discards data
#: (`force`: "leaving this out ... will make sure you're not overwriting work").
OVERWRITES = re.compile(r"\boverwrit(e|es|ing)\b[^.]{0,30}\b(work|data|changes|commits|history|existing)\b|"
                        r"\bdiscard(s|ing)?\b[^.]{0,30}\b(data|changes|commits|history)\b", re.IGNORECASE)

#: A call that runs whatever it is given (`exec` with a `command`, `run_sql`) may destroy anything:
#: its verbs, and the inputs that carry what it runs.
EXEC_VERBS = frozenset({"run", "exec", "execute", "eval", "apply"})
EXEC_INPUTS = frozenset({"sql", "command", "commands", "cmd", "script", "code", "shell", "query",
                         "statement", "statements", "transaction", "exec"})

#: Signals that end or abort a process: a call that may send one takes the service down.
KILL_SIGNALS = frozenset({"sigkill", "sigterm", "sigint", "sigquit", "sigabrt", "sighup"})

#: Verbs that only grow a store (not `resize`, which may shrink it), and the stores that cannot
#: shrink again once grown.
GROW_VERBS = frozenset({"extend", "expand", "grow", "enlarge"})
STORAGE_NOUNS = frozenset({"volume", "volumes", "disk", "disks", "storage", "block", "blocks"})

#: Objects that only coordinate access (a lease, a lock): releasing one loses nothing.
RELEASABLE = frozenset({"lease", "leases", "lock", "locks"})

#: Verbs that move or release money only when the call is about a payment (`capture` a
#: payment, `void` an authorisation, `cancel` an order); elsewhere `cancel` and `transfer` are
#: one-way changes (cancel a subscription, transfer ownership).
MONEY_VERBS = frozenset({"capture", "charge", "reverse", "reversal", "cancel", "transfer"})
#: Nouns of something pending: cancelling or declining one destroys nothing.
PENDING = frozenset({"deletion", "removal", "termination", "transfer"})
UNDO_VERBS = frozenset({"cancel", "abort", "undo", "stop", "restore", "recover", "decline", "reject"})
PAYMENT_WORDS = frozenset({
    "payment", "payments", "authorization", "authorizations", "authorisation", "authorisations",
    "authorized", "authorised", "charge", "charges", "capture", "captures", "refund", "refunds",
    "payout", "payouts", "funds", "fund", "order", "orders", "transaction",
    "transactions", "cashout", "psp", "card", "balance",
})
#: Objects whose cancellation is final although no money moves.
ONE_WAY_CANCEL = frozenset({"subscription", "subscriptions", "invoice", "invoices", "account",
                            "contract", "plan", "agreement", "order", "orders"})

#: Creating one of these (a POST to a top-level collection, or to a payment's sub-collection)
#: moves money.
MONEY_COLLECTIONS = frozenset({"payments", "payouts", "transfers", "refunds", "captures", "cashouts",
                               "donations", "withdrawals", "disbursements", "charges", "reversals",
                               "refund", "payout", "transfer", "cashout", "donation", "charge"})

#: Objects a verb like `stop` or `cancel` can act on without taking a service down or losing
#: anything: stopping a migration, cancelling a scheduled deletion.
HARMLESS_OBJECTS = frozenset({"migration", "migrations", "job", "jobs", "task", "tasks", "build",
                              "builds", "import", "export", "recording", "deletion", "check",
                              "replication", "watch", "trial", "maintenance", "sharing", "session",
                              "timer", "schedule", "field", "default", "lease"})

#: Objects of `update`/`set`/`replace`/`reset` that are credentials: replacing one locks out
#: whoever held the old one.
CREDENTIAL_OBJECTS = frozenset({"password", "passwords", "credential", "credentials", "secret",
                                "secrets", "token", "tokens", "key", "keys", "passphrase"})
#: Request fields that carry a credential's material.
SECRET_FIELDS = frozenset({"password", "secret", "passphrase", "private_key", "secret_key", "key",
                           "token", "api_key"})

#: Words that mark a removal as the end of a link between two objects that both survive.
UNLINK_VERBS = frozenset({"remove", "detach", "unassign", "disassociate", "unlink", "leave",
                          "unsubscribe", "untag", "unshare", "unpin", "unstar", "unwatch"})
#: Objects that are links or grants, not data: replacing or removing them loses nothing.
LINK_OBJECTS = frozenset({"role", "roles", "permission", "permissions", "member", "members",
                          "tag", "tags", "label", "labels", "acl", "grant", "grants", "membership",
                          "location", "locations", "assignee", "assignees", "reviewer", "reviewers",
                          "dependency", "dependencies", "sub_issue", "collaborator", "collaborators"})

#: Verbs that make a POST a query (`POST /search`), not a change.
QUERY_VERBS = frozenset({"search", "list", "get", "query", "find", "lookup", "retrieve", "fetch",
                         "describe", "validate", "verify", "check", "estimate", "preview",
                         "calculate", "count", "explain", "show", "read", "view", "inspect"})

#: Nouns of machines, whose OS image an update can replace (which reinstalls them).
MACHINE_NOUNS = frozenset({"instance", "instances", "server", "servers", "droplet", "droplets",
                           "machine", "machines", "bare_metal", "bare_metals", "baremetal", "vm",
                           "vms", "linode", "linodes", "node", "nodes"})
IMAGE_FIELDS = frozenset({"os_id", "os", "image_id", "image", "app_id", "distribution", "template",
                          "template_id", "snapshot_id"})

#: Boolean inputs whose name marks a destructive variant of the call, and its class.
FLAG_CLASS = {"overwrite": "data-loss", "drop_target": "data-loss", "delete_data": "data-loss",
              "purge": "delete", "wipe": "data-loss", "replace": "data-loss", "force_delete": "delete",
              "delete_backups": "data-loss", "submit": "irreversible", "finalize": "irreversible",
              "block_reads": "outage", "block_writes": "outage", "upgrade_disk": "irreversible"}
#: Boolean inputs that switch a whole top-level resource off when false.
SWITCH_FLAGS = frozenset({"active", "is_active"})

#: Enum values of an update's field that make it destructive (`status: CANCELED`).
VALUE_CLASS = {"finalized": "irreversible", "canceled": "irreversible", "cancelled": "irreversible",
               "expired": "irreversible",
               "failing_over": "irreversible", "failover": "irreversible", "revoke": "credential",
               "revoked": "credential", "deleted": "delete", "terminated": "delete",
               "destroyed": "delete", "remove": "delete", "delete": "delete"}

_PHRASES = (
    ("data-loss", r"\bwipes? (all|the)\b|\bdata will be (lost|unrecoverable)|\bwill be unrecoverable|"
                  r"\bmay (lead to|cause|result in) data loss|\bdiscarding all\b|"
                  r"\bdeleting the associated data|\bcannot be recovered\b|"
                  r"\b(deletes|removes|erases) all (existing|of|the)\b|"
                  r"\breplac(e|es|ing)\b[^.]{0,60}?"
                  r"\b(all|entire|every|any existing|the contents of|list of)\b|"
                  r"\bwith the contents of\b|\b(prior|previous|earlier) version\b|"
                  r"\boverwrit(e|es|ing) (an |any |the )?existing (file|object|data|content|record)s?\b|"
                  r"\boverwrit(e|es|ing)\b[^.]{0,30}\bwithout warning\b|"
                  r"\b(delete|remove|erase|drop|purge)s? (all|every|everything)\b|"
                  r"\b(omit|omits|omitted)\b"
                  r"[^.]{0,40}\b(is|are|will be|gets|get) (removed|deleted|cleared)\b"),
    ("irreversible", r"\bcannot be undone\b|\birreversibl[ey]\b|\bcan ?not be (reversed|rolled back)\b|"
                     r"\bcan only (grow|be increased|be set once|be (resized|scaled) up)\b|"
                     r"\bcannot be shrunk\b|\bpermanently (delet|remov|destroy|eras|lost)|"
                     r"\bto the latest\b[^.]{0,40}\bversion\b"),
    ("outage", r"\bforcefully\b|\bcuts? (the )?power\b|"
               r"\bwithout (giving|waiting for)\b[^.]{0,40}\bgraceful|\bhard reset\b|"
               r"\bwill be unavailable\b"),
    ("credential", r"\binvalidates? all\b[^.]{0,30}\btokens?\b"),
)
#: Words just before a phrase that deny it ("will not overwrite existing files").
NEGATED = re.compile(r"\b(not|never|without|no|cannot)\b[^.,;]*$|n['’]t\b[^.,;]*$", re.IGNORECASE)
#: Phrases of a description that say what a call destroys. Checked in this order.
PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (klass, re.compile(rx, re.IGNORECASE)) for klass, rx in _PHRASES)
