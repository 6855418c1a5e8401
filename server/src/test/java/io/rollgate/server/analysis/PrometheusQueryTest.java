package io.rollgate.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.rollgate.server.testing.PrometheusBinaries;
import io.rollgate.server.testing.PrometheusProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The prometheus provider's query against a real Prometheus scraping an endpoint the test
 * controls: one number is a value; no series or NaN is no data (never a pass); several series,
 * a refused query or Prometheus down is an error (never a failure).
 */
class PrometheusQueryTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final AtomicReference<String> EXPOSED = new AtomicReference<>("""
      # TYPE app_error_ratio gauge
      app_error_ratio{policy="limits",variant="baseline"} 0.004
      app_error_ratio{policy="limits",variant="candidate"} 0.012
      """);
  private static HttpServer app;
  private static PrometheusProcess prometheus;
  private static PrometheusQuery query;

  @BeforeAll
  static void start() throws IOException {
    Path binary = PrometheusBinaries.require("prometheus");
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/metrics", ex -> {
      byte[] body = EXPOSED.get().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    app.start();
    prometheus = PrometheusProcess.start(binary, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        + "scrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['127.0.0.1:"
        + app.getAddress().getPort() + "']\n");
    query = new PrometheusQuery(HTTP, prometheus.baseUrl(), Duration.ofSeconds(5));
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> query.instant("sum(app_error_ratio)", Instant.now()) instanceof PrometheusQuery.Result.Value);
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

  private static PrometheusQuery.Result run(String promql) {
    return query.instant(promql, Instant.now());
  }

  @Test
  void one_series_is_its_value() {
    var r = run(PrometheusQuery.render("app_error_ratio{policy=\"{{policy}}\",variant=\"{{variant}}\"}",
        Map.of("policy", "limits", "variant", "candidate")));

    assertThat(r).isInstanceOfSatisfying(PrometheusQuery.Result.Value.class,
        v -> assertThat(v.value()).isEqualTo(0.012));
  }

  @Test
  void a_scalar_is_its_value() {
    assertThat(run("scalar(app_error_ratio{variant=\"baseline\"})"))
        .isInstanceOfSatisfying(PrometheusQuery.Result.Value.class, v -> assertThat(v.value()).isEqualTo(0.004));
  }

  @Test
  void several_series_are_an_error_naming_how_many() {
    assertThat(run("app_error_ratio")).isInstanceOfSatisfying(PrometheusQuery.Result.Error.class,
        e -> assertThat(e.why()).startsWith("the query returned 2 series"));
  }

  @Test
  void no_series_and_nan_are_no_data_never_a_value() {
    assertThat(run("app_error_ratio{variant=\"nobody\"}")).isInstanceOf(PrometheusQuery.Result.NoData.class);
    assertThat(run("scalar(vector(0)) / scalar(vector(0))")).isInstanceOfSatisfying(
        PrometheusQuery.Result.NoData.class, n -> assertThat(n.why()).contains("NaN"));
  }

  @Test
  void a_query_prometheus_refuses_or_a_string_is_an_error() {
    assertThat(run("sum(app_error_ratio")).isInstanceOfSatisfying(PrometheusQuery.Result.Error.class,
        e -> assertThat(e.why()).startsWith("Prometheus refused the query (HTTP 400, bad_data)"));
    assertThat(run("\"text\"")).isInstanceOfSatisfying(PrometheusQuery.Result.Error.class,
        e -> assertThat(e.why()).contains("returned a string"));
  }

  @Test
  void prometheus_unreachable_is_an_error() throws IOException {
    int closedPort;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    var nowhere = new PrometheusQuery(HTTP, URI.create("http://127.0.0.1:" + closedPort), Duration.ofSeconds(2));

    assertThat(nowhere.instant("sum(app_error_ratio)", Instant.now()))
        .isInstanceOfSatisfying(PrometheusQuery.Result.Error.class,
            e -> assertThat(e.why()).startsWith("Prometheus at http://127.0.0.1:" + closedPort + " is unreachable"));
  }

  @Test
  void placeholders_are_escaped_for_a_promql_string_and_unknown_ones_refused() {
    assertThat(PrometheusQuery.render("m{policy=\"{{policy}}\"}", Map.of("policy", "a\"} or vector(1) #")))
        .isEqualTo("m{policy=\"a\\\"} or vector(1) #\"}");
    assertThatThrownBy(() -> PrometheusQuery.render("m{x=\"{{stage}}\"}", Map.of("policy", "p", "variant", "v")))
        .hasMessage("unknown placeholder {{stage}} in the query; known: policy, variant");
  }

  @Test
  void an_injected_label_value_stays_a_label_value_in_prometheus() {
    // the escaped value matches nothing instead of turning the query into "or vector(1)"
    var r = run(PrometheusQuery.render("sum(app_error_ratio{policy=\"{{policy}}\"})",
        Map.of("policy", "limits\"} or vector(1) or app_error_ratio{policy=\"x")));

    assertThat(r).isInstanceOf(PrometheusQuery.Result.NoData.class);
  }
}
