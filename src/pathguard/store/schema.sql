-- The trace store schema (version 2), shared by SQLite and PostgreSQL (`{serial}` and
-- `{real}` are filled in per dialect). Indexes serve the audit queries: sessions by
-- agent and time and by tree, actions by endpoint, effect and time, approvals by
-- status and call. A database of an earlier version is migrated by `schema.py`
-- (it adds the columns marked "v2" below); keep the two in step.
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER NOT NULL,
    store_id    TEXT NOT NULL,
    created     {real} NOT NULL
);

CREATE TABLE IF NOT EXISTS sessions (
    session_id  TEXT PRIMARY KEY,
    agent       TEXT NOT NULL,
    intent      TEXT NOT NULL,
    parent      TEXT,
    policy      TEXT NOT NULL,
    started     {real} NOT NULL,
    ended       {real},
    final_state TEXT NOT NULL,
    root        TEXT                      -- v2: root session of the tree (itself for a root)
);
CREATE INDEX IF NOT EXISTS sessions_agent_started ON sessions (agent, started);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions (started);
CREATE INDEX IF NOT EXISTS sessions_final_state ON sessions (final_state);
CREATE INDEX IF NOT EXISTS sessions_parent ON sessions (parent);
CREATE INDEX IF NOT EXISTS sessions_root ON sessions (root);

CREATE TABLE IF NOT EXISTS actions (
    session_id  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    ts          {real} NOT NULL,
    endpoint    TEXT NOT NULL,
    params      TEXT NOT NULL,
    effect      TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    deviation   {real},
    result      TEXT,
    latency_ms  {real},
    token_cost  INTEGER,
    approval_id INTEGER,
    PRIMARY KEY (session_id, seq)
);
CREATE INDEX IF NOT EXISTS actions_endpoint_ts ON actions (endpoint, ts);
CREATE INDEX IF NOT EXISTS actions_effect_ts ON actions (effect, ts);
CREATE INDEX IF NOT EXISTS actions_ts ON actions (ts);

CREATE TABLE IF NOT EXISTS alerts (
    id          {serial} PRIMARY KEY,
    session_id  TEXT NOT NULL,
    ts          {real} NOT NULL,
    kind        TEXT NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_session ON alerts (session_id, ts);
CREATE INDEX IF NOT EXISTS alerts_kind_ts ON alerts (kind, ts);

CREATE TABLE IF NOT EXISTS approvals (
    id          {serial} PRIMARY KEY,
    call_hash   TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    agent       TEXT NOT NULL,
    barred      TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    params      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    reasons     TEXT NOT NULL,
    status      TEXT NOT NULL,
    created     {real} NOT NULL,
    expires     {real} NOT NULL,
    decided_by  TEXT,
    decided_at  {real},
    root        TEXT NOT NULL DEFAULT '', -- v2: root session of the requester's tree
    signature   TEXT,                     -- v2: approver's base64 Ed25519 signature
    decided_key TEXT,                     -- v2: fingerprint of the key that signed
    step_token  TEXT                      -- v2: token of the last transition (idempotent retries)
);
CREATE INDEX IF NOT EXISTS approvals_hash ON approvals (call_hash, id);
CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, created);

CREATE TABLE IF NOT EXISTS budgets (
    scope       TEXT PRIMARY KEY,
    used        INTEGER NOT NULL,
    lim         INTEGER NOT NULL,
    CHECK (used <= lim)
);
