package io.rollgate.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Decision;
import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.OnFailure;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.Reconciler;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Stages;
import io.rollgate.rollout.Step;
import io.rollgate.server.testing.PrometheusBinaries;
import io.rollgate.server.testing.PrometheusProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The prometheus provider against a real Prometheus scraping request counters from an endpoint the
 * test controls: an error-rate ratio over the candidate's counters is a value; no traffic (0/0) is no
 * data; a vector of several series is an error; and Prometheus going down in the middle of a stage
 * gives errors and a pause, never a pass — driven through the pure reconciler in virtual time.
 */
class PrometheusProviderTest {
  /** What an operator would write: the candidate's share of 5xx responses over the last minute. */
  static final String ERROR_RATE = """
      sum(rate(app_requests_total{policy="{{policy}}",variant="{{variant}}",code=~"5.."}[1m]))
        / sum(rate(app_requests_total{policy="{{policy}}",variant="{{variant}}"}[1m]))""";

  private static final Object LOCK = new Object();
  private static long scrapes; // guarded by LOCK
  private static HttpServer app;
  private static Path binary;
  private static PrometheusProcess prometheus;
  private static final PrometheusProvider PROVIDER = new PrometheusProvider(Duration.ofSeconds(5));

  /**
   * Every scrape is more traffic in fixed proportions, so a rate ratio is exact whenever Prometheus
   * scrapes: busy's candidate fails 2 of 100 (its baseline none), failing's 10 of 100; idle's counters
   * never move (rate 0/0 = NaN).
   */
  private static String exposition() {
    long n;
    synchronized (LOCK) {
      n = ++scrapes;
    }
    return """
        # TYPE app_requests_total counter
        app_requests_total{policy="busy",variant="candidate",code="200"} %d
        app_requests_total{policy="busy",variant="candidate",code="500"} %d
        app_requests_total{policy="busy",variant="baseline",code="200"} %d
        app_requests_total{policy="busy",variant="baseline",code="500"} 0
        app_requests_total{policy="failing",variant="candidate",code="200"} %d
        app_requests_total{policy="failing",variant="candidate",code="500"} %d
        app_requests_total{policy="idle",variant="candidate",code="200"} 500
        app_requests_total{policy="idle",variant="candidate",code="500"} 5
        # TYPE app_rollout_info gauge
        app_rollout_info{policy="busy",rollout="r-7",stage="canary",variant="candidate"} 0.25
        """.formatted(98 * n, 2 * n, 100 * n, 90 * n, 10 * n);
  }

  @BeforeAll
  static void start() throws IOException {
    binary = PrometheusBinaries.require("prometheus");
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/metrics", ex -> {
      byte[] body = exposition().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    app.start();
    prometheus = startPrometheus();
  }

  /** A Prometheus scraping the app every second, once a rate over its counters has a value. */
  private static PrometheusProcess startPrometheus() throws IOException {
    var p = PrometheusProcess.start(binary, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        + "scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:"
        + app.getAddress().getPort() + "']\n");
    try {
      var busy = target("busy", settings(p.baseUrl(), ERROR_RATE, 4), "canary");
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> PROVIDER.measure(busy, Instant.now()) instanceof Measurement.Value);
    } catch (RuntimeException | Error e) {
      String log = p.log();
      p.close();
      throw new AssertionError("prometheus never had two scrapes of the app; its log:\n" + log, e);
    }
    return p;
  }

  @AfterAll
  static void stop() {
    if (prometheus != null) {
      prometheus.close();
    }
    if (app != null) {
      app.stop(0);
    }
  }

  private static AnalysisSettings settings(URI prometheusUrl, String query, int consecutiveErrorLimit) {
    return new AnalysisSettings(AnalysisSettings.Provider.PROMETHEUS, Duration.ofSeconds(1), 1, 0,
        consecutiveErrorLimit, prometheusUrl, query);
  }

  private static AnalysisProvider.Target target(String policy, AnalysisSettings settings, String stage) {
    return new AnalysisProvider.Target(policy, "r-7", stage, settings, Instant.now().minusSeconds(60));
  }

  private static Measurement measure(String policy, String query) {
    return PROVIDER.measure(target(policy, settings(prometheus.baseUrl(), query, 4), "canary"), Instant.now());
  }

  @Test
  void the_candidates_error_rate_is_a_value_taken_at_the_loops_now() {
    Instant now = Instant.now();
    var m = PROVIDER.measure(target("busy", settings(prometheus.baseUrl(), ERROR_RATE, 4), "canary"), now);

    // 2 of 100 for the candidate; had {{variant}} not become "candidate" it would be 2 of 200
    assertThat(m).isInstanceOfSatisfying(Measurement.Value.class, v -> {
      assertThat(v.errorRate()).isCloseTo(0.02, within(1e-9));
      assertThat(v.samplesKnown()).isFalse();
      assertThat(v.at()).isEqualTo(now);
    });
    assertThat(measure("failing", ERROR_RATE)).isInstanceOfSatisfying(Measurement.Value.class,
        v -> assertThat(v.errorRate()).isCloseTo(0.10, within(1e-9)));
  }

  @Test
  void the_query_is_evaluated_at_now_not_at_prometheus_current_time() {
    Instant beforeAnyScrape = Instant.now().minus(Duration.ofHours(1));
    var m = PROVIDER.measure(target("busy", settings(prometheus.baseUrl(), ERROR_RATE, 4), "canary"),
        beforeAnyScrape);

    assertThat(m).isInstanceOfSatisfying(Measurement.NoData.class, n -> {
      assertThat(n.why()).isEqualTo("the query returned no series");
      assertThat(n.at()).isEqualTo(beforeAnyScrape);
    });
  }

  @Test
  void no_traffic_is_no_data_never_a_value() {
    assertThat(measure("idle", ERROR_RATE)).isInstanceOfSatisfying(Measurement.NoData.class,
        n -> assertThat(n.why()).contains("NaN"));
    assertThat(measure("nobody", ERROR_RATE)).isInstanceOf(Measurement.NoData.class);
  }

  @Test
  void every_placeholder_is_substituted() {
    String q = "sum(app_rollout_info{policy=\"{{policy}}\",rollout=\"{{ rollout }}\",stage=\"{{stage}}\","
        + "variant=\"{{variant}}\"})";
    var settings = settings(prometheus.baseUrl(), q, 4);

    assertThat(PROVIDER.measure(target("busy", settings, "canary"), Instant.now()))
        .isInstanceOfSatisfying(Measurement.Value.class, v -> assertThat(v.errorRate()).isEqualTo(0.25));
    assertThat(PROVIDER.measure(target("busy", settings, "half"), Instant.now()))
        .isInstanceOf(Measurement.NoData.class);
  }

  @Test
  void a_vector_of_several_series_is_a_provider_error() {
    String perCode = "rate(app_requests_total{policy=\"{{policy}}\",variant=\"{{variant}}\"}[1m])";

    assertThat(measure("busy", perCode)).isInstanceOfSatisfying(Measurement.ProviderError.class,
        e -> assertThat(e.why()).startsWith("the query returned 2 series; it must yield one number"));
  }

  @Test
  void a_refused_query_is_an_error_whose_long_message_is_clipped_to_fit_a_measurement() {
    String name = "f".repeat(1_500);

    assertThat(measure("busy", name + "(app_requests_total)")).isInstanceOfSatisfying(
        Measurement.ProviderError.class, e -> {
          assertThat(e.why()).startsWith("Prometheus refused the query (HTTP 400, bad_data)")
              .contains("unknown function with name \"fff").endsWith("…");
          assertThat(e.why()).hasSize(1_000);
        });
  }

  @Test
  void a_high_error_rate_rolls_the_first_stage_back() {
    var settings = settings(prometheus.baseUrl(), ERROR_RATE, 4);
    var spec = new RolloutSpec(Stages.of(new Stage("canary", 1_000, Duration.ZERO, 0.05, false),
        new Stage("full", 10_000, Duration.ZERO, 0.05, false)), settings, OnFailure.STEP_BACK, "alice", false);
    Instant t0 = Instant.now().minusSeconds(1);
    var state = RolloutState.start(spec, t0);
    Instant now = t0.plusSeconds(1);

    Step step = Reconciler.decide(state, now,
        Optional.of(PROVIDER.measure(target("failing", settings, "canary"), now)));

    assertThat(step.decision()).isInstanceOf(Decision.RollBack.class);
    assertThat(step.state().phase()).isEqualTo(Phase.ROLLED_BACK);
    assertThat(step.decision().reason()).contains("error rate 10.00% > 5.00%");
  }

  @Test
  void prometheus_stopped_mid_stage_gives_errors_then_a_pause_and_never_an_advance() throws IOException {
    try (var own = startPrometheus()) {
      // canary must last 2 s, half 3 s: three errors in a row (consecutiveErrorLimit 2 + 1) arrive while
      // half's minimum duration runs out, so a misread error would let it advance
      var settings = settings(own.baseUrl(), ERROR_RATE, 2);
      var spec = new RolloutSpec(Stages.of(new Stage("canary", 1_000, Duration.ofSeconds(2), 0.05, false),
          new Stage("half", 5_000, Duration.ofSeconds(3), 0.05, false),
          new Stage("full", 10_000, Duration.ZERO, 0.05, false)), settings, OnFailure.STEP_BACK, "alice", false);
      // virtual time: one tick per analysis interval; it starts at the wall clock so that the queries
      // (evaluated at the tick's instant) fall within the scraped data
      Instant t0 = Instant.now();
      var state = RolloutState.start(spec, t0);
      List<Step> steps = new ArrayList<>();
      int tick = 0;

      while (state.stageIndex() == 0 && tick < 10) {
        tick++;
        Step step = tick(state, t0.plusSeconds(tick));
        assertThat(step.decision().evidence()).hasValueSatisfying(
            j -> assertThat(j.reason()).isEqualTo("error rate 2.00% ≤ 5.00%"));
        steps.add(step);
        state = step.state();
      }
      assertThat(tick).as("ticks to leave canary (minimum 2 s at 1 s a tick)").isEqualTo(2);
      assertThat(steps.getLast().decision()).isInstanceOf(Decision.Advance.class);
      assertThat(state.stage().name()).isEqualTo("half");
      assertThat(state.phase()).isEqualTo(Phase.PROGRESSING);

      own.close();
      steps.clear();
      for (int i = 0; i < 6; i++) {
        tick++;
        Instant now = t0.plusSeconds(tick);
        Measurement m = PROVIDER.measure(target("busy", settings, state.stage().name()), now);
        assertThat(m).isInstanceOfSatisfying(Measurement.ProviderError.class,
            e -> assertThat(e.why()).startsWith("Prometheus at " + own.baseUrl() + " is unreachable"));
        Step step = Reconciler.decide(state, now, Optional.of(m));
        steps.add(step);
        state = step.state();
      }

      assertThat(steps).noneMatch(s -> s.decision() instanceof Decision.Advance
          || s.decision() instanceof Decision.Complete || s.decision() instanceof Decision.AwaitApproval);
      assertThat(steps.subList(0, 2)).allMatch(s -> s.decision() instanceof Decision.Stay);
      assertThat(steps.get(2).decision()).isInstanceOf(Decision.Pause.class);
      assertThat(steps.get(2).decision().reason()).startsWith("paused at stage half (50%): 3 consecutive provider "
          + "errors > consecutiveErrorLimit 2");
      assertThat(steps.subList(3, 6)).allMatch(s -> s.decision() instanceof Decision.Stay);
      assertThat(state.phase()).isEqualTo(Phase.PAUSED);
      assertThat(state.stage().name()).isEqualTo("half");
      assertThat(state.candidateBasisPoints()).isEqualTo(5_000);
    }
  }

  private static Step tick(RolloutState state, Instant now) {
    var target = new AnalysisProvider.Target("busy", "r-7", state.stage().name(), state.spec().analysis(),
        state.analysisStartedAt());
    return Reconciler.decide(state, now, Optional.of(PROVIDER.measure(target, now)));
  }
}
