package io.rollgate.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * An immutable snapshot of the policies a client serves, as {@code GET /api/v1/sdk/snapshot}
 * returned it. The client publishes one through a single volatile field; readers never lock.
 *
 * @param seq the journal sequence number the snapshot is current at; the event stream resumes after it
 * @param etag the server's ETag for it (null when it came from a file)
 * @param body the server's response, kept to persist it
 * @param fetchedAt when the server sent it (for a file: when it was saved)
 */
record Snapshot(long seq, String etag, Map<String, CompiledPolicy> policies, ObjectNode body, Source source,
    Instant fetchedAt) {

  enum Source { SERVER, SNAPSHOT_FILE, BOOTSTRAP_FILE }

  /**
   * Reads a snapshot body. Outcome counters of rollouts that {@code previous} already had are kept,
   * so counts recorded across a refresh are not lost.
   *
   * @param wanted the client's policies; empty for every policy in the body
   * @throws IllegalArgumentException naming what is malformed
   */
  static Snapshot parse(JsonNode body, String etag, Source source, Instant fetchedAt, Set<String> wanted,
      Snapshot previous) {
    if (body == null || !body.isObject()) {
      throw new IllegalArgumentException("a snapshot must be a JSON object, got " + kind(body));
    }
    JsonNode seq = body.get("seq");
    if (seq == null || !seq.isIntegralNumber() || seq.longValue() < 0) {
      throw new IllegalArgumentException("snapshot 'seq' must be a non-negative integer, got " + kind(seq));
    }
    JsonNode policies = body.get("policies");
    if (policies == null || !policies.isObject()) {
      throw new IllegalArgumentException("snapshot 'policies' must be an object, got " + kind(policies));
    }
    var compiled = new HashMap<String, CompiledPolicy>();
    for (Map.Entry<String, JsonNode> e : policies.properties()) {
      String name = e.getKey();
      if (!wanted.isEmpty() && !wanted.contains(name)) {
        continue;
      }
      CompiledPolicy before = previous == null ? null : previous.policies().get(name);
      compiled.put(name, policy(name, e.getValue(), before));
    }
    return new Snapshot(seq.longValue(), etag, Collections.unmodifiableMap(compiled), (ObjectNode) body, source,
        fetchedAt);
  }

  private static CompiledPolicy policy(String name, JsonNode p, CompiledPolicy before) {
    String at = "snapshot policy '" + name + "'";
    if (!p.isObject()) {
      throw new IllegalArgumentException(at + " must be an object, got " + kind(p));
    }
    JsonNode version = p.get("version");
    if (version == null || !version.canConvertToInt() || !version.isIntegralNumber()) {
      throw new IllegalArgumentException(at + ": 'version' must be an integer, got " + kind(version));
    }
    String stateHash = text(p, "stateHash", at);
    JsonNode document = p.get("document");
    if (document == null || !document.isObject()) {
      throw new IllegalArgumentException(at + ": 'document' must be an object, got " + kind(document));
    }
    JsonNode r = p.get("rollout");
    CompiledPolicy.Rollout rollout = null;
    Outcomes outcomes = null;
    if (r != null && !r.isNull()) {
      String rat = at + " rollout";
      if (!r.isObject()) {
        throw new IllegalArgumentException(rat + " must be an object or null, got " + kind(r));
      }
      String id = text(r, "id", rat);
      String salt = r.hasNonNull("salt") ? text(r, "salt", rat) : id;
      int basisPoints = integer(r, "basisPoints", rat, 0, Bucketing.BASIS_POINTS);
      int baselineVersion = r.hasNonNull("baselineVersion")
          ? integer(r, "baselineVersion", rat, 1, Integer.MAX_VALUE) : version.intValue();
      JsonNode candidate = r.get("candidate");
      if (candidate == null || !candidate.isObject()) {
        throw new IllegalArgumentException(rat + ": 'candidate' must be an object, got " + kind(candidate));
      }
      rollout = new CompiledPolicy.Rollout(id, basisPoints, r.path("phase").asText(""), baselineVersion, candidate,
          text(r, "candidateHash", rat), Bucketing.prefix(salt));
      outcomes = before != null && before.outcomes != null && before.outcomes.rolloutId.equals(id)
          ? before.outcomes : new Outcomes(name, id);
    }
    return new CompiledPolicy(name, version.intValue(), stateHash, document, rollout, outcomes);
  }

  /** The names of policies that evaluate differently in {@code next} than here (added and removed included). */
  Set<String> changesTo(Snapshot next) {
    var changed = new LinkedHashSet<String>();
    for (var e : next.policies().entrySet()) {
      if (e.getValue().differsFrom(policies.get(e.getKey()))) {
        changed.add(e.getKey());
      }
    }
    for (String name : policies.keySet()) {
      if (!next.policies().containsKey(name)) {
        changed.add(name);
      }
    }
    return changed;
  }

  private static String text(JsonNode o, String field, String at) {
    JsonNode v = o.get(field);
    if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
      throw new IllegalArgumentException(at + ": '" + field + "' must be a non-empty string, got " + kind(v));
    }
    return v.textValue();
  }

  private static int integer(JsonNode o, String field, String at, int min, int max) {
    JsonNode v = o.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min || v.intValue() > max) {
      throw new IllegalArgumentException(at + ": '" + field + "' must be an integer from " + min + " to " + max
          + ", got " + (v == null ? "nothing" : v.toString()));
    }
    return v.intValue();
  }

  static String kind(JsonNode n) {
    if (n == null || n.isMissingNode()) {
      return "nothing";
    }
    return n.isNull() ? "null" : n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
