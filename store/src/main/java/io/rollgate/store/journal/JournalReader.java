package io.rollgate.store.journal;

import io.rollgate.audit.ChainVerifier;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.jdbi.v3.core.mapper.RowMapper;

/** Reads the journal from the read pool: pages of entries, the head, and full chain verification. */
public final class JournalReader {
  public static final int MAX_PAGE = 1000;

  static final RowMapper<JournalEntry> ROW = (rs, ctx) -> new JournalEntry(
      rs.getLong("seq"),
      Instant.ofEpochMilli(rs.getLong("recorded_at")),
      rs.getString("type"),
      rs.getString("subject"),
      rs.getString("actor"),
      Json.parseStoredObject(rs.getString("payload")),
      rs.getString("prev_hash"),
      rs.getString("hash"));

  private final Jdbi reads;

  public JournalReader(Database db) {
    this.reads = db.reads();
  }

  /** Up to {@code limit} entries with {@code seq > afterSeq}, oldest first. */
  public List<JournalEntry> page(long afterSeq, int limit) {
    return reads.withHandle(h -> h.createQuery("""
            SELECT seq, recorded_at, type, subject, actor, payload, prev_hash, hash
            FROM journal WHERE seq > :after ORDER BY seq LIMIT :limit
            """)
        .bind("after", afterSeq)
        .bind("limit", limit)
        .map(ROW)
        .list());
  }

  /** The head as stored: {@code seq} of the last entry (0 when empty) and its hash. */
  public Head head() {
    return reads.withHandle(h -> h.createQuery("SELECT seq, hash FROM journal_head WHERE id = 1")
        .map((rs, ctx) -> new Head(rs.getLong("seq"), rs.getString("hash")))
        .one());
  }

  /** Number of entries stored. */
  public long count() {
    return reads.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM journal").mapTo(Long.class).one());
  }

  /**
   * Recomputes the whole chain, streaming, in one repeatable-read transaction so the head and the
   * entries are one snapshot. Rows past the stored head are read too: a forged row there is reported.
   */
  public ChainVerifier.Result verify() {
    return verifyAfter(0, JournalEntry.GENESIS_HASH);
  }

  /**
   * Verifies only the entries after {@code afterSeq}, whose hash an earlier verification found to be
   * {@code afterHash} — the attestor's incremental pass. If that anchor entry no longer has that
   * hash (a rewritten chain) or the head went backwards, falls back to a full verification so the
   * result names the first bad entry.
   */
  public ChainVerifier.Result verifyAfter(long afterSeq, String afterHash) {
    return verifyAfter(reads, afterSeq, afterHash);
  }

  /** A full verification of the journal in any Rollgate database, e.g. a backup copy opened on its own. */
  public static ChainVerifier.Result verify(Jdbi db) {
    return verifyAfter(db, 0, JournalEntry.GENESIS_HASH);
  }

  private static ChainVerifier.Result verifyAfter(Jdbi reads, long afterSeq, String afterHash) {
    return reads.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
      Head head = h.createQuery("SELECT seq, hash FROM journal_head WHERE id = 1")
          .map((rs, ctx) -> new Head(rs.getLong("seq"), rs.getString("hash")))
          .one();
      long from = afterSeq;
      String fromHash = afterHash;
      if (afterSeq > 0) {
        String anchor = h.createQuery("SELECT hash FROM journal WHERE seq = :seq")
            .bind("seq", afterSeq).mapTo(String.class).findOne().orElse(null);
        if (!afterHash.equals(anchor) || head.seq() < afterSeq) {
          from = 0;
          fromHash = JournalEntry.GENESIS_HASH;
        }
      }
      var verifier = new ChainVerifier(from, fromHash);
      try (var stream = h.createQuery("""
              SELECT seq, recorded_at, type, subject, actor, payload, prev_hash, hash
              FROM journal WHERE seq > :after ORDER BY seq
              """)
          .bind("after", from)
          .setFetchSize(1000)
          .map(ROW)
          .stream()) {
        stream.forEach(verifier::accept);
      }
      verifier.checkHead(head.seq(), head.hash());
      return verifier.result();
    });
  }

  public record Head(long seq, String hash) {}
}
