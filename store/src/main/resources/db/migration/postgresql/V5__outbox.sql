-- Notifications (issue 6): a durable outbox of deliveries to external trackers and chat, written in the
-- same transaction as the change that causes them, and delivered by a loop that never blocks that change.
CREATE TABLE notify_outbox (
  id               BIGSERIAL PRIMARY KEY,
  incident_id      TEXT    NOT NULL,      -- the incident, or rollout:{id} for rollout messages
  sink_id          TEXT    NOT NULL,      -- the notifier's id from rollgate.yaml
  message          TEXT    NOT NULL,      -- opened | updated | rollout
  payload          TEXT    NOT NULL,      -- the template context (JSON)
  attempts         INTEGER NOT NULL,
  next_attempt_at  BIGINT  NOT NULL,      -- epoch milliseconds
  state            TEXT    NOT NULL,      -- pending | done | failed
  last_error       TEXT,
  external_id      TEXT,
  external_url     TEXT,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_attempt_at, id);
CREATE INDEX notify_outbox_incident ON notify_outbox (incident_id, sink_id, id);

-- The idempotency record: one external issue per (incident, sink). 'creating' is written and committed
-- before the create request is sent; after a timeout or a restart the tracker is searched for the
-- incident's marker before anything is created again.
CREATE TABLE notify_external (
  incident_id   TEXT    NOT NULL,
  sink_id       TEXT    NOT NULL,
  state         TEXT    NOT NULL,         -- creating | created
  external_id   TEXT,                     -- issue number, iid or key
  external_url  TEXT,
  created_at    BIGINT  NOT NULL,
  updated_at    BIGINT  NOT NULL,
  PRIMARY KEY (incident_id, sink_id)
);

-- How far the rollout-message pump has read the journal (one row per pump).
CREATE TABLE notify_cursor (
  name  TEXT    PRIMARY KEY,
  seq   BIGINT  NOT NULL
);
