package io.rollgate.store.incident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.audit.JournalEntry;
import io.rollgate.error.ConflictException;
import io.rollgate.error.NotFoundException;
import io.rollgate.incident.Action;
import io.rollgate.incident.Dedup;
import io.rollgate.incident.IncidentSettings;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.incident.State;
import io.rollgate.json.Json;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * IncidentStore on both databases through the real journal: dedup, reopen, the creation limit, the
 * lifecycle with actor and reason, the journal entries, the database's own one-open-per-key rule,
 * and a restart.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class IncidentStoreTest {
  @Parameter
  Dialect dialect;

  private StoreFixture fx;
  private IncidentStore store;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    store = new IncidentStore(fx.db(), fx.journal(), IncidentSettings.DEFAULTS);
  }

  @AfterEach
  void chainVerifies() {
    try {
      assertThat(fx.reader().verify().ok()).isTrue();
    } finally {
      fx.close();
    }
  }

  private static Signal regression(String policy, Severity sev) {
    return new Signal(Kind.ROLLOUT_REGRESSION, sev, policy, "rollout of " + policy + " rolled back",
        Json.object().put("rolloutId", policy + "-1"));
  }

  @Test
  void repeated_signals_join_the_open_incident_counting_occurrences_and_escalating_severity() {
    var first = store.signal(regression("limits", Severity.SEV3));
    fx.clock.advanceSeconds(10);
    var second = store.signal(regression("limits", Severity.SEV2));
    fx.clock.advanceSeconds(10);
    var third = store.signal(regression("limits", Severity.SEV4));
    var other = store.signal(regression("other", Severity.SEV4));

    assertThat(first.outcome()).isInstanceOf(Dedup.Outcome.Create.class);
    assertThat(second.outcome()).isEqualTo(new Dedup.Outcome.Occurrence(first.incident().id()));
    assertThat(third.incident().occurrences()).isEqualTo(3);
    assertThat(third.incident().severity()).as("escalates, never lowers").isEqualTo(Severity.SEV2);
    assertThat(other.incident().id()).isNotEqualTo(first.incident().id());
    IncidentView stored = store.require(first.incident().id());
    assertThat(stored).isEqualTo(third.incident());
    assertThat(store.occurrences(stored.id(), 10)).extracting(Occurrence::outcome)
        .containsExactly("occurrence", "occurrence", "created");
    assertThat(fx.entries()).extracting(JournalEntry::type)
        .containsExactly("incident.created", "incident.updated", "incident.updated", "incident.created");
    JournalEntry escalated = fx.entries().get(1);
    assertThat(escalated.subject()).isEqualTo("incident:" + stored.id());
    assertThat(escalated.payload().path("change").asText()).isEqualTo("occurrence");
    assertThat(escalated.payload().path("fromSeverity").asText()).isEqualTo("sev3");
    assertThat(escalated.payload().path("severity").asText()).isEqualTo("sev2");
  }

  @Test
  void the_lifecycle_records_actor_reason_and_time_and_refuses_illegal_moves_changing_nothing() {
    long id = store.signal(regression("limits", Severity.SEV2)).incident().id();
    fx.clock.advanceSeconds(60);
    store.act(id, Action.ACKNOWLEDGE, "alice", "looking");
    store.act(id, Action.UNACKNOWLEDGE, "alice", "handing over");
    store.act(id, Action.ACKNOWLEDGE, "bob", "mine now");
    fx.clock.advanceSeconds(60);
    store.act(id, Action.MITIGATE, "bob", "rolled back by hand");
    long head = fx.headSeq();

    assertThatThrownBy(() -> store.act(id, Action.ACKNOWLEDGE, "bob", "again"))
        .isInstanceOf(ConflictException.class)
        .hasMessage("incident " + id + " (acknowledge) cannot go from mitigated to acknowledged "
            + "(from mitigated it may go to resolved)");
    assertThatThrownBy(() -> store.act(999, Action.RESOLVE, "bob", "x")).isInstanceOf(NotFoundException.class)
        .hasMessage("incident 999 does not exist");
    assertThat(fx.headSeq()).isEqualTo(head);

    store.act(id, Action.RESOLVE, "bob", "fixed");
    IncidentView closed = store.act(id, Action.CLOSE, "carol", "post-mortem done");
    assertThat(closed.state()).isEqualTo(State.CLOSED);
    assertThat(closed.acknowledgedAt()).isEqualTo(fx.clock.instant().minusSeconds(60));
    assertThat(closed.closedAt()).isEqualTo(fx.clock.instant());
    assertThat(store.transitions(id)).extracting(t -> (t.from() == null ? "-" : t.from().wire()) + ">" + t.to().wire()
        + " by " + t.actor() + ": " + t.reason())
        .containsExactly("->open by system: rollout of limits rolled back",
            "open>acknowledged by alice: looking", "acknowledged>open by alice: handing over",
            "open>acknowledged by bob: mine now", "acknowledged>mitigated by bob: rolled back by hand",
            "mitigated>resolved by bob: fixed", "resolved>closed by carol: post-mortem done");
  }

  @Test
  void a_signal_within_30_minutes_of_resolve_reopens_and_one_later_opens_a_new_incident() {
    long id = store.signal(regression("limits", Severity.SEV3)).incident().id();
    store.act(id, Action.RESOLVE, "alice", "fixed");
    fx.clock.advance(Duration.ofMinutes(30));
    var reopened = store.signal(regression("limits", Severity.SEV3));

    assertThat(reopened.outcome()).isEqualTo(new Dedup.Outcome.Reopen(id));
    assertThat(reopened.incident().state()).isEqualTo(State.OPEN);
    assertThat(reopened.incident().resolvedAt()).isNull();
    assertThat(reopened.incident().reopened()).isEqualTo(1);
    assertThat(store.transitions(id).get(store.transitions(id).size() - 1).reason())
        .startsWith("a new signal within 30 min of resolve");

    store.act(id, Action.RESOLVE, "alice", "fixed again");
    fx.clock.advance(Duration.ofMinutes(30).plusMillis(1));
    var fresh = store.signal(regression("limits", Severity.SEV3));
    assertThat(fresh.outcome()).isInstanceOf(Dedup.Outcome.Create.class);
    assertThat(fresh.incident().id()).isNotEqualTo(id);
  }

  @Test
  void over_three_creations_an_hour_a_signal_is_suppressed_onto_the_latest_incident_and_journaled() {
    long last = 0;
    for (int i = 0; i < 3; i++) {
      last = store.signal(regression("flappy", Severity.SEV3)).incident().id();
      store.act(last, Action.RESOLVE, "alice", "flap " + i);
      store.act(last, Action.CLOSE, "alice", "flap " + i); // closed: no reopen
      fx.clock.advance(Duration.ofMinutes(5));
    }
    var suppressed = store.signal(regression("flappy", Severity.SEV3));

    assertThat(suppressed.outcome()).isEqualTo(new Dedup.Outcome.Suppressed(last, 3, 3));
    assertThat(suppressed.incident().id()).isEqualTo(last);
    assertThat(suppressed.incident().occurrences()).isEqualTo(2);
    assertThat(store.list(IncidentFilter.ALL, 100)).hasSize(3);
    JournalEntry e = fx.entries().get(fx.entries().size() - 1);
    assertThat(e.type()).isEqualTo("incident.suppressed");
    assertThat(e.payload().path("note").asText()).contains("limit of 3").contains("incident " + last);

    fx.clock.advance(Duration.ofMinutes(50)); // the first creation leaves the hour
    assertThat(store.signal(regression("flappy", Severity.SEV3)).outcome()).isInstanceOf(Dedup.Outcome.Create.class);
  }

  @Test
  void lists_filter_by_state_severity_and_kind_newest_first_and_survive_a_restart() {
    long a = store.signal(regression("a", Severity.SEV1)).incident().id();
    long b = store.signal(regression("b", Severity.SEV3)).incident().id();
    long c = store.signal(new Signal(Kind.ATTESTATION_FAILURE, Severity.SEV1, "journal", "chain broken", null))
        .incident().id();
    store.act(b, Action.ACKNOWLEDGE, "alice", "mine");
    fx.restart();
    store = new IncidentStore(fx.db(), fx.journal(), IncidentSettings.DEFAULTS);

    assertThat(store.list(IncidentFilter.ALL, 10)).extracting(IncidentView::id).containsExactly(c, b, a);
    assertThat(store.list(new IncidentFilter(null, Severity.SEV1, null), 10)).extracting(IncidentView::id)
        .containsExactly(c, a);
    assertThat(store.list(new IncidentFilter(State.ACKNOWLEDGED, null, null), 10)).extracting(IncidentView::id)
        .containsExactly(b);
    assertThat(store.list(new IncidentFilter(null, null, Kind.ATTESTATION_FAILURE), 10)).extracting(IncidentView::id)
        .containsExactly(c);
    assertThat(store.list(IncidentFilter.ALL, 2)).hasSize(2);
    assertThat(store.signal(regression("b", Severity.SEV3)).incident().id()).as("still open after restart")
        .isEqualTo(b);
  }

  @Test
  void the_database_itself_refuses_a_second_open_incident_for_a_key() {
    var first = store.signal(regression("limits", Severity.SEV3)).incident();
    String insert = "INSERT INTO incidents (id, dedup_key, identity, kind, source, severity, state, title, occurrences,"
        + " created_at, updated_at, last_occurrence_at, reopened) VALUES (%d, '" + first.dedupKey()
        + "', '{}', 'rollout_regression', 'limits', 'sev3', '%s', 't', 1, 0, 0, 0, 0)";

    for (String open : List.of("open", "acknowledged", "mitigated")) {
      assertThatThrownBy(() -> fx.sql(String.format(insert, 100 + open.length(), open)))
          .as(open).satisfies(e -> assertThat(e.getMessage()).containsIgnoringCase("unique"));
    }
    fx.sql(String.format(insert, 200, "resolved"), String.format(insert, 201, "closed")); // any number of those
    assertThat(fx.queryLong("SELECT COUNT(*) FROM incidents WHERE dedup_key = ?", first.dedupKey())).isEqualTo(3);
  }
}
