package io.rollgate.server.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.EventDetails;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.NoOpProvider;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.ProviderState;
import io.rollgate.client.RollgateClient;
import io.rollgate.openfeature.RollgateProvider;
import io.rollgate.rollout.Variant;
import io.rollgate.server.testing.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The OpenFeature provider against a real server: events follow the server, track() feeds the rollout's outcomes. */
class OpenFeatureProviderTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void configuration_changed_and_stale_events_follow_the_server_and_track_counts_outcomes() {
    OpenFeatureAPI api = OpenFeatureAPI.getInstance();
    String domain = "rollgate-it-" + UUID.randomUUID();
    try (TestServer s = TestServer.start()) {
      s.send("PUT", "/api/v1/policies/limits", ADMIN, "{\"document\":{\"max\":1}}");
      var created = s.send("POST", "/api/v1/rollouts", ADMIN, "{\"policy\":\"limits\",\"delta\":{\"max\":2},"
          + "\"stages\":[{\"name\":\"half\",\"percentage\":50,\"maxErrorRate\":0.1},"
          + "{\"name\":\"full\",\"percentage\":100,\"maxErrorRate\":0.1}]}");
      assertThat(created.status()).as("%s", created).isEqualTo(201);
      RollgateClient client = RollgateClient.builder().serverUrl(s.baseUrl()).token(ADMIN).policies("limits")
          .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).build();
      List<EventDetails> changed = new CopyOnWriteArrayList<>();
      List<EventDetails> stale = new CopyOnWriteArrayList<>();
      api.setProviderAndWait(domain, new RollgateProvider(client));
      Client of = api.getClient(domain);
      of.onProviderConfigurationChanged(changed::add);
      of.onProviderStale(stale::add);
      assertThat(of.getProviderState()).isEqualTo(ProviderState.READY);

      // track: every subject's outcome under the variant it gets
      int candidates = 0;
      for (int i = 0; i < 40; i++) {
        var ctx = new ImmutableContext("user-" + i);
        if (of.getIntegerDetails("limits.max", 0, ctx).getVariant().equals("candidate")) {
          candidates++;
        }
        of.track("limits.success", ctx);
      }
      of.track("limits.error", new ImmutableContext("user-0"));
      client.flush();
      long[] c = s.server().rolloutStore().outcomeTotals("limits-1", Variant.CANDIDATE, s.clock().instant());
      long[] b = s.server().rolloutStore().outcomeTotals("limits-1", Variant.BASELINE, s.clock().instant());
      assertThat(c[0]).isEqualTo(candidates);
      assertThat(c[0] + b[0]).isEqualTo(40);
      assertThat(c[1] + b[1]).isEqualTo(1);

      s.send("POST", "/api/v1/rollouts/limits-1/abort", ADMIN, "{\"reason\":\"enough\"}");
      await().atMost(WAIT).untilAsserted(() -> assertThat(changed).anySatisfy(e ->
          assertThat(e.getFlagsChanged()).containsExactly("limits")));
      assertThat(of.getIntegerDetails("limits.max", 0, new ImmutableContext("user-1")).getReason())
          .isEqualTo("STATIC");

      s.server().close();
      await().atMost(WAIT).until(() -> of.getProviderState() == ProviderState.STALE);
      assertThat(stale).isNotEmpty();
      assertThat(of.getIntegerValue("limits.max", 0, new ImmutableContext("user-1"))).as("still served").isEqualTo(1);
    } finally {
      api.setProviderAndWait(domain, new NoOpProvider());
    }
  }
}
