-- FlowCRM schema, version 4: contact details the business maintains.
ALTER TABLE contacts ADD COLUMN email TEXT;
CREATE INDEX contacts_name ON contacts (name COLLATE NOCASE);
CREATE INDEX contacts_created ON contacts (created_at DESC, id DESC);
