-- Web dashboard (issue 8): the HMAC-SHA256 key that signs session cookies. In the database, not in a
-- file or the repository, so that every replica on one PostgreSQL accepts the others' cookies and a
-- restart keeps sessions. One row (id = 1), created by the first server that needs it. Deleting the
-- row (and restarting) signs everyone out.
CREATE TABLE ui_session_key (
  id          INTEGER PRIMARY KEY,
  secret      TEXT    NOT NULL,     -- 32 random bytes, base64url
  created_at  BIGINT  NOT NULL      -- epoch milliseconds
);
