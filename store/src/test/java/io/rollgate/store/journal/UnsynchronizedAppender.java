package io.rollgate.store.journal;

import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Canonical;
import io.rollgate.store.db.Database;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.jdbi.v3.core.Jdbi;

/**
 * DELIBERATELY BROKEN — a negative control for {@link JournalStressHarness}, never a model.
 *
 * <p>What a journal looks like without the single writer: each caller reads the chain head from a
 * shared in-memory reference (no lock), takes {@code MAX(seq) + 1} from the database, computes the
 * next hash and inserts in its own transaction on the read pool. Two callers can link to the same
 * previous hash, pick the same seq, or link to a head that is no longer the head. The harness must
 * notice.
 */
final class UnsynchronizedAppender implements JournalStressHarness.Appender {
  private final Jdbi jdbi;
  private final InstantSource clock;
  private final AtomicReference<String> headHash = new AtomicReference<>(JournalEntry.GENESIS_HASH);

  UnsynchronizedAppender(Database db, InstantSource clock) {
    this.jdbi = db.reads();
    this.clock = clock;
  }

  @Override
  public long append(String id, int thread, int index) {
    String prev = headHash.get();
    JournalEntry entry = jdbi.inTransaction(h -> {
      long seq = h.createQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM journal").mapTo(Long.class).one();
      JournalEntry e = JournalEntry.chain(seq, clock.instant(), JournalStressHarness.TYPE, "stress",
          "t" + thread, JournalStressHarness.payload(id, thread, index), prev);
      h.createUpdate("""
              INSERT INTO journal (seq, recorded_at, type, subject, actor, payload, prev_hash, hash)
              VALUES (:seq, :at, :type, :subject, :actor, :payload, :prev, :hash)
              """)
          .bind("seq", e.seq()).bind("at", e.recordedAt().toEpochMilli()).bind("type", e.type())
          .bind("subject", e.subject()).bind("actor", e.actor())
          .bind("payload", Canonical.canonicalize(e.payload())).bind("prev", e.prevHash()).bind("hash", e.hash())
          .execute();
      h.createUpdate("UPDATE journal_head SET seq = :seq, hash = :hash WHERE id = 1")
          .bind("seq", e.seq()).bind("hash", e.hash()).execute();
      return e;
    });
    headHash.set(entry.hash());
    return entry.seq();
  }
}
