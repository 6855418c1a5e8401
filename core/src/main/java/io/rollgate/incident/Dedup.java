package io.rollgate.incident;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The pure decision for one signal, taken on what the store holds for its dedup key at the moment
 * the journal writer runs the command (so no two signals decide on the same stale view).
 */
public final class Dedup {
  private Dedup() {}

  /**
   * The key's latest incident as stored.
   *
   * @param resolvedAt when it was last resolved; null unless RESOLVED or CLOSED
   */
  public record Latest(long id, State state, Instant resolvedAt) {
    public Latest {
      Objects.requireNonNull(state, "state");
    }
  }

  /**
   * What the store holds for a key.
   *
   * @param latest the key's most recent incident, if any (the open one, when there is one: at most one is open)
   * @param createdInWindow incidents created for the key within the rate window ending now
   */
  public record History(Optional<Latest> latest, int createdInWindow) {
    public static final History NONE = new History(Optional.empty(), 0);

    public History {
      Objects.requireNonNull(latest, "latest");
      if (createdInWindow < 0) {
        throw new IllegalArgumentException("createdInWindow must be ≥ 0, got " + createdInWindow);
      }
    }
  }

  /** What to do with the signal. */
  public sealed interface Outcome {
    String wire();

    /** A new incident. */
    record Create() implements Outcome {
      public String wire() {
        return "created";
      }
    }

    /** Another occurrence of the open incident {@code id}. */
    record Occurrence(long id) implements Outcome {
      public String wire() {
        return "occurrence";
      }
    }

    /** Incident {@code id} was resolved within the reopen window: open it again. */
    record Reopen(long id) implements Outcome {
      public String wire() {
        return "reopened";
      }
    }

    /** Over the creation limit: an occurrence of the latest incident {@code id}, reported, never dropped. */
    record Suppressed(long id, int createdInWindow, int limit) implements Outcome {
      public String wire() {
        return "suppressed";
      }
    }
  }

  public static Outcome decide(History h, Instant now, IncidentSettings settings) {
    if (h.latest().isPresent()) {
      Latest l = h.latest().get();
      if (l.state().isOpen()) {
        return new Outcome.Occurrence(l.id());
      }
      if (l.state().reopenable() && l.resolvedAt() != null
          && !now.isAfter(l.resolvedAt().plus(settings.reopenWindow()))) {
        return new Outcome.Reopen(l.id());
      }
      if (h.createdInWindow() >= settings.maxCreatedPerWindow()) {
        return new Outcome.Suppressed(l.id(), h.createdInWindow(), settings.maxCreatedPerWindow());
      }
    }
    return new Outcome.Create();
  }
}
