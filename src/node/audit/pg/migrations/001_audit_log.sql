-- Rollback Lens: the audit logs kept in PostgreSQL (src/node/audit/pg/store.ts).
-- One row per log (a repository's log, named by its log id) holding the head
-- of its chain, and one row per line holding the line's exact JSON text: the
-- bytes the file log (.rollback-lens/audit.jsonl) would hold, without the
-- newline. Appends lock the log's row (SELECT ... FOR UPDATE), so each line's
-- `prev` is the hash of the line before it. Applied once, in a transaction,
-- by src/node/audit/pg/migrate.ts.
CREATE TABLE rollback_lens_audit_log (
  log_id     text        PRIMARY KEY CHECK (log_id <> ''),
  -- sha256:<hex> of the last line's text: the next record's prev (GENESIS when the log is empty)
  head       text        NOT NULL,
  -- how many lines the log holds
  lines      bigint      NOT NULL CHECK (lines >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rollback_lens_audit_record (
  log_id      text        NOT NULL REFERENCES rollback_lens_audit_log (log_id),
  -- 1-based, as a line of the file log
  line        bigint      NOT NULL CHECK (line >= 1),
  -- the record's JSON text, byte for byte as the file log would hold it (no newline)
  body        text        NOT NULL,
  -- sha256:<hex> of body's UTF-8 bytes when it was appended (verify recomputes it from body)
  hash        text        NOT NULL,
  -- audit push: the hash of the file log's line this record was copied from (null for a direct append)
  origin_hash text,
  -- copies of the record's kind, path and time, for queries (verify reads only body)
  kind        text        NOT NULL,
  path        text        NOT NULL,
  time        timestamptz NOT NULL,
  appended_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (log_id, line)
);

CREATE INDEX rollback_lens_audit_record_hash ON rollback_lens_audit_record (log_id, hash);
CREATE INDEX rollback_lens_audit_record_origin ON rollback_lens_audit_record (log_id, origin_hash) WHERE origin_hash IS NOT NULL;
CREATE INDEX rollback_lens_audit_record_kind_path ON rollback_lens_audit_record (log_id, kind, path);
