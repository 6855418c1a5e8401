package io.rollgate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.json.JsonPointers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The guarded apply decision, as a pure function of the policy's recent history, the candidate and
 * the time. Guards in priority order: freeze > oscillation > velocity > cooldown; then no-op.
 * Committing, journaling and the verification barrier are the store's job.
 */
public final class ApplyPipeline {
  private ApplyPipeline() {}

  /**
   * What the pipeline needs to know about an existing policy.
   *
   * @param recent versions newest first, starting with the current one and reaching at least one
   *     version older than {@link GuardConfig#lookBack()} when there is one
   */
  public record Current(boolean frozen, String frozenReason, GuardConfig guards, List<PolicyVersion> recent) {
    public Current {
      Objects.requireNonNull(guards, "guards");
      if (recent.isEmpty()) {
        throw new IllegalArgumentException("recent must start with the current version");
      }
      recent = List.copyOf(recent);
    }

    public PolicyVersion version() {
      return recent.get(0);
    }
  }

  /** The outcome of {@link #decide}. */
  public sealed interface Decision {
    List<String> changedKeys();

    /** Commit {@code canonical} as the next version. */
    record Apply(ObjectNode document, String canonical, String stateHash, List<String> changedKeys)
        implements Decision {
      public long bytes() {
        return canonical.getBytes(StandardCharsets.UTF_8).length;
      }
    }

    /** Change nothing; {@code reason} says why. */
    record Skip(SkipReason reason, String candidateHash, List<String> changedKeys) implements Decision {}
  }

  /** Decides a creation: nothing to guard against yet. */
  public static Decision.Apply create(ObjectNode candidate) {
    String canonical = Canonical.canonicalize(candidate);
    ObjectNode normalised = Json.parseStoredObject(canonical);
    return new Decision.Apply(normalised, canonical, Canonical.sha256Hex(canonical),
        JsonPointers.changedKeys(Json.object(), normalised));
  }

  public static Decision decide(Current current, ObjectNode candidate, ChangeKind kind, Instant now) {
    String canonical = Canonical.canonicalize(candidate);
    // compare normalised forms, so 1.0 and 1 (the same canonical number) are not reported as a change
    ObjectNode normalised = Json.parseStoredObject(canonical);
    String hash = Canonical.sha256Hex(canonical);
    PolicyVersion head = current.version();
    List<String> changed = JsonPointers.changedKeys(head.document(), normalised);
    boolean noOp = hash.equals(head.stateHash());

    boolean freeze = current.frozen();
    String oscillationNote = null;
    String velocityNote = null;
    String cooldownNote = null;
    if (kind != ChangeKind.ROLLBACK) {
      GuardConfig g = current.guards();
      if (g.oscillationWindowSeconds() > 0 && !noOp) {
        oscillationNote = oscillation(current.recent(), normalised, changed, g.oscillationWindowSeconds(), now);
      }
      if (g.velocity() != null) {
        velocityNote = velocity(current.recent(), g.velocity(), now);
      }
      if (g.cooldownSeconds() > 0) {
        cooldownNote = cooldown(head, g.cooldownSeconds(), now);
      }
    }
    boolean oscillation = oscillationNote != null;
    boolean velocity = velocityNote != null;
    boolean cooldown = cooldownNote != null;
    if (!freeze && !oscillation && !velocity && !cooldown && !noOp) {
      return new Decision.Apply(normalised, canonical, hash, changed);
    }
    String note;
    if (freeze) {
      note = "policy '" + head.policy() + "' is frozen"
          + (current.frozenReason() == null || current.frozenReason().isBlank() ? "" : ": " + current.frozenReason());
    } else if (oscillation) {
      note = oscillationNote;
    } else if (velocity) {
      note = velocityNote;
    } else if (cooldown) {
      note = cooldownNote;
    } else {
      note = "no effective change: the candidate's state hash equals version " + head.version()
          + " (" + hash.substring(0, 12) + "…)";
    }
    return new Decision.Skip(new SkipReason(freeze, oscillation, velocity, cooldown, noOp, note), hash, changed);
  }

  /** A changed key oscillates when it returns to the value it had before its last change, within the window. */
  private static String oscillation(
      List<PolicyVersion> recent, JsonNode candidate, List<String> changed, long windowSeconds, Instant now) {
    Instant since = now.minusSeconds(windowSeconds);
    for (String key : changed) {
      JsonNode proposed = candidate.at(key);
      for (int i = 0; i + 1 < recent.size(); i++) {
        PolicyVersion newer = recent.get(i);
        if (!newer.createdAt().isAfter(since)) {
          break; // the key's last change is older than the window
        }
        JsonNode before = recent.get(i + 1).document().at(key);
        if (!before.equals(newer.document().at(key))) {
          if (before.equals(proposed)) {
            return "oscillation: " + key + " would return to " + shown(proposed)
                + ", its value before version " + newer.version() + " changed it "
                + seconds(Duration.between(newer.createdAt(), now)) + " ago (window " + windowSeconds + "s)";
          }
          break; // the last change of this key went elsewhere
        }
      }
    }
    return null;
  }

  private static String velocity(List<PolicyVersion> recent, GuardConfig.Velocity v, Instant now) {
    Instant since = now.minusSeconds(v.windowSeconds());
    long inWindow = recent.stream().filter(pv -> pv.createdAt().isAfter(since)).count();
    if (inWindow < v.maxChanges()) {
      return null;
    }
    return "velocity: " + inWindow + " changes applied in the last " + v.windowSeconds()
        + "s, the limit is " + v.maxChanges();
  }

  private static String cooldown(PolicyVersion head, long cooldownSeconds, Instant now) {
    Duration since = Duration.between(head.createdAt(), now);
    Duration cooldown = Duration.ofSeconds(cooldownSeconds);
    if (since.compareTo(cooldown) >= 0) {
      return null;
    }
    return "cooldown: version " + head.version() + " was applied " + seconds(since) + " ago, the cooldown is "
        + cooldownSeconds + "s (" + seconds(cooldown.minus(since)) + " left)";
  }

  private static String seconds(Duration d) {
    long ms = Math.max(0, d.toMillis());
    return ms % 1000 == 0 ? (ms / 1000) + "s" : String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
  }

  private static String shown(JsonNode value) {
    if (value.isMissingNode()) {
      return "absent";
    }
    String s = value.toString();
    return s.length() > 60 ? s.substring(0, 60) + "…" : s;
  }
}
