-- FlowCRM schema, version 32: reports. Reporting events are written by the use cases when a
-- conversation is opened or reopened, answered, assigned or resolved, each with its duration in
-- seconds and in business seconds (computed once, when written). `report_cycles` is the state
-- that lets the next event be measured. The events of conversations that existed before this
-- version are back-filled from their messages and audit entries by the binary after migrating
-- (`db::reports::backfill`, marked done in `report_backfill`).

CREATE TABLE report_events (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('opened', 'reopened', 'first_response', 'reply',
                                                   'assigned', 'reassigned', 'resolved',
                                                   'window_expired')),
    at               INTEGER NOT NULL,
    user_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    seconds          INTEGER,           -- first response, reply: since the customer's first unanswered message;
    business_seconds INTEGER,           -- assigned, resolved: since the conversation (re)opened
    in_window        INTEGER,           -- reply: sent within 24 h of the customer's last message
    day              INTEGER NOT NULL   -- the local date in the business's zone, days since 1970-01-01
) STRICT;
CREATE INDEX report_events_kind_at ON report_events (kind, at, user_id, seconds, business_seconds, in_window);
CREATE INDEX report_events_conversation ON report_events (conversation_id, at);

CREATE TABLE report_cycles (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    open_at         INTEGER,            -- when the current cycle opened; NULL while resolved
    waiting_since   INTEGER,            -- the customer's first unanswered message
    last_in         INTEGER,            -- the customer's last message
    responded       INTEGER NOT NULL DEFAULT 0,  -- the cycle's first response is recorded
    assigned        INTEGER NOT NULL DEFAULT 0   -- the cycle's first assignment is recorded
) STRICT;
CREATE INDEX report_cycles_waiting ON report_cycles (waiting_since) WHERE waiting_since IS NOT NULL;

-- Events per local day, kind and person (0: nobody), kept by triggers: the counts and the daily
-- series read a few hundred rows a year. Exact as events come and go (erasure cascades).
CREATE TABLE report_days (
    kind    TEXT NOT NULL,
    day     INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    inside  INTEGER NOT NULL,   -- replies inside the customer's window
    PRIMARY KEY (kind, day, user_id)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER report_days_insert AFTER INSERT ON report_events
BEGIN
    INSERT INTO report_days (kind, day, user_id, n, inside)
    VALUES (NEW.kind, NEW.day, COALESCE(NEW.user_id, 0), 1, COALESCE(NEW.in_window, 0))
    ON CONFLICT (kind, day, user_id) DO UPDATE SET n = n + 1, inside = inside + excluded.inside;
END;
CREATE TRIGGER report_days_delete AFTER DELETE ON report_events
BEGIN
    UPDATE report_days SET n = n - 1, inside = inside - COALESCE(OLD.in_window, 0)
    WHERE kind = OLD.kind AND day = OLD.day AND user_id = COALESCE(OLD.user_id, 0);
END;
-- A person removed from the team: their events become nobody's.
CREATE TRIGGER report_days_user AFTER UPDATE OF user_id ON report_events
BEGIN
    UPDATE report_days SET n = n - 1, inside = inside - COALESCE(OLD.in_window, 0)
    WHERE kind = OLD.kind AND day = OLD.day AND user_id = COALESCE(OLD.user_id, 0);
    INSERT INTO report_days (kind, day, user_id, n, inside)
    VALUES (NEW.kind, NEW.day, COALESCE(NEW.user_id, 0), 1, COALESCE(NEW.in_window, 0))
    ON CONFLICT (kind, day, user_id) DO UPDATE SET n = n + 1, inside = inside + excluded.inside;
END;

-- Whether the events of the conversations older than version 32 were back-filled.
CREATE TABLE report_backfill (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    done_at  INTEGER NOT NULL,
    events   INTEGER NOT NULL,
    millis   INTEGER NOT NULL
) STRICT;

-- Messages in and out per quarter hour (UTC), kept by a trigger: the volumes and the heatmap
-- read at most 35,040 rows a year instead of every message. Counts are not personal data and
-- stay when messages are removed.
CREATE TABLE report_counts (
    bucket   INTEGER PRIMARY KEY,       -- unix time, a multiple of 900
    msgs_in  INTEGER NOT NULL DEFAULT 0,
    msgs_out INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO report_counts (bucket, msgs_in, msgs_out)
SELECT sent_at / 900 * 900, SUM(direction = 'in'), SUM(direction = 'out')
FROM messages GROUP BY 1;
CREATE TRIGGER report_counts_message AFTER INSERT ON messages
BEGIN
    INSERT INTO report_counts (bucket, msgs_in, msgs_out)
    VALUES (NEW.sent_at / 900 * 900, NEW.direction = 'in', NEW.direction = 'out')
    ON CONFLICT (bucket) DO UPDATE SET msgs_in = msgs_in + excluded.msgs_in,
                                       msgs_out = msgs_out + excluded.msgs_out;
END;

-- Customer messages that came from a click-to-WhatsApp ad (or post), kept by a trigger.
CREATE TABLE report_ads (
    message_id      INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    source_id       TEXT NOT NULL,
    headline        TEXT NOT NULL DEFAULT '',
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX report_ads_at ON report_ads (at);
CREATE INDEX report_ads_conversation ON report_ads (conversation_id, at);
INSERT INTO report_ads (message_id, conversation_id, source_id, headline, at)
SELECT id, conversation_id, json_extract(extras, '$.referral.source_id'),
       COALESCE(json_extract(extras, '$.referral.headline'), ''), sent_at
FROM messages
WHERE direction = 'in' AND extras IS NOT NULL
  AND json_extract(extras, '$.referral.source_id') IS NOT NULL;
CREATE TRIGGER report_ads_message AFTER INSERT ON messages
WHEN NEW.direction = 'in' AND NEW.extras IS NOT NULL
 AND json_extract(NEW.extras, '$.referral.source_id') IS NOT NULL
BEGIN
    INSERT OR IGNORE INTO report_ads (message_id, conversation_id, source_id, headline, at)
    VALUES (NEW.id, NEW.conversation_id, json_extract(NEW.extras, '$.referral.source_id'),
            COALESCE(json_extract(NEW.extras, '$.referral.headline'), ''), NEW.sent_at);
END;
-- A merge moves messages between conversations: their ad referrals follow.
CREATE TRIGGER report_ads_moved AFTER UPDATE OF conversation_id ON messages
BEGIN
    UPDATE report_ads SET conversation_id = NEW.conversation_id WHERE message_id = NEW.id;
END;

-- Template messages Meta charged, by time: the cost per day reads these only.
CREATE INDEX messages_priced ON messages (sent_at) WHERE pricing_category IS NOT NULL;

-- Template messages Meta charged, per hour, the recipient's number prefix (`+` and three digits:
-- enough to tell the market) and category, kept by a trigger as status webhooks bring `pricing`:
-- the cost per day reads these instead of every priced message and its contact.
CREATE TABLE report_charges (
    hour     INTEGER NOT NULL,   -- unix time / 3600
    prefix   TEXT NOT NULL,
    category TEXT NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (hour, prefix, category)
) STRICT, WITHOUT ROWID;
INSERT INTO report_charges (hour, prefix, category, n)
SELECT m.sent_at / 3600, substr(COALESCE(k.phone, ''), 1, 4), lower(m.pricing_category), COUNT(*)
FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
WHERE m.direction = 'out' AND m.pricing_category IS NOT NULL
  AND (m.pricing_type = 'regular' OR (m.pricing_type IS NULL AND m.billable = 1))
GROUP BY 1, 2, 3;
CREATE TRIGGER report_charges_pricing
AFTER UPDATE OF pricing_type, pricing_category, billable ON messages
WHEN NEW.direction = 'out'
BEGIN
    UPDATE report_charges SET n = n - 1
    WHERE OLD.pricing_category IS NOT NULL
      AND (OLD.pricing_type = 'regular' OR (OLD.pricing_type IS NULL AND OLD.billable = 1))
      AND hour = OLD.sent_at / 3600 AND category = lower(OLD.pricing_category)
      AND prefix = (SELECT substr(COALESCE(k.phone, ''), 1, 4) FROM conversations c
                    JOIN contacts k ON k.id = c.contact_id WHERE c.id = OLD.conversation_id);
    INSERT INTO report_charges (hour, prefix, category, n)
    SELECT NEW.sent_at / 3600,
           (SELECT substr(COALESCE(k.phone, ''), 1, 4) FROM conversations c
            JOIN contacts k ON k.id = c.contact_id WHERE c.id = NEW.conversation_id),
           lower(NEW.pricing_category), 1
    WHERE NEW.pricing_category IS NOT NULL
      AND (NEW.pricing_type = 'regular' OR (NEW.pricing_type IS NULL AND NEW.billable = 1))
    ON CONFLICT (hour, prefix, category) DO UPDATE SET n = n + 1;
END;
