-- FlowCRM schema, version 5: products and orders (WhatsApp catalog carts become orders).
-- Money is in minor units of the order's currency.

CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    retailer_id  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    price_minor  INTEGER,
    currency     TEXT,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE order_statuses (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
) STRICT;
INSERT INTO order_statuses (name, position) VALUES
    ('new', 1), ('confirmed', 2), ('paid', 3), ('shipped', 4), ('delivered', 5), ('cancelled', 6);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    message_id      INTEGER UNIQUE REFERENCES messages (id) ON DELETE SET NULL,
    source          TEXT NOT NULL CHECK (source IN ('whatsapp', 'manual')),
    status          TEXT NOT NULL DEFAULT 'new' REFERENCES order_statuses (name),
    currency        TEXT NOT NULL,
    total_minor     INTEGER NOT NULL,
    catalog_id      TEXT,
    note            TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX orders_created ON orders (created_at DESC, id DESC);
CREATE INDEX orders_contact ON orders (contact_id);
CREATE INDEX orders_status ON orders (status, created_at DESC);

CREATE TABLE order_items (
    id                  INTEGER PRIMARY KEY,
    order_id            INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    product_retailer_id TEXT NOT NULL,
    name                TEXT NOT NULL DEFAULT '',
    quantity            INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor    INTEGER NOT NULL CHECK (unit_price_minor >= 0)
) STRICT;
CREATE INDEX order_items_order ON order_items (order_id);

-- Who changed an order's status, when.
CREATE TABLE order_history (
    id          INTEGER PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    from_status TEXT,
    to_status   TEXT NOT NULL
) STRICT;
CREATE INDEX order_history_order ON order_history (order_id, at);
