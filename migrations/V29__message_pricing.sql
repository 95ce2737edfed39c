-- FlowCRM schema, version 29: what Meta charges for each message. Status webhooks carry a
-- `pricing` object (`category`: marketing, utility, authentication, service…; `type`: regular,
-- free_customer_service, free_entry_point; `pricing_model`: PMP since July 2025, CBP before;
-- `billable`, being retired). Each status keeps all of it, and each message keeps the newest
-- its statuses reported, for campaign costs and reports. Nullable: O(1) on existing rows.
ALTER TABLE message_statuses ADD COLUMN pricing_type TEXT;
ALTER TABLE message_statuses ADD COLUMN pricing_model TEXT;
ALTER TABLE message_statuses ADD COLUMN billable INTEGER;
ALTER TABLE messages ADD COLUMN pricing_category TEXT;
ALTER TABLE messages ADD COLUMN pricing_type TEXT;
ALTER TABLE messages ADD COLUMN pricing_model TEXT;
ALTER TABLE messages ADD COLUMN billable INTEGER;
