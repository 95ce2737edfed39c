-- FlowCRM schema, version 25: "restrict processing" per contact (GDPR art. 18): when set, the
-- contact is left out of list exports, AI, Sheets sync, broadcasts and automations and stays
-- reachable for 1:1 conversation. Changes are audited and shown in the contact's history.
ALTER TABLE contacts ADD COLUMN restricted_at INTEGER;
