package io.rollgate.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The rollout series in {@code /metrics} under the names and labels docs/prometheus/alerts.yml uses:
 * they follow each transition, vanish when the rollout ends, and come back from the database after
 * a restart.
 */
class RolloutMetricsTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final String ID = "limits-1";
  private static final String LABELS = "policy=\"limits\",rollout=\"" + ID + "\"";

  @Test
  void the_gauges_follow_the_rollout_and_its_series_are_removed_when_it_ends() {
    Path dir = TestDatabases.newTempDir();
    try (var s = TestServer.start(null, c -> c.withDataDir(dir))) {
      s.send("PUT", "/api/v1/policies/limits", ADMIN, "{\"document\":{\"max\":1}}");
      var r = s.send("POST", "/api/v1/rollouts", ADMIN, "{\"policy\":\"limits\",\"delta\":{\"max\":2},"
          + "\"selfApproval\":true,\"stages\":[{\"name\":\"canary\",\"percentage\":12.5,\"minDurationSeconds\":60,"
          + "\"maxErrorRate\":0.01},{\"name\":\"full\",\"percentage\":100,\"maxErrorRate\":0.01}],"
          + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":10}}");
      assertThat(r.status()).as("%s", r).isEqualTo(201);
      eventually(s, m -> {
        assertThat(value(m, "rollgate_rollout_stage", LABELS)).contains(1.0);
        assertThat(value(m, "rollgate_rollout_percentage", LABELS)).contains(12.5);
        assertThat(value(m, "rollgate_rollout_phase", "phase=\"PROGRESSING\"," + LABELS)).contains(1.0);
        assertThat(value(m, "rollgate_rollout_stage_started_timestamp_seconds", LABELS + ",stage_name=\"canary\""))
            .contains((double) s.clock().instant().getEpochSecond());
      });

      // the sequential judge compares with the baseline: both at 1%, in the stage's 12.5/87.5 split
      s.send("POST", "/api/v1/outcomes", ADMIN, "[{\"policy\":\"limits\",\"variant\":\"candidate\",\"success\":99,"
          + "\"error\":1},{\"policy\":\"limits\",\"variant\":\"baseline\",\"success\":693,\"error\":7}]");
      s.clock().advance(Duration.ofSeconds(60));
      s.server().rollouts().tick();
      eventually(s, m -> {
        assertThat(value(m, "rollgate_rollout_stage", LABELS)).contains(2.0);
        assertThat(value(m, "rollgate_rollout_percentage", LABELS)).contains(100.0);
        assertThat(value(m, "rollgate_rollout_error_rate", LABELS)).contains(0.01);
        assertThat(value(m, "rollgate_rollout_advancements_total", "policy=\"limits\"")).contains(1.0);
        assertThat(value(m, "rollgate_rollout_stage_started_timestamp_seconds", LABELS + ",stage_name=\"canary\""))
            .as("the old stage's series is gone").isEmpty();
        assertThat(value(m, "rollgate_rollout_stage_started_timestamp_seconds", LABELS + ",stage_name=\"full\""))
            .contains((double) s.clock().instant().getEpochSecond());
      });

      s.send("POST", "/api/v1/outcomes", ADMIN, "{\"policy\":\"limits\",\"variant\":\"candidate\",\"success\":50,\"error\":50}");
      s.clock().advance(Duration.ofSeconds(60));
      s.server().rollouts().tick(); // 50% > the 1% ceiling (no baseline at 100% to compare with): back to canary
      eventually(s, m -> {
        assertThat(value(m, "rollgate_rollout_rollbacks_total", "from_stage=\"full\",policy=\"limits\"")).contains(1.0);
        assertThat(value(m, "rollgate_rollout_stage", LABELS)).contains(1.0);
        assertThat(value(m, "rollgate_rollout_error_rate", LABELS)).contains(0.5);
      });
    }
    // a restarted server shows the running rollout from the database before anything happens
    try (var s = TestServer.start(null, c -> c.withDataDir(dir))) {
      String m = scrape(s);
      assertThat(value(m, "rollgate_rollout_stage", LABELS)).contains(1.0);
      assertThat(value(m, "rollgate_rollout_phase", "phase=\"PROGRESSING\"," + LABELS)).contains(1.0);
      assertThat(value(m, "rollgate_rollout_error_rate", LABELS)).as("no measurement yet in this stage").isEmpty();

      assertThat(s.send("POST", "/api/v1/rollouts/" + ID + "/abort", ADMIN, "{\"reason\":\"done\"}").status())
          .isEqualTo(200);
      eventually(s, after -> {
        for (String name : new String[] {"rollgate_rollout_stage", "rollgate_rollout_percentage",
            "rollgate_rollout_phase", "rollgate_rollout_stage_started_timestamp_seconds"}) {
          assertThat(after.lines().filter(l -> l.startsWith(name + "{")).toList()).as(name).isEmpty();
        }
      });
    }
  }

  /**
   * The gauges follow the journal from its listener, which runs just after the commit is
   * acknowledged: a scrape right after an answer may be a few milliseconds early.
   */
  private static void eventually(TestServer s, java.util.function.Consumer<String> check) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> check.accept(scrape(s)));
  }

  private static String scrape(TestServer s) {
    var r = s.get("/metrics", null);
    assertThat(r.status()).isEqualTo(200);
    return r.body();
  }

  /** The value of the sample whose labels are exactly {@code labels} (in the writer's order: sorted), if any. */
  private static Optional<Double> value(String scrape, String name, String labels) {
    Matcher m = Pattern.compile("^" + Pattern.quote(name + "{" + labels + "}") + " (\\S+)$", Pattern.MULTILINE)
        .matcher(scrape);
    return m.find() ? Optional.of(Double.parseDouble(m.group(1))) : Optional.empty();
  }
}
