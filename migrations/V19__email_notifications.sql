-- FlowCRM schema, version 19: email notifications each person opts into (a conversation was
-- assigned to me; a customer wrote in my conversation while I was away; account alerts, on by
-- default for admins), and what was already emailed.
ALTER TABLE users ADD COLUMN email_on_assign INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN email_on_customer INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN email_on_alerts INTEGER NOT NULL DEFAULT 1;
-- When the assignee was last emailed about this conversation (at most once per 15 minutes).
ALTER TABLE conversations ADD COLUMN emailed_at INTEGER;
-- When the admins were emailed about this alert.
ALTER TABLE account_alerts ADD COLUMN emailed_at INTEGER;
