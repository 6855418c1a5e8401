package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.rollgate.server.testing.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The failed-authentication limit through HTTP, with the defaults (20 failures per 60 s): the
 * server's clock is a MutableClock, so windows pass when the test says so.
 */
class AuthRateLimitTest {
  private static final String UNKNOWN = "rg_unknown-token-guess";
  private static TestServer server;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger authLog = (Logger) LoggerFactory.getLogger(Auth.class);

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Each test starts in a fresh window: whatever the previous one left has expired. */
  @BeforeEach
  void freshWindow() {
    clock(AuthLimits.DEFAULTS.window().toSeconds());
    logs.start();
    authLog.addAppender(logs);
  }

  @AfterEach
  void detach() {
    authLog.detachAppender(logs);
  }

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      assertThat(server.get("/api/v1/policies", UNKNOWN + i).status()).isEqualTo(401);
    }
  }

  @Test
  void after_twenty_failures_even_the_admin_token_gets_429_with_retry_after_until_the_window_passes() {
    fail(19);
    assertThat(server.get("/api/v1/policies", TestServer.ADMIN_TOKEN).status()).as("19 failures: not yet").isEqualTo(200);
    clock(30);
    fail(1);
    long head = server.journalHead();

    var limited = server.send("PUT", "/api/v1/policies/p", TestServer.ADMIN_TOKEN, "{\"document\":{\"a\":1}}");

    assertThat(limited.status()).as("%s", limited).isEqualTo(429);
    assertThat(limited.contentType()).startsWith(Problem.MEDIA_TYPE);
    assertThat(limited.header("Retry-After")).as("the window opened at the first failure, 30 s ago").hasValue("30");
    var p = limited.json();
    assertThat(p.path("type").asText()).isEqualTo(Problem.BASE + "too-many-failed-authentications");
    assertThat(p.path("field").asText()).isEqualTo("Authorization");
    assertThat(p.path("retryAfterSeconds").asLong()).isEqualTo(30);
    assertThat(p.path("detail").asText()).isEqualTo(
        "20 failed authentications from this address within 60 s; requests that carry a token are refused for 30 s");
    assertThat(server.journalHead()).as("nothing journaled").isEqualTo(head);

    assertThat(server.get("/api/v1/policies", UNKNOWN).status()).as("unknown tokens too, unchecked").isEqualTo(429);
    assertThat(server.get("/api/v1/policies", null).status()).as("no token: the usual 401").isEqualTo(401);
    assertThat(server.get("/health", TestServer.ADMIN_TOKEN).status()).as("public routes ignore the header").isEqualTo(200);

    clock(29);
    assertThat(server.get("/api/v1/policies", TestServer.ADMIN_TOKEN).header("Retry-After")).hasValue("1");
    clock(1);
    assertThat(server.send("PUT", "/api/v1/policies/limit-" + System.nanoTime(), TestServer.ADMIN_TOKEN,
        "{\"document\":{\"a\":1}}").status()).as("the window has passed").isEqualTo(201);
  }

  @Test
  void successful_authentications_neither_count_nor_reset_the_failures() {
    String viewer = server.token("reader", "viewer");
    fail(19);
    for (int i = 0; i < 50; i++) {
      assertThat(server.get("/api/v1/policies", viewer).status()).isEqualTo(200);
    }

    fail(1);

    assertThat(server.get("/api/v1/policies", viewer).status()).isEqualTo(429);
  }

  @Test
  void another_scheme_counts_as_a_failure_and_a_missing_token_does_not() {
    for (int i = 0; i < 100; i++) {
      assertThat(server.get("/api/v1/policies", null).status()).isEqualTo(401);
    }
    assertThat(server.get("/api/v1/policies", TestServer.ADMIN_TOKEN).status()).isEqualTo(200);

    for (int i = 0; i < 20; i++) {
      var r = server.send(HttpProbe.request(server, "GET", "/api/v1/policies", "Basic dXNlcjpwYXNz", null).build());
      assertThat(r.status()).isEqualTo(401);
    }

    assertThat(server.get("/api/v1/policies", TestServer.ADMIN_TOKEN).status()).isEqualTo(429);
  }

  @Test
  void failures_spread_over_windows_never_limit() {
    for (int round = 0; round < 3; round++) {
      fail(19);
      clock(61);
    }

    assertThat(server.get("/api/v1/policies", TestServer.ADMIN_TOKEN).status()).isEqualTo(200);
  }

  @Test
  void becoming_limited_logs_one_warning_with_the_address_and_the_count_and_never_the_token() {
    fail(20);
    for (int i = 0; i < 30; i++) {
      assertThat(server.get("/api/v1/policies", UNKNOWN).status()).isEqualTo(429);
    }

    var warnings = logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0).getFormattedMessage()).isEqualTo(
        "20 failed authentications from 127.0.0.1 within 60 s: refusing its requests that carry a token for 60 s");
    assertThat(logs.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(UNKNOWN));
  }

  @Test
  void a_limit_of_zero_turns_it_off() {
    try (var open = TestServer.start(null, cfg -> cfg.withAuthLimits(AuthLimits.DEFAULTS.withMaxFailures(0)))) {
      for (int i = 0; i < 50; i++) {
        assertThat(open.get("/api/v1/policies", UNKNOWN).status()).isEqualTo(401);
      }

      assertThat(open.get("/api/v1/policies", TestServer.ADMIN_TOKEN).status()).isEqualTo(200);
    }
  }

  @Test
  void wrong_metrics_tokens_count_towards_the_same_limit_and_a_limited_address_cannot_scrape() {
    String metricsToken = "metrics-secret-0123456789";
    try (var guarded = TestServer.start(null, cfg -> cfg.withMetricsToken(metricsToken))) {
      for (int i = 0; i < AuthLimits.DEFAULTS.maxFailures(); i++) {
        assertThat(guarded.get("/metrics", "guess-" + i).status()).isEqualTo(401);
      }

      var limited = guarded.get("/metrics", metricsToken);
      assertThat(limited.status()).as("%s", limited).isEqualTo(429);
      assertThat(limited.header("Retry-After")).isPresent();
      assertThat(guarded.get("/api/v1/policies", TestServer.ADMIN_TOKEN).status()).isEqualTo(429);
      guarded.clock().advanceSeconds(AuthLimits.DEFAULTS.window().toSeconds() + 1);
      assertThat(guarded.get("/metrics", metricsToken).status()).isEqualTo(200);
    }
  }

  private static void clock(long seconds) {
    server.clock().advanceSeconds(seconds);
  }
}
