package io.rollgate.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.journal.Command;

/**
 * The one entry every benchmark writes: a realistic audit entry for a policy change, about 300
 * bytes of canonical payload. The journal benchmark, the naive baseline and the latency harness
 * build it per operation; the raw-insert ceiling inserts precomputed strings of the same shape.
 */
final class AuditWorkload {
  static final String TYPE = "policy.changed";
  static final String STATE_HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  private AuditWorkload() {}

  static String subject(int thread) {
    return "policy/resource-limits-" + thread;
  }

  static String actor(int thread) {
    return "user:bench-" + thread;
  }

  /** A fresh payload; {@code n} varies the version numbers so no two entries are equal. */
  static ObjectNode payload(int thread, long n) {
    ObjectNode p = Json.object();
    p.put("policy", "resource-limits-" + thread);
    p.put("fromVersion", n);
    p.put("toVersion", n + 1);
    p.put("stateHash", STATE_HASH);
    p.putArray("changedKeys").add("/cpu/limit").add("/memory/limit");
    p.put("reason", "raise limits ahead of the evening peak");
    p.put("bytesWritten", 312);
    return p;
  }

  /** The journal command: append one audit entry, nothing else. */
  static Command<Long> appendOne(int thread, long n) {
    String subject = subject(thread);
    String actor = actor(thread);
    ObjectNode payload = payload(thread, n);
    return tx -> tx.append(TYPE, subject, actor, payload);
  }

  /** A chained entry as the journal would store it, for the baselines. */
  static JournalEntry entry(long seq, long epochMillis, int thread, long n, String prevHash) {
    return JournalEntry.chain(seq, java.time.Instant.ofEpochMilli(epochMillis), TYPE, subject(thread),
        actor(thread), payload(thread, n), prevHash);
  }
}
