-- FlowCRM schema, version 33: the optional satisfaction survey. One row per question sent after
-- a resolution (to the person who resolved it), with the customer's rating once they answer.

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
