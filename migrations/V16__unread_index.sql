-- FlowCRM schema, version 16: every page shows the unread count of the conversations that are
-- the person's or nobody's (tab title, Inbox item); this index keeps that count cheap.
CREATE INDEX conversations_unread ON conversations (assignee_id) WHERE unread_count > 0;
