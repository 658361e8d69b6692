"""`Guard`: the policy enforced in-process around an agent's tool calls.

    guard = Guard.load("endpoints.yaml", "policy.yaml", store="sqlite:///pathguard.db")
    with guard.session(agent="ops-agent", intent="clean up orphaned volumes") as s:
        d = s.check("unmount_volume", {"volume_id": "vol-7"})
        if d.allowed:
            ...                                   # run the real call
            s.record(d, result="success", latency_ms=41)

Loading compiles the policy once and embeds the endpoint descriptions once; a
check then costs one `decide()` plus the store write. A model that cannot be
loaded does not stop the guard from loading: every check is denied with the
reason instead (fail closed).
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar

from pathguard.errors import PathguardError
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.runtime.approvals import Trust
from pathguard.runtime.approvers import Keyring
from pathguard.runtime.clock import Clock
from pathguard.runtime.decision import ApprovalRequired, Denied
from pathguard.runtime.identity import identities
from pathguard.runtime.intent import Embedder, IntentIndex, IntentTrack, SentenceEmbedder
from pathguard.runtime.session import GuardedSession
from pathguard.semantics.effect import Effect
from pathguard.store.base import Store, open_store

F = TypeVar("F", bound=Callable[..., Any])


class Guard:
    def __init__(self, world: World, policy: CompiledPolicy, store: Store | str = "memory", *,
                 embedder: Embedder | None = None, model: str | Path | None = None,
                 cache_dir: str | Path | None = None, clock: Clock = time.time,
                 approval_timeout: float | None = None, keyring: Keyring | str | Path | None = None,
                 scope: str | None = None, scope_limit: int | None = None) -> None:
        """`embedder`/`model`: the intent model (default: the packaged all-MiniLM-L6-v2 when the
        policy has an `intent` section); `approval_timeout`: seconds a request stays pending and a
        grant usable (default: the policy's `approvals.expire_minutes`, else 15 minutes);
        `keyring`: the approvers whose signed grants this guard accepts (a `Keyring`, or the path of
        an `approvers.yaml`; default `$PATHGUARD_KEYRING`, else none: no grant is ever used);
        `scope`/`scope_limit`: a budget shared by every session of every process on this store."""
        self.world = world
        self.policy = policy
        self.store = open_store(store) if isinstance(store, str) else store
        self.clock = clock
        self.approval_timeout = approval_timeout if approval_timeout is not None else \
            policy.approval_expire_seconds
        if keyring is None and os.environ.get("PATHGUARD_KEYRING"):
            keyring = os.environ["PATHGUARD_KEYRING"]
        self.keyring = Keyring.load(keyring) if isinstance(keyring, str | Path) else keyring
        self.trust = Trust(self.keyring, policy.approvers, self.approval_timeout)
        self.scope = scope
        self.fault: Exception | None = None
        self.intent: IntentIndex | None = None
        self._current: ContextVar[GuardedSession | None] = ContextVar(f"pathguard-session-{id(self)}",
                                                                       default=None)
        self._active: list[GuardedSession] = []
        self._active_lock = threading.Lock()
        if scope is not None:
            if scope_limit is None:
                raise PathguardError(f"budget scope `{scope}` needs a scope_limit")
            self.store.ensure_scope(scope, scope_limit)
        if policy.intent_threshold is not None or embedder is not None or model is not None:
            try:
                chosen = embedder if embedder is not None else SentenceEmbedder(model)
                self.intent = IntentIndex(chosen, [e.description or e.name.replace("_", " ")
                                                   for e in world.endpoints], policy.intent_decay, cache_dir)
            except Exception as exc:  # fail closed: a guard without its model denies every call
                self.fault = PathguardError(f"intent model unavailable: {type(exc).__name__}: {exc}")

    @classmethod
    def load(cls, endpoints: str | Path, policy: str | Path | None = None, store: Store | str = "memory",
             **options: Any) -> Guard:
        """Load a world model (endpoints.yaml, OpenAPI or MCP tools list) and a policy (none: allow
        everything) with the loader every command uses, and open the store. Unusable files raise
        `InputError` with every located problem."""
        from pathguard.inputs import load_inputs
        from pathguard.policy.compile import allow_everything

        inputs = load_inputs(endpoints, policy)
        world = inputs.world
        return cls(world, inputs.policy or allow_everything(world), store, **options)

    def track(self, intent: str) -> IntentTrack | None:
        """Embed a session's intent (once per session); None when the layer is off or failed."""
        if self.intent is None or self.fault is not None:
            return None
        return self.intent.track(intent)

    def session(self, agent: str, intent: str = "", scope: str | None = None) -> GuardedSession:
        """A new root session; use it as a context manager so its final state is recorded."""
        if not isinstance(agent, str) or not agent.strip():
            raise PathguardError("a session needs an agent name")
        identities(agent)  # IdentityError for a name with invisible or non-composing characters
        try:
            track = self.track(intent)
        except Exception as exc:  # fail closed, as for a model missing at load
            self.fault = PathguardError(f"intent model failed: {type(exc).__name__}: {exc}")
            track = None
        return GuardedSession(self, agent, intent, scope=scope or self.scope, track=track)

    def _entered(self, session: GuardedSession) -> None:
        self._current.set(session)
        with self._active_lock:
            self._active.append(session)

    def _exited(self, session: GuardedSession) -> None:
        if self._current.get() is session:
            self._current.set(None)
        with self._active_lock:
            if session in self._active:
                self._active.remove(session)

    @property
    def current(self) -> GuardedSession:
        """The session of the innermost `with guard.session(...)` in this thread (context); in a
        thread that entered none, the one session open in the guard, if there is exactly one."""
        session = self._current.get()
        if session is not None:
            return session
        with self._active_lock:
            if len(self._active) == 1:
                return self._active[0]
            if not self._active:
                raise PathguardError("no guarded session is open: use `with guard.session(...)`")
        raise PathguardError("several guarded sessions are open and none was entered in this thread: "
                             "enter the one this thread works for with `with session:`")

    def tool(self, endpoint: str) -> Callable[[F], F]:
        """Wrap a tool function: check before, record after; raise Denied / ApprovalRequired.
        Its arguments, bound to their parameter names, are the call's parameters."""
        if endpoint not in self.policy.plans:
            raise PathguardError(f"`{endpoint}` is not an endpoint of `{self.world.system}`")

        def wrap(fn: F) -> F:
            signature = inspect.signature(fn)

            @functools.wraps(fn)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                session = self.current
                decision = session.check(endpoint, dict(bound.arguments))
                if decision.effect is Effect.DENY:
                    raise Denied(decision)
                if decision.effect is Effect.APPROVAL:
                    raise ApprovalRequired(decision)
                start = time.perf_counter()
                try:
                    result = fn(*args, **kwargs)
                except Exception as exc:
                    session.record(decision, f"error: {type(exc).__name__}: {exc}",
                                   (time.perf_counter() - start) * 1000)
                    raise
                # record() never raises on a store failure: the tool ran, so its result is returned
                # (and the row stays unconfirmed until the store takes it)
                session.record(decision, "success", (time.perf_counter() - start) * 1000)
                return result

            return guarded  # type: ignore[return-value]

        return wrap

    def close(self) -> None:
        self.store.close()
