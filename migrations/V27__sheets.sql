-- FlowCRM schema, version 27: Google Sheets sync. Per row FlowCRM put in a tab: its key (the
-- `flowcrm_id` cell), whose data it holds, and keyed hashes (never the values) of what FlowCRM
-- last wrote in each column and, for the columns the sheet owns, of the value both sides last
-- agreed on. One row per sync run (the log shows no personal data), and the lease and backoff
-- that keep runs from overlapping and from hammering Google after a 429 or a 5xx.
CREATE TABLE sheets_rows (
    tab        TEXT NOT NULL,            -- contacts | orders
    key        TEXT NOT NULL,            -- the flowcrm_id cell
    contact_id INTEGER,                  -- whose data the row holds
    cells      TEXT NOT NULL DEFAULT '', -- "source=hash" pairs, one per written column
    agreed     TEXT NOT NULL DEFAULT '', -- "source=hash" pairs for the columns the sheet owns
    erasure    TEXT,                     -- the receipt code when the contact was erased
    synced_at  INTEGER NOT NULL,
    PRIMARY KEY (tab, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX sheets_rows_contact ON sheets_rows (contact_id);

CREATE TABLE sheets_runs (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    trigger     TEXT NOT NULL,            -- schedule | button | cli
    dry_run     INTEGER NOT NULL DEFAULT 0,
    ok          INTEGER,                  -- NULL while running, then 1 or 0
    added       INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    read_back   INTEGER NOT NULL DEFAULT 0,
    skipped     INTEGER NOT NULL DEFAULT 0,
    requests    INTEGER NOT NULL DEFAULT 0,
    error_kind  TEXT,
    error       TEXT,
    log         TEXT NOT NULL DEFAULT ''  -- one line per notable event; ids and codes only
) STRICT;

CREATE TABLE sheets_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    running_since   INTEGER,              -- a run holds the lease (any process)
    failures        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,              -- after a 429 or 5xx: not before this
    layout          TEXT NOT NULL DEFAULT '' -- where the key and owned columns were, per tab
) STRICT;
INSERT INTO sheets_state (id) VALUES (1);
