package io.rollgate.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.rollgate.error.InvalidInputException;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Measurement;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the prometheus provider does without a Prometheus to ask: template validation for rollout
 * creation, and every way a measurement fails being a provider error with a reason — never a throw.
 */
class PrometheusProviderOfflineTest {
  private static final PrometheusProvider PROVIDER = new PrometheusProvider(Duration.ofSeconds(2));

  private static AnalysisProvider.Target target(URI url, String query) {
    var settings = new AnalysisSettings(AnalysisSettings.Provider.PROMETHEUS, Duration.ofSeconds(60), 1, 0, 4,
        url, query);
    return new AnalysisProvider.Target("limits", "r-1", "canary", settings, Instant.parse("2026-01-01T00:00:00Z"));
  }

  private static int closedPort() throws IOException {
    try (var s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void a_template_with_the_four_placeholders_is_accepted() {
    assertThatCode(() -> PrometheusProvider.validateTemplate(PrometheusProviderTest.ERROR_RATE
        + " + 0 * sum(x{rollout=\"{{ rollout }}\",stage=\"{{stage}}\"}) + 0 * count(y{a=~\"b{2}\"})"))
        .doesNotThrowAnyException();
  }

  @Test
  void an_unknown_placeholder_is_refused_for_analysis_query_naming_it() {
    assertThatThrownBy(() -> PrometheusProvider.validateTemplate("m{team=\"{{team}}\",env=\"{{ env }}\"}"))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("analysis.query"))
        .hasMessage("analysis.query uses unknown placeholders {{env}}, {{team}}; known: {{policy}}, {{rollout}}, "
            + "{{stage}}, {{variant}}");
    // rendering would leave this one as literal text, matching nothing for ever: refused too
    assertThatThrownBy(() -> PrometheusProvider.validateTemplate("m{rollout=\"{{rollout_id}}\"}"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("analysis.query uses unknown placeholder {{rollout_id}};");
    assertThatThrownBy(() -> PrometheusProvider.validateTemplate(" "))
        .isInstanceOfSatisfying(InvalidInputException.class,
            e -> assertThat(e.field()).isEqualTo("analysis.query"));
  }

  @Test
  void an_unknown_placeholder_at_measure_time_is_a_provider_error_naming_it() throws IOException {
    var m = PROVIDER.measure(target(URI.create("http://127.0.0.1:" + closedPort()), "m{t=\"{{team}}\"}"),
        Instant.parse("2026-01-01T00:01:00Z"));

    assertThat(m).isInstanceOfSatisfying(Measurement.ProviderError.class, e -> assertThat(e.why())
        .isEqualTo("analysis.query cannot be rendered: unknown placeholder {{team}} in the query; known: "
            + "policy, rollout, stage, variant"));
  }

  @Test
  void unreachable_is_a_provider_error_naming_the_url() throws IOException {
    int port = closedPort();
    Instant now = Instant.parse("2026-01-01T00:01:00Z");

    var m = PROVIDER.measure(target(URI.create("http://127.0.0.1:" + port), "up"), now);

    assertThat(m).isInstanceOfSatisfying(Measurement.ProviderError.class, e -> {
      assertThat(e.why()).startsWith("Prometheus at http://127.0.0.1:" + port + " is unreachable");
      assertThat(e.at()).isEqualTo(now);
    });
  }

  @Test
  void a_prometheus_slower_than_the_query_timeout_is_a_provider_error() throws IOException, InterruptedException {
    var release = new CountDownLatch(1);
    var hanging = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hanging.createContext("/", ex -> {
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    hanging.start();
    try {
      var fast = new PrometheusProvider(Duration.ofMillis(300));
      long started = System.nanoTime();

      var m = fast.measure(target(URI.create("http://127.0.0.1:" + hanging.getAddress().getPort()), "up"),
          Instant.parse("2026-01-01T00:01:00Z"));

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
      assertThat(m).isInstanceOfSatisfying(Measurement.ProviderError.class,
          e -> assertThat(e.why()).contains("unreachable").contains("timed out"));
    } finally {
      release.countDown();
      hanging.stop(0);
    }
  }

  @Test
  void settings_for_another_provider_are_a_provider_error_not_a_throw() {
    var target = new AnalysisProvider.Target("limits", "r-1", "canary", AnalysisSettings.DEFAULT,
        Instant.parse("2026-01-01T00:00:00Z"));

    assertThat(PROVIDER.measure(target, Instant.parse("2026-01-01T00:01:00Z")))
        .isInstanceOfSatisfying(Measurement.ProviderError.class, e -> assertThat(e.why())
            .isEqualTo("rollout r-1 is analysed by the OUTCOMES provider, not by prometheus"));
  }

  @Test
  void a_reason_longer_than_a_measurement_holds_is_clipped_whole_characters_only() {
    assertThat(PrometheusProvider.clip("x".repeat(1_000))).isEqualTo("x".repeat(1_000));
    // the cut would fall between the two halves of the emoji: it goes whole
    String clipped = PrometheusProvider.clip("x".repeat(998) + "😀" + "y".repeat(10));
    assertThat(clipped).isEqualTo("x".repeat(998) + "…");
  }
}
