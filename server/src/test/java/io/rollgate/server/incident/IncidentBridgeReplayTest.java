package io.rollgate.server.incident;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.incident.IncidentSettings;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.incident.IncidentFilter;
import io.rollgate.store.incident.IncidentStore;
import io.rollgate.store.incident.IncidentView;
import io.rollgate.store.rollout.Action;
import io.rollgate.store.rollout.NewRollout;
import io.rollgate.store.testing.StoreFixture;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bridge's crash-safety: entries journaled while no bridge listened (the process died after their
 * commit) become incidents when a bridge next starts, exactly once however many times it starts.
 */
class IncidentBridgeReplayTest {
  private StoreFixture fx;
  private IncidentBridge bridge;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(Dialect.SQLITE);
    for (String p : new String[] {"alpha", "beta"}) {
      fx.policies().put(PolicyName.of(p), Json.object().put("enforce", false), "create", "alice");
    }
  }

  @AfterEach
  void close() {
    if (bridge != null) {
      bridge.close();
    }
    fx.close();
  }

  private IncidentStore incidents() {
    return new IncidentStore(fx.db(), fx.journal(), IncidentSettings.DEFAULTS);
  }

  /** A bridge on the fixture's current journal, started and caught up. */
  private void startBridge() {
    bridge = new IncidentBridge(new IncidentService(incidents(), new PrometheusRegistry()), fx.reader());
    bridge.start(fx.journal());
    assertThat(bridge.awaitIdle(Duration.ofSeconds(30))).isTrue();
  }

  /** A rollout of {@code policy} rolled back by a person: one rollout.rolled_back entry, one signal. */
  private void rollBack(String policy) {
    String id = fx.rollouts().create(new NewRollout(PolicyName.of(policy), null, Json.object().put("enforce", true),
        RolloutSpec.defaults("alice"), "try")).id();
    fx.rollouts().act(id, Action.ROLL_BACK, "alice", "errors");
    // listeners run on the writer thread after the command's caller is answered: a later command is a
    // barrier, so a listening bridge has handed the signal over before the test waits for it
    fx.journal().execute(tx -> null);
  }

  /** source → occurrences, of every incident. */
  private Map<String, Integer> counts() {
    Map<String, Integer> m = new TreeMap<>();
    for (IncidentView v : incidents().list(new IncidentFilter(null, null, null), 100)) {
      m.merge(v.source(), v.occurrences(), Integer::sum);
    }
    return m;
  }

  @Test
  void entries_journaled_while_no_bridge_listened_become_incidents_at_the_next_start_and_never_twice() {
    startBridge();
    rollBack("alpha");
    assertThat(bridge.awaitIdle(Duration.ofSeconds(30))).isTrue();
    assertThat(counts()).isEqualTo(Map.of("alpha", 1));

    // the process dies: no close, so the cursor stays at alpha's signal; the next entries have no bridge
    bridge = null;
    fx.restart();
    rollBack("beta");
    rollBack("alpha");
    assertThat(counts()).isEqualTo(Map.of("alpha", 1));
    fx.restart();

    startBridge();

    assertThat(counts()).isEqualTo(Map.of("alpha", 2, "beta", 1));
    long lastRollback = fx.entries().stream().filter(e -> e.type().equals("rollout.rolled_back"))
        .mapToLong(e -> e.seq()).max().orElseThrow();
    assertThat(incidents().cursor(IncidentBridge.CURSOR).orElseThrow()).isGreaterThanOrEqualTo(lastRollback);

    bridge = null; // dies again, then starts twice more: nothing new to replay, nothing doubled
    fx.restart();
    startBridge();
    bridge.close();
    fx.restart();
    startBridge();
    assertThat(counts()).isEqualTo(Map.of("alpha", 2, "beta", 1));

    rollBack("beta"); // and the listener still works after a replay
    assertThat(bridge.awaitIdle(Duration.ofSeconds(30))).isTrue();
    assertThat(counts()).isEqualTo(Map.of("alpha", 2, "beta", 2));
  }

  @Test
  void a_database_whose_bridge_never_kept_a_cursor_starts_at_its_head_instead_of_replaying_history() {
    rollBack("alpha"); // before any bridge: the era without a cursor

    startBridge();

    assertThat(counts()).isEmpty();
    assertThat(incidents().cursor(IncidentBridge.CURSOR).orElseThrow()).isEqualTo(fx.headSeq());
    rollBack("beta");
    assertThat(bridge.awaitIdle(Duration.ofSeconds(30))).isTrue();
    assertThat(counts()).isEqualTo(Map.of("beta", 1));
  }
}
