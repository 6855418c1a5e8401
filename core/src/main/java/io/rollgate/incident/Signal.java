package io.rollgate.incident;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import java.util.Locale;
import java.util.Objects;

/**
 * Something went wrong somewhere: a rollout rolled back, a gate failed, a verification or
 * attestation failed, a budget was exceeded. Signals with the same {@link #dedupKey()} are the same
 * problem and join one incident.
 *
 * @param source what failed, by name: the policy (rollout regression, verification), the scenario or
 *     policy of a gate, the budget; for an attestation failure, what was attested ({@code journal})
 * @param title one line for people, e.g. "rollout limits-3 rolled back: 1.96% > 0.40%"
 * @param details free-form evidence kept with the occurrence (journal seq, rollout id, …)
 */
public record Signal(Kind kind, Severity severity, String source, String title, ObjectNode details) {
  public static final int MAX_SOURCE = 200;
  public static final int MAX_TITLE = 500;

  public Signal {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(severity, "severity");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(title, "title");
    if (source.isBlank() || source.length() > MAX_SOURCE) {
      throw new IllegalArgumentException("a signal's source must be 1 to " + MAX_SOURCE + " characters, got "
          + source.length());
    }
    if (title.length() > MAX_TITLE) {
      title = title.substring(0, MAX_TITLE - 1) + "…";
    }
    details = details == null ? Json.object() : details.deepCopy();
  }

  /**
   * The normalised source identity, canonical JSON: {@code {"kind":…,"source":…}} with the source
   * trimmed and lower-cased. Never severity, title or route: a problem that gets worse, or is
   * described differently, is still the same problem.
   */
  public String identity() {
    ObjectNode o = Json.object();
    o.put("kind", kind.wire());
    o.put("source", source.strip().toLowerCase(Locale.ROOT));
    return Canonical.canonicalize(o);
  }

  /** SHA-256 (hex) of {@link #identity()}. */
  public String dedupKey() {
    return Canonical.sha256Hex(identity());
  }
}
