-- FlowCRM schema, version 33: the optional satisfaction survey, and indexes for reports at
-- scale. One row per survey question sent after a resolution (to the person who resolved it),
-- with the customer's rating once they answer.

CREATE TABLE csat_requests (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,     -- who resolved it
    message_id      INTEGER REFERENCES messages (id) ON DELETE SET NULL,  -- the question
    asked_at        INTEGER NOT NULL,
    score           INTEGER CHECK (score BETWEEN 1 AND 5),
    answered_at     INTEGER
) STRICT;
CREATE INDEX csat_requests_asked ON csat_requests (asked_at, user_id);
CREATE INDEX csat_requests_conversation ON csat_requests (conversation_id, asked_at);

-- Reports at scale: the open conversations counted from an index alone, the waiting ones from
-- the cycles' partial index, and the window expiries' conversations from the event index.
CREATE INDEX conversations_open ON conversations (status, assignee_id);
DROP INDEX report_cycles_waiting;
CREATE INDEX report_cycles_waiting ON report_cycles (waiting_since, open_at, last_in)
    WHERE waiting_since IS NOT NULL;
DROP INDEX report_events_kind_at;
CREATE INDEX report_events_kind_at
    ON report_events (kind, at, user_id, seconds, business_seconds, in_window, conversation_id);
