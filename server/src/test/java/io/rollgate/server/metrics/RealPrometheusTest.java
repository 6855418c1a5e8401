package io.rollgate.server.metrics;

import io.rollgate.server.testing.PrometheusBinaries;
import io.rollgate.server.testing.PrometheusProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.server.testing.TestServer;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real Prometheus scrapes Rollgate every second and can query what it scraped; with a metrics
 * token, its {@code authorization} scrape setting gets in and a wrong credential does not.
 */
class RealPrometheusTest {
  private static Path prometheus;

  @BeforeAll
  static void binary() {
    prometheus = PrometheusBinaries.require("prometheus");
  }

  private static String job(String name, int port, String credentials) {
    return "  - job_name: " + name + "\n"
        + (credentials == null ? "" : "    authorization:\n      credentials: " + credentials + "\n")
        + "    static_configs:\n      - targets: ['127.0.0.1:" + port + "']\n";
  }

  private static String config(String... jobs) {
    return "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n" + String.join("", jobs);
  }

  /** The value of each sample of {@code result}, by its job label. */
  private static List<String> values(JsonNode result, String job) {
    var out = new ArrayList<String>();
    for (JsonNode sample : result) {
      if (job.equals(sample.path("metric").path("job").asText())) {
        out.add(sample.path("value").path(1).asText());
      }
    }
    return out;
  }

  private static void untilQueried(PrometheusProcess p, String promql, String job, String expected) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        // until its HTTP listener is up; a dead process is an AssertionError, not ignored
        .ignoreException(UncheckedIOException.class)
        .untilAsserted(() -> assertThat(values(p.query(promql), job)).as("%s for job %s", promql, job)
            .containsExactly(expected));
  }

  @Test
  void prometheus_scrapes_the_queue_capacity_and_the_apply_counters() throws Exception {
    try (var rollgate = TestServer.start(null, MetricsEndpointTest.queueCapacity(777));
        var p = PrometheusProcess.start(prometheus, config(job("rollgate", rollgate.port(), null)))) {
      rollgate.send("PUT", "/api/v1/policies/scraped", TestServer.ADMIN_TOKEN, "{\"document\":{\"x\":1}}");

      untilQueried(p, "rollgate_journal_queue_capacity", "rollgate", "777");
      untilQueried(p, "rollgate_policy_apply_total{policy=\"scraped\",outcome=\"applied\"}", "rollgate", "1");
      untilQueried(p, "up", "rollgate", "1");
    }
  }

  @Test
  void with_a_metrics_token_prometheus_scrapes_with_its_credentials_and_a_wrong_one_is_refused() throws Exception {
    String secret = "prometheus-scrape-secret-42";
    try (var rollgate = TestServer.start(null,
            c -> MetricsEndpointTest.queueCapacity(555).apply(c).withMetricsToken(secret));
        var p = PrometheusProcess.start(prometheus, config(
            job("rollgate", rollgate.port(), secret),
            job("rollgate-wrong-token", rollgate.port(), "not-the-secret")))) {

      untilQueried(p, "rollgate_journal_queue_capacity", "rollgate", "555");
      untilQueried(p, "up", "rollgate-wrong-token", "0");
      assertThat(values(p.query("rollgate_journal_queue_capacity"), "rollgate-wrong-token")).isEmpty();
      JsonNode wrong = null;
      for (JsonNode t : p.activeTargets()) {
        if ("rollgate-wrong-token".equals(t.path("labels").path("job").asText())) {
          wrong = t;
        }
      }
      assertThat(wrong).as("targets: %s", p.activeTargets()).isNotNull();
      assertThat(wrong.path("health").asText()).isEqualTo("down");
      assertThat(wrong.path("lastError").asText()).contains("401");
    }
  }
}
