-- FlowCRM schema, version 26: one row per backup attempt (scheduled, the admin button, SIGUSR1
-- or `flowcrm backup`), for Settings, /healthz?detail and the failure alert. The archives
-- themselves are files in the backup directory.
CREATE TABLE backups (
    id          INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    trigger     TEXT NOT NULL,          -- schedule | button | signal | cli
    ok          INTEGER,                -- NULL while running, then 1 or 0
    file        TEXT,                   -- the archive's path, when written
    bytes       INTEGER,
    error       TEXT
) STRICT;
CREATE INDEX backups_finished ON backups (ok, finished_at);
