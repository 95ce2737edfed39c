-- Retention: a media file removed after `retention.media_days` (the message stays and says so).
ALTER TABLE media ADD COLUMN removed_at INTEGER;
-- The retention job looks for old messages and media by time.
CREATE INDEX messages_sent_at ON messages (sent_at, id);
CREATE INDEX media_stored_received ON media (received_at) WHERE state = 'stored';
