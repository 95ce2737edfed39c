-- A campaign's funnel, failures and charged messages as counters, so its page reads a few rows
-- instead of every recipient (100,000 rows took ~200 ms). One row per combination of what the
-- funnel and the cost tell apart; `n` contacts have it. The audience's rows are counted when it
-- is written (`db::campaigns::insert_recipients`), then the triggers below move each recipient
-- between rows as their state, status, error, charge, reply or opt-out changes, and take them
-- out when their row is deleted (a contact deleted or erased).

-- Whether the recipient's customer-service window was open when the campaign started (a
-- utility template is free then): the recorded estimate needs it.
ALTER TABLE campaign_recipients ADD COLUMN window_open INTEGER NOT NULL DEFAULT 0;

CREATE TABLE campaign_counts (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    market      TEXT NOT NULL,
    state       TEXT NOT NULL,
    rank        INTEGER NOT NULL,
    error_code  INTEGER NOT NULL,   -- 0: none
    charged     TEXT NOT NULL,      -- '': not charged
    replied     INTEGER NOT NULL,
    opted_out   INTEGER NOT NULL,
    window_open INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, market, state, rank, error_code, charged, replied, opted_out,
                 window_open)
) STRICT, WITHOUT ROWID;

INSERT INTO campaign_counts
SELECT campaign_id, market, state, rank, COALESCE(error_code, 0), COALESCE(charged, ''),
       replied_at IS NOT NULL, opted_out_at IS NOT NULL, window_open, COUNT(*)
FROM campaign_recipients GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;

CREATE TRIGGER campaign_counts_delete AFTER DELETE ON campaign_recipients
BEGIN
    UPDATE campaign_counts SET n = n - 1
    WHERE campaign_id = OLD.campaign_id AND market = OLD.market AND state = OLD.state
      AND rank = OLD.rank AND error_code = COALESCE(OLD.error_code, 0)
      AND charged = COALESCE(OLD.charged, '') AND replied = (OLD.replied_at IS NOT NULL)
      AND opted_out = (OLD.opted_out_at IS NOT NULL) AND window_open = OLD.window_open;
END;

CREATE TRIGGER campaign_counts_update
AFTER UPDATE OF market, state, rank, error_code, charged, replied_at, opted_out_at, window_open
ON campaign_recipients
BEGIN
    UPDATE campaign_counts SET n = n - 1
    WHERE campaign_id = OLD.campaign_id AND market = OLD.market AND state = OLD.state
      AND rank = OLD.rank AND error_code = COALESCE(OLD.error_code, 0)
      AND charged = COALESCE(OLD.charged, '') AND replied = (OLD.replied_at IS NOT NULL)
      AND opted_out = (OLD.opted_out_at IS NOT NULL) AND window_open = OLD.window_open;
    INSERT INTO campaign_counts
    VALUES (NEW.campaign_id, NEW.market, NEW.state, NEW.rank, COALESCE(NEW.error_code, 0),
            COALESCE(NEW.charged, ''), NEW.replied_at IS NOT NULL, NEW.opted_out_at IS NOT NULL,
            NEW.window_open, 1)
    ON CONFLICT DO UPDATE SET n = n + 1;
END;
