-- robocore ledger schema, version 3 (PRAGMA user_version = 3).
-- Version 3 added inbound.due_at and the receipts and putaways tables (a version 2
-- ledger is migrated when opened: robocore.ledger._MIGRATIONS).
-- Times are ISO 8601 UTC strings, dates ISO YYYY-MM-DD. See docs/ledger.md.

CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS warehouses (
    id            TEXT PRIMARY KEY,
    region        TEXT NOT NULL,
    handling_days INTEGER NOT NULL CHECK (handling_days >= 0),
    cost          REAL NOT NULL CHECK (cost >= 0)
);

CREATE TABLE IF NOT EXISTS skus (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    category     TEXT NOT NULL,
    length_mm    INTEGER NOT NULL CHECK (length_mm > 0),
    width_mm     INTEGER NOT NULL CHECK (width_mm > 0),
    height_mm    INTEGER NOT NULL CHECK (height_mm > 0),
    weight_kg    REAL NOT NULL CHECK (weight_kg >= 0),
    price        REAL NOT NULL CHECK (price >= 0),
    upright_only INTEGER NOT NULL,
    attributes   TEXT NOT NULL          -- JSON object
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS skus_category ON skus (category);

CREATE TABLE IF NOT EXISTS locations (
    warehouse TEXT NOT NULL REFERENCES warehouses (id),
    slot      TEXT NOT NULL,
    capacity  INTEGER,                  -- NULL: unlimited
    pick_rank INTEGER,                  -- allocation prefers lower ranks (nearest the pack stations first), NULL = none
    PRIMARY KEY (warehouse, slot)
) WITHOUT ROWID;

-- One row per SKU per location. Conservation per row:
-- on_hand = received + adjusted + returned - picked.
CREATE TABLE IF NOT EXISTS stock (
    sku       TEXT NOT NULL REFERENCES skus (id),
    warehouse TEXT NOT NULL,
    slot      TEXT NOT NULL,
    on_hand   INTEGER NOT NULL DEFAULT 0,
    reserved  INTEGER NOT NULL DEFAULT 0,
    received  INTEGER NOT NULL DEFAULT 0,
    picked    INTEGER NOT NULL DEFAULT 0,
    returned  INTEGER NOT NULL DEFAULT 0,
    adjusted  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (sku, warehouse, slot),
    FOREIGN KEY (warehouse, slot) REFERENCES locations (warehouse, slot),
    CHECK (reserved >= 0 AND reserved <= on_hand)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS inbound (
    id          INTEGER PRIMARY KEY,
    sku         TEXT NOT NULL REFERENCES skus (id),
    warehouse   TEXT NOT NULL REFERENCES warehouses (id),
    qty         INTEGER NOT NULL CHECK (qty > 0),
    expected    TEXT NOT NULL,
    received_at TEXT,                   -- arrived (at a dock, or straight onto a slot)
    due_at      TEXT                    -- arrival time when finer than a day, NULL: the start of `expected`
);
CREATE INDEX IF NOT EXISTS inbound_sku ON inbound (sku, expected);

-- Inbound received at a dock, waiting to be put away: on hand at the dock,
-- not allocatable. stored = units already put away onto slots (putaways).
CREATE TABLE IF NOT EXISTS receipts (
    id         INTEGER PRIMARY KEY,
    inbound_id INTEGER NOT NULL UNIQUE REFERENCES inbound (id),
    sku        TEXT NOT NULL REFERENCES skus (id),
    warehouse  TEXT NOT NULL REFERENCES warehouses (id),
    dock       TEXT NOT NULL,
    qty        INTEGER NOT NULL CHECK (qty > 0),
    stored     INTEGER NOT NULL DEFAULT 0 CHECK (stored >= 0 AND stored <= qty),
    at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_open ON receipts (warehouse, sku) WHERE stored < qty;

-- One row per drop of received units onto a slot (the stock row's `received` grows by qty).
CREATE TABLE IF NOT EXISTS putaways (
    id         INTEGER PRIMARY KEY,
    receipt_id INTEGER NOT NULL REFERENCES receipts (id),
    sku        TEXT NOT NULL,
    warehouse  TEXT NOT NULL,
    slot       TEXT NOT NULL,
    qty        INTEGER NOT NULL CHECK (qty > 0),
    at         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS putaways_receipt ON putaways (receipt_id);

CREATE TABLE IF NOT EXISTS orders (
    seq           INTEGER PRIMARY KEY,  -- submission order
    id            TEXT NOT NULL UNIQUE, -- the client's order id
    customer      TEXT NOT NULL,
    ship_to       TEXT NOT NULL,        -- JSON object
    service_level TEXT NOT NULL,
    ship_complete INTEGER NOT NULL,
    priority      INTEGER NOT NULL,
    state         TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    resume_state  TEXT,
    submitted     TEXT NOT NULL,        -- canonical JSON of the order as submitted
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_state ON orders (state, seq);

CREATE TABLE IF NOT EXISTS lines (
    order_id         TEXT NOT NULL REFERENCES orders (id),
    line_no          INTEGER NOT NULL,
    sku              TEXT NOT NULL,
    qty              INTEGER,           -- NULL only on a rejected order whose qty was not an integer
    picked           INTEGER NOT NULL DEFAULT 0,
    shipped          INTEGER NOT NULL DEFAULT 0,
    returned         INTEGER NOT NULL DEFAULT 0,
    short            INTEGER NOT NULL DEFAULT 0,
    expected_date    TEXT,
    expected_reason  TEXT NOT NULL DEFAULT '',
    substituted_from TEXT,
    PRIMARY KEY (order_id, line_no)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS reservations (
    id        INTEGER PRIMARY KEY,
    order_id  TEXT NOT NULL,
    line_no   INTEGER NOT NULL,
    sku       TEXT NOT NULL,
    warehouse TEXT NOT NULL,
    slot      TEXT NOT NULL,
    qty       INTEGER NOT NULL CHECK (qty > 0),
    picked    INTEGER NOT NULL DEFAULT 0 CHECK (picked >= 0 AND picked <= qty),
    void      INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (order_id, line_no) REFERENCES lines (order_id, line_no),
    FOREIGN KEY (sku, warehouse, slot) REFERENCES stock (sku, warehouse, slot)
);
CREATE INDEX IF NOT EXISTS reservations_line ON reservations (order_id, line_no);

CREATE TABLE IF NOT EXISTS picks (
    id             INTEGER PRIMARY KEY,
    order_id       TEXT NOT NULL,
    line_no        INTEGER NOT NULL,
    reservation_id INTEGER NOT NULL REFERENCES reservations (id),
    sku            TEXT NOT NULL,
    warehouse      TEXT NOT NULL,
    slot           TEXT NOT NULL,
    qty            INTEGER NOT NULL CHECK (qty > 0),
    returned       INTEGER NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= qty),
    at             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS picks_order ON picks (order_id, line_no);

CREATE TABLE IF NOT EXISTS parcels (
    order_id   TEXT NOT NULL REFERENCES orders (id),
    parcel_id  TEXT NOT NULL,
    data       TEXT NOT NULL,           -- JSON object as given to mark_packed
    carrier    TEXT,
    service    TEXT,
    tracking   TEXT,
    packed_at  TEXT,
    shipped_at TEXT,
    PRIMARY KEY (order_id, parcel_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS events (
    id         INTEGER PRIMARY KEY,
    order_id   TEXT NOT NULL,
    at         TEXT NOT NULL,
    from_state TEXT,                    -- NULL for the first event (submission)
    to_state   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS events_order ON events (order_id, id);

CREATE TABLE IF NOT EXISTS outbox (
    id       INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL,
    kind     TEXT NOT NULL,
    key      TEXT NOT NULL DEFAULT '',
    payload  TEXT NOT NULL,             -- JSON
    at       TEXT NOT NULL,
    sent_at  TEXT,
    UNIQUE (order_id, kind, key)
);

CREATE TABLE IF NOT EXISTS adjustments (
    id        INTEGER PRIMARY KEY,
    warehouse TEXT NOT NULL,
    slot      TEXT NOT NULL,
    sku       TEXT NOT NULL,
    delta     INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL
);
