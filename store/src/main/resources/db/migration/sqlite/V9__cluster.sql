-- Replicas (issue 10) are PostgreSQL only: single-process SQLite is always its own leader and never
-- fences. The tables exist so that the cluster view and the writer read the same schema on both.
CREATE TABLE cluster_leader (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  epoch        BIGINT  NOT NULL,
  leader_id    TEXT,                  -- the replica elected at this epoch
  lease_until  BIGINT  NOT NULL,      -- epoch milliseconds; the leader renews it, others take over after it
  elected_at   BIGINT                 -- epoch milliseconds
);
INSERT INTO cluster_leader (id, epoch, leader_id, lease_until, elected_at) VALUES (1, 0, NULL, 0, NULL);

-- Every replica heartbeats here: what GET /api/v1/cluster lists.
CREATE TABLE cluster_replicas (
  id            TEXT    PRIMARY KEY,
  address       TEXT    NOT NULL,     -- host:port of its HTTP API
  started_at    BIGINT  NOT NULL,
  last_seen_at  BIGINT  NOT NULL,
  journal_seq   BIGINT  NOT NULL      -- the last journal entry it has published to its own listeners
);
