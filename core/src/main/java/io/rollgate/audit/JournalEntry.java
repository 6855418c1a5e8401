package io.rollgate.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import java.time.Instant;

/**
 * One entry of the hash-chained journal: {@code hash = SHA-256(prevHash ‖ canonical(entry))}, where
 * the canonical entry is the RFC 8785 form of {@code {seq, recordedAt, type, subject, actor, payload}}
 * and {@code prevHash} is the lower-case hex of the previous entry's hash (64 zeros for the first).
 */
public record JournalEntry(
    long seq, Instant recordedAt, String type, String subject, String actor, ObjectNode payload,
    String prevHash, String hash) {

  public static final String GENESIS_HASH = "0".repeat(64);

  /** Builds entry {@code seq} chained after {@code prevHash}. */
  public static JournalEntry chain(
      long seq, Instant recordedAt, String type, String subject, String actor, ObjectNode payload,
      String prevHash) {
    return chain(seq, recordedAt, type, subject, actor, payload, canonicalPayload(payload), prevHash);
  }

  /**
   * As {@link #chain(long, Instant, String, String, String, ObjectNode, String)} for a caller that
   * already holds {@code canonicalPayload(payload)} (the journal stores that text too), so the
   * payload is canonicalised once per entry.
   */
  public static JournalEntry chain(
      long seq, Instant recordedAt, String type, String subject, String actor, ObjectNode payload,
      String canonicalPayload, String prevHash) {
    return new JournalEntry(seq, recordedAt, type, subject, actor, payload, prevHash,
        hashOf(seq, recordedAt, type, subject, actor, canonicalPayload, prevHash));
  }

  /** The RFC 8785 text of a payload, as stored in the journal and embedded in the hashed entry. */
  public static String canonicalPayload(ObjectNode payload) {
    return payload == null ? "null" : Canonical.canonicalize(payload);
  }

  /** Recomputes this entry's hash from its content and {@code prevHash}. */
  public String recomputeHash() {
    return hashOf(seq, recordedAt, type, subject, actor, canonicalPayload(payload), prevHash);
  }

  /**
   * {@code SHA-256(prevHash ‖ JCS({seq, recordedAt, type, subject, actor, payload}))}. The canonical
   * object is assembled here rather than by canonicalising a tree that holds the payload again:
   * its member names are fixed, so JCS order is known (actor, payload, recordedAt, seq, subject,
   * type), the payload is already canonical, and each other value is canonicalised on its own.
   * The result is the same text, byte for byte (JournalEntryHashTest pins it to the tree form).
   */
  static String hashOf(
      long seq, Instant recordedAt, String type, String subject, String actor, String canonicalPayload,
      String prevHash) {
    String body = "{\"actor\":" + Canonical.string(actor)
        + ",\"payload\":" + canonicalPayload
        + ",\"recordedAt\":" + Canonical.integer(recordedAt.toEpochMilli())
        + ",\"seq\":" + Canonical.integer(seq)
        + ",\"subject\":" + Canonical.string(subject)
        + ",\"type\":" + Canonical.string(type)
        + "}";
    return Canonical.sha256Hex(prevHash + body);
  }
}
