package io.rollgate.incident;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Streams of signals and people's actions on one key, in virtual time, applied to a minimal model
 * of the store with {@link Dedup#decide}: whatever the stream, at most one incident is open, no
 * rate window holds more creations than the limit, and every signal is counted on some incident.
 */
class DedupProperties {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

  /** One step: wait {@code gapSeconds}, then a signal, or an action on the latest incident. */
  record Step(long gapSeconds, int what) {}

  static final class Incident {
    final long id;
    final Instant createdAt;
    State state = State.OPEN;
    Instant resolvedAt;
    int occurrences = 1;

    Incident(long id, Instant createdAt) {
      this.id = id;
      this.createdAt = createdAt;
    }
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Step> step = Combinators.combine(
        Arbitraries.longs().between(0, 3_600).edgeCases(c -> c.includeOnly(0L, 1_800L, 3_600L)),
        Arbitraries.integers().between(0, 9)).as(Step::new);
    return step.list().ofMinSize(1).ofMaxSize(200);
  }

  @Property(tries = 300)
  void one_open_incident_per_key_creations_within_the_limit_and_no_signal_lost(@ForAll("steps") List<Step> steps,
      @ForAll("limits") int limit) {
    var settings = new IncidentSettings(Duration.ofMinutes(30), limit, Duration.ofHours(1));
    List<Incident> incidents = new ArrayList<>();
    Instant now = T0;
    int signals = 0;
    for (Step s : steps) {
      now = now.plusSeconds(s.gapSeconds());
      Incident latest = incidents.isEmpty() ? null : incidents.get(incidents.size() - 1);
      if (s.what() < 5) { // a signal
        signals++;
        Instant windowStart = now.minus(settings.rateWindow());
        int created = (int) incidents.stream().filter(i -> i.createdAt.isAfter(windowStart)).count();
        var h = new Dedup.History(latest == null ? Optional.empty()
            : Optional.of(new Dedup.Latest(latest.id, latest.state, latest.resolvedAt)), created);
        switch (Dedup.decide(h, now, settings)) {
          case Dedup.Outcome.Create c -> incidents.add(new Incident(incidents.size() + 1, now));
          case Dedup.Outcome.Occurrence o -> {
            assertThat(o.id()).isEqualTo(latest.id);
            latest.occurrences++;
          }
          case Dedup.Outcome.Reopen r -> {
            assertThat(latest.state).isEqualTo(State.RESOLVED);
            latest.state = State.OPEN;
            latest.resolvedAt = null;
            latest.occurrences++;
          }
          case Dedup.Outcome.Suppressed x -> {
            assertThat(x.id()).isEqualTo(latest.id);
            latest.occurrences++;
          }
        }
      } else if (latest != null) { // a person acts, where the table allows it
        Action a = Action.values()[s.what() - 5];
        if (latest.state.canGoTo(a.target())) {
          latest.state = a.target();
          if (a.target() == State.RESOLVED) {
            latest.resolvedAt = now;
          }
        }
      }
      assertThat(incidents.stream().filter(i -> i.state.isOpen()).count()).isLessThanOrEqualTo(1);
      for (Incident i : incidents) { // creations in any window of the rate length ending at a creation
        Instant from = i.createdAt.minus(settings.rateWindow());
        long inWindow = incidents.stream().filter(j -> j.createdAt.isAfter(from) && !j.createdAt.isAfter(i.createdAt))
            .count();
        assertThat(inWindow).isLessThanOrEqualTo(limit);
      }
    }
    assertThat(incidents.stream().mapToInt(i -> i.occurrences).sum()).isEqualTo(signals);
  }

  @Provide
  Arbitrary<Integer> limits() {
    return Arbitraries.integers().between(1, 4);
  }
}
