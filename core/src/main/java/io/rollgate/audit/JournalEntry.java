package io.rollgate.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
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
    return new JournalEntry(seq, recordedAt, type, subject, actor, payload, prevHash,
        hashOf(seq, recordedAt, type, subject, actor, payload, prevHash));
  }

  /** Recomputes this entry's hash from its content and {@code prevHash}. */
  public String recomputeHash() {
    return hashOf(seq, recordedAt, type, subject, actor, payload, prevHash);
  }

  static String hashOf(
      long seq, Instant recordedAt, String type, String subject, String actor, ObjectNode payload,
      String prevHash) {
    ObjectNode body = Json.object();
    body.put("seq", seq);
    body.put("recordedAt", recordedAt.toEpochMilli());
    body.put("type", type);
    body.put("subject", subject);
    body.put("actor", actor);
    body.set("payload", payload);
    return Canonical.sha256Hex(prevHash + Canonical.canonicalize(body));
  }
}
