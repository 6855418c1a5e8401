package io.rollgate.store.journal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;

/** What a {@link Command} sees: the batch transaction, the time, and the journal to append to. */
public final class Tx {
  private final Handle handle;
  private final Instant now;
  private long headSeq;
  private String headHash;
  private final List<JournalEntry> appended = new ArrayList<>();

  Tx(Handle handle, Instant now, long headSeq, String headHash) {
    this.handle = handle;
    this.now = now;
    this.headSeq = headSeq;
    this.headHash = headHash;
  }

  public Handle handle() {
    return handle;
  }

  /** The time of this command, from the journal's injected clock. */
  public Instant now() {
    return now;
  }

  /** Appends an entry to the chain and returns its sequence number. */
  public long append(String type, String subject, String actor, ObjectNode payload) {
    JournalEntry e = JournalEntry.chain(headSeq + 1, now, type, subject, actor, payload, headHash);
    appended.add(e);
    headSeq = e.seq();
    headHash = e.hash();
    return e.seq();
  }

  List<JournalEntry> appended() {
    return appended;
  }

  long headSeq() {
    return headSeq;
  }

  String headHash() {
    return headHash;
  }
}
