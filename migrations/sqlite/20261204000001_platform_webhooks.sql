-- The wallet platform's webhook keys beyond WEBHOOK_SECRET, added by
-- `tidings platform rotate-secret`: only their SHA-256 (intake compares
-- hashes). A key with a `retire_at` stops working then (the previous key,
-- kept through the rotation's grace period); WEBHOOK_SECRET itself works
-- unless a row retires it.
CREATE TABLE platform_webhook_keys (
    key_hash    TEXT PRIMARY KEY,
    added_at    TEXT NOT NULL,
    retire_at   TEXT
);

-- The webhook apps registered on the seeds' platform
-- (`tidings platform register-webhook`): reconciliation reads their
-- delivery logs.
CREATE TABLE platform_webhook_apps (
    app_id      TEXT PRIMARY KEY,
    webhook_url TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
