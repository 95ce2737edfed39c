-- FlowCRM schema, version 30: broadcasts. A campaign sends one approved template to the
-- contacts of one or more segments (minus exclusion segments), through the outbox, with a cost
-- estimate from the owner's rate table before and the delivery funnel after.

CREATE TABLE campaigns (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    template_name     TEXT NOT NULL,
    template_language TEXT NOT NULL,
    -- JSON: one binding per body variable, in order: {"field": "name", "fallback": "friend"}
    -- (a contact field, custom fields as "field:<key>") or {"text": "..."} (fixed text).
    variables         TEXT NOT NULL DEFAULT '[]',
    -- JSON media header: {"format": "image", "media_id": "...", "filename": null} or null.
    header            TEXT,
    include_segments  TEXT NOT NULL DEFAULT '[]',   -- JSON segment ids
    exclude_segments  TEXT NOT NULL DEFAULT '[]',
    allow_unknown     INTEGER NOT NULL DEFAULT 0,   -- utility templates: consent unknown may get it
    state             TEXT NOT NULL DEFAULT 'draft'
                      CHECK (state IN ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')),
    scheduled_at      INTEGER,                      -- UTC; NULL: now
    category          TEXT NOT NULL DEFAULT '',     -- the template's category when it started
    started_at        INTEGER,                      -- the audience was taken
    finished_at       INTEGER,
    left_out          TEXT NOT NULL DEFAULT '{}',   -- JSON counts by reason when it started
    created_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE INDEX campaigns_state ON campaigns (state, scheduled_at);

-- Who a started campaign is for: `pending` until the sender gets it (`queued`, with its
-- message), `skipped` with the reason (left out when it started, or when their turn came),
-- `cancelled`. The funnel columns are copied from the message by the triggers below, so the
-- funnel is one pass over this table.
CREATE TABLE campaign_recipients (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'queued', 'skipped', 'cancelled')),
    reason       TEXT,
    market       TEXT NOT NULL DEFAULT '',
    params       TEXT,                              -- JSON: the variables' values for them
    message_id   INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    queued_at    INTEGER,
    rank         INTEGER NOT NULL DEFAULT 0,        -- messages.status_rank
    error_code   INTEGER,
    charged      TEXT,                              -- category Meta charged, NULL when free
    replied_at   INTEGER,                           -- first inbound within 72 h
    opted_out_at INTEGER,                           -- opted out within 72 h
    PRIMARY KEY (campaign_id, contact_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX campaign_recipients_state ON campaign_recipients (campaign_id, state, contact_id);
CREATE INDEX campaign_recipients_message ON campaign_recipients (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX campaign_recipients_contact ON campaign_recipients (contact_id, queued_at);

-- Campaign messages in the outbox wait while their campaign is paused, and 1:1 messages go first.
ALTER TABLE outbox ADD COLUMN campaign_id INTEGER REFERENCES campaigns (id) ON DELETE SET NULL;
CREATE INDEX outbox_campaign ON outbox (campaign_id, state) WHERE campaign_id IS NOT NULL;

CREATE TRIGGER campaign_recipient_status
AFTER UPDATE OF status_rank, error_code, pricing_type, pricing_category, billable ON messages
WHEN NEW.direction = 'out'
BEGIN
    UPDATE campaign_recipients
    SET rank = NEW.status_rank, error_code = NEW.error_code,
        charged = CASE WHEN NEW.pricing_type = 'regular'
                         OR (NEW.pricing_type IS NULL AND NEW.billable = 1)
                       THEN lower(NEW.pricing_category) END
    WHERE message_id = NEW.id;
END;

CREATE TRIGGER campaign_recipient_reply AFTER INSERT ON messages WHEN NEW.direction = 'in'
BEGIN
    UPDATE campaign_recipients SET replied_at = NEW.sent_at
    WHERE contact_id = (SELECT contact_id FROM conversations WHERE id = NEW.conversation_id)
      AND state = 'queued' AND replied_at IS NULL
      AND NEW.sent_at >= queued_at AND NEW.sent_at <= queued_at + 259200;
END;

CREATE TRIGGER campaign_recipient_opt_out AFTER INSERT ON consent_events WHEN NEW.state = 'out'
BEGIN
    UPDATE campaign_recipients SET opted_out_at = NEW.at
    WHERE contact_id = NEW.contact_id AND state = 'queued' AND opted_out_at IS NULL
      AND NEW.at >= queued_at AND NEW.at <= queued_at + 259200;
END;

-- What Meta charges per delivered template, by market and category, in the business's
-- currency (`settings` rates.currency, USD until set), owner-editable. Seeded with an EXAMPLE
-- (until the owner saves the table, which stores `settings` rates.example = 0): Meta's published USD list
-- rates of mid-2025 for a few markets, rounded; check Meta's current rate card.
CREATE TABLE message_rates (
    market     TEXT NOT NULL,
    category   TEXT NOT NULL CHECK (category IN ('marketing', 'utility', 'authentication')),
    rate_micro INTEGER NOT NULL CHECK (rate_micro >= 0),   -- millionths of the currency unit
    PRIMARY KEY (market, category)
) STRICT, WITHOUT ROWID;
INSERT INTO message_rates (market, category, rate_micro) VALUES
    ('Brazil', 'marketing', 62500), ('Brazil', 'utility', 6800), ('Brazil', 'authentication', 6800),
    ('India', 'marketing', 10700), ('India', 'utility', 1400), ('India', 'authentication', 1400),
    ('Indonesia', 'marketing', 41100), ('Indonesia', 'utility', 2500), ('Indonesia', 'authentication', 2500),
    ('Germany', 'marketing', 136500), ('Germany', 'utility', 5500), ('Germany', 'authentication', 5500),
    ('United Kingdom', 'marketing', 52900), ('United Kingdom', 'utility', 2200), ('United Kingdom', 'authentication', 2200),
    ('Mexico', 'marketing', 30500), ('Mexico', 'utility', 1000), ('Mexico', 'authentication', 1000),
    ('North America', 'marketing', 25000), ('North America', 'utility', 3400), ('North America', 'authentication', 3400),
    ('Other', 'marketing', 60400), ('Other', 'utility', 7700), ('Other', 'authentication', 7700);
