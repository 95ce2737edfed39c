-- FlowCRM schema, version 13: each person's preferences: their time zone (unset: the
-- business's, app.timezone) and browser notifications for new messages (off until they opt in).
ALTER TABLE users ADD COLUMN timezone TEXT;
ALTER TABLE users ADD COLUMN notify_sound INTEGER NOT NULL DEFAULT 0 CHECK (notify_sound IN (0, 1));
ALTER TABLE users ADD COLUMN notify_desktop INTEGER NOT NULL DEFAULT 0 CHECK (notify_desktop IN (0, 1));
