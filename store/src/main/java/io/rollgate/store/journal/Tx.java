package io.rollgate.store.journal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import java.sql.Savepoint;
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
  private final List<String> appendedPayloads = new ArrayList<>();
  private Savepoint savepoint;
  private RuntimeException savepointFailure;

  Tx(Handle handle, Instant now, long headSeq, String headHash) {
    this.handle = handle;
    // the store keeps milliseconds (and the hash covers them): a finer time would make the entry a
    // listener sees differ from the same entry read back, and guards disagree with stored times
    this.now = now.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    this.headSeq = headSeq;
    this.headHash = headHash;
  }

  /**
   * The batch transaction. The first call opens this command's savepoint, so that a command that
   * throws undoes its own writes and nothing else. A command that never asks for the handle cannot
   * have written anything and costs no savepoint (on PostgreSQL, two round trips fewer).
   */
  public Handle handle() {
    if (savepoint == null) {
      try {
        savepoint = Journal.savepoint(handle);
      } catch (RuntimeException e) {
        savepointFailure = e; // the transaction is unusable: the journal fails the whole batch
        throw e;
      }
    }
    return handle;
  }

  /** The time of this command, from the journal's injected clock. */
  public Instant now() {
    return now;
  }

  /** Appends an entry to the chain and returns its sequence number. */
  public long append(String type, String subject, String actor, ObjectNode payload) {
    if (payload == null) { // would be stored as the text null, which no reader accepts
      throw new IllegalArgumentException("a journal entry's payload must be a JSON object, not null");
    }
    String canonicalPayload = JournalEntry.canonicalPayload(payload); // hashed, then stored as is
    JournalEntry e = JournalEntry.chain(headSeq + 1, now, type, subject, actor, payload, canonicalPayload, headHash);
    appended.add(e);
    appendedPayloads.add(canonicalPayload);
    headSeq = e.seq();
    headHash = e.hash();
    return e.seq();
  }

  /** This command's savepoint, or null if it never touched the database. */
  Savepoint savepoint() {
    return savepoint;
  }

  /** Non-null if opening the savepoint failed, whatever the command did with that exception. */
  RuntimeException savepointFailure() {
    return savepointFailure;
  }

  List<JournalEntry> appended() {
    return appended;
  }

  /** The canonical payload text of each {@link #appended} entry, in the same order. */
  List<String> appendedPayloads() {
    return appendedPayloads;
  }

  long headSeq() {
    return headSeq;
  }

  String headHash() {
    return headHash;
  }
}
