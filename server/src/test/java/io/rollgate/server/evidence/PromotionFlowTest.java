package io.rollgate.server.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.rollgate.audit.JournalEntry;
import io.rollgate.server.testing.TestServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Promotions that proceed as a staged rollout and follow it to its end, and promotions watched after
 * they apply, end to end over HTTP in virtual time (the test moves the clock and ticks the loops).
 */
class PromotionFlowTest {
  private static final String DELTA = "{\"standard\":{\"max_wall_time_ms\":45000}}";
  /** Two hourly stages, judged on at least 10 candidate requests. */
  private static final String ROLLOUT = "\"rollout\":{\"stages\":["
      + "{\"name\":\"half\",\"percentage\":50,\"minDurationSeconds\":3600,\"maxErrorRate\":0.05},"
      + "{\"name\":\"full\",\"percentage\":100,\"minDurationSeconds\":0,\"maxErrorRate\":0.05}],"
      + "\"analysis\":{\"intervalSeconds\":3600,\"minSamples\":10}";

  private TestServer server;
  private String operator;

  @BeforeEach
  void start() {
    server = TestServer.start();
    operator = server.token("ci", "operator");
    assertThat(server.send("PUT", "/api/v1/policies/limits", TestServer.ADMIN_TOKEN,
        "{\"document\":{\"standard\":{\"max_wall_time_ms\":30000}}}").status()).isEqualTo(201);
    assertThat(server.send("POST", "/api/v1/scenarios", operator, "{\"id\":\"sweep\"}").status()).isEqualTo(201);
    runs("sweep", 25, 1);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void a_promotion_via_a_rollout_is_rolling_out_until_the_rollout_completes_then_promoted_with_its_version() {
    var r = server.send("POST", "/api/v1/promotions", operator,
        "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":" + DELTA + "," + ROLLOUT + "},\"reason\":\"staged\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    assertThat(r.json().path("status").asText()).isEqualTo("rolling_out");
    assertThat(r.json().path("rolloutId").asText()).isEqualTo("limits-1");
    assertThat(r.json().path("newVersion").isNull()).isTrue();
    assertThat(r.header("Location")).contains("/api/v1/promotions/limits-1");
    assertThat(wallTime()).isEqualTo(30000); // nothing applied yet: the rollout decides
    assertThat(server.get("/api/v1/rollouts/limits-1", operator).json().path("changeReason").asText())
        .isEqualTo("promotion limits-1: staged");

    var early = server.send("POST", "/api/v1/promotions/limits-1/rollback", operator, "{\"reason\":\"r\"}");
    assertThat(early.status()).isEqualTo(409);
    assertThat(early.json().path("detail").asText()).contains("rolling out as rollout 'limits-1'");

    healthyHours(3);
    assertThat(server.get("/api/v1/rollouts/limits-1", operator).json().path("phase").asText()).isEqualTo("COMPLETED");
    server.server().promotions().tick(); // the listener may already have done it; following is idempotent
    JsonNode p = promotion("limits-1");
    assertThat(p.path("status").asText()).isEqualTo("promoted");
    assertThat(p.path("newVersion").asInt()).isEqualTo(2);
    assertThat(wallTime()).isEqualTo(45000);
    assertThat(types()).containsSubsequence("rollout.started", "promotion.executed", "rollout.completed",
        "promotion.completed");
    assertThat(types().stream().filter("promotion.completed"::equals)).hasSize(1);
  }

  @Test
  void a_rolled_back_rollout_rolls_its_promotion_back_and_the_learned_scenario_blocks_re_promotion_until_eligible() {
    assertThat(server.send("POST", "/api/v1/promotions", operator,
        "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":" + DELTA + "," + ROLLOUT + "}}").status())
        .isEqualTo(201);
    assertThat(server.send("POST", "/api/v1/rollouts/limits-1/rollback", operator,
        "{\"reason\":\"p99 doubled at 50%\"}").status()).isEqualTo(200);

    // no tick: the journal listener hands the ended rollout to the loop's own thread
    await().atMost(Duration.ofSeconds(10))
        .until(() -> promotion("limits-1").path("status").asText().equals("rolled_back"));
    JsonNode p = promotion("limits-1");
    assertThat(p.at("/rollback/regressionScenario").asText()).isEqualTo("sweep-learned-1");
    assertThat(p.at("/rollback/by").asText()).isEqualTo("ci");
    assertThat(p.at("/rollback/reason").asText()).contains("rollout limits-1 rolled back").contains("p99 doubled");
    assertThat(p.at("/rollback/version").asInt()).isEqualTo(1);
    assertThat(wallTime()).isEqualTo(30000);

    var learned = server.get("/api/v1/scenarios/sweep-learned-1", operator).json();
    assertThat(learned.path("minRuns").asInt()).isEqualTo(50);
    assertThat(learned.path("maxFailureRate").asDouble()).isEqualTo(0.05);

    // the regression scenario guards the next attempt until it has its own evidence
    String again = "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":" + DELTA + "}";
    var blocked = server.send("POST", "/api/v1/promotions", operator, again);
    assertThat(blocked.status()).isEqualTo(409);
    assertThat(blocked.json().path("detail").asText()).contains("sweep-learned-1").contains("0 of 50 required runs");
    runs("sweep-learned-1", 49, 0);
    assertThat(server.send("POST", "/api/v1/promotions", operator, again).status()).isEqualTo(409);
    runs("sweep-learned-1", 1, 0);
    var promoted = server.send("POST", "/api/v1/promotions", operator, again);
    assertThat(promoted.status()).as("%s", promoted).isEqualTo(201);
    assertThat(promoted.json().path("eligibility")).hasSize(2);
    assertThat(wallTime()).isEqualTo(45000);
  }

  @Test
  void a_rollout_its_analysis_rolls_back_is_a_failed_promotion_a_person_abort_learns_nothing() {
    server.send("POST", "/api/v1/promotions", operator, "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":"
        + DELTA + "," + ROLLOUT + ",\"onFailure\":\"abort\"}}");
    outcomes(100, 30); // 23% errors > 5%
    server.clock().advance(Duration.ofHours(1));
    server.server().rollouts().tick();
    assertThat(server.get("/api/v1/rollouts/limits-1", operator).json().path("phase").asText())
        .isEqualTo("ROLLED_BACK");
    server.server().promotions().tick();
    JsonNode failed = promotion("limits-1");
    assertThat(failed.path("status").asText()).isEqualTo("rolled_back");
    assertThat(failed.at("/rollback/by").asText()).isEqualTo("reconciler");
    assertThat(failed.at("/rollback/regressionScenario").asText()).isEqualTo("sweep-learned-1");

    runs("sweep-learned-1", 50, 0);
    assertThat(server.send("POST", "/api/v1/promotions", operator, "{\"scenario\":\"sweep\",\"policy\":\"limits\","
        + "\"delta\":" + DELTA + "," + ROLLOUT + "}}").status()).isEqualTo(201);
    assertThat(server.send("POST", "/api/v1/rollouts/limits-2/abort", operator, "{\"reason\":\"wrong week\"}")
        .status()).isEqualTo(200);
    server.server().promotions().tick();
    JsonNode aborted = promotion("limits-2");
    assertThat(aborted.path("status").asText()).isEqualTo("aborted");
    assertThat(aborted.path("rollback").isNull()).isTrue();
    assertThat(server.get("/api/v1/scenarios/sweep-learned-2", operator).status()).isEqualTo(404);
    var undo = server.send("POST", "/api/v1/promotions/limits-2/rollback", operator, "{\"reason\":\"r\"}");
    assertThat(undo.status()).isEqualTo(409);
    assertThat(undo.json().path("detail").asText()).contains("was aborted");
  }

  @Test
  void a_watched_promotion_rolls_itself_back_when_prometheus_degrades_within_the_window_and_is_final_after()
      throws IOException {
    var rate = new AtomicReference<>("0.01");
    HttpServer prometheus = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    prometheus.createContext("/api/v1/query", ex -> {
      byte[] body = ("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
          + "\"value\":[1735689600,\"" + rate.get() + "\"]}]}}").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    prometheus.start();
    try {
      String watch = "\"watch\":{\"provider\":\"prometheus\",\"prometheusUrl\":\"http://127.0.0.1:"
          + prometheus.getAddress().getPort() + "\",\"query\":\"errors{policy=\\\"{{policy}}\\\"}\","
          + "\"intervalSeconds\":60,\"windowSeconds\":600,\"maxErrorRate\":0.2}";
      var r = server.send("POST", "/api/v1/promotions", operator,
          "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":" + DELTA + "," + watch + "}");
      assertThat(r.status()).as("%s", r).isEqualTo(201);
      assertThat(r.json().at("/watch/until").asText()).isEqualTo("2025-01-01T00:10:00Z");
      assertThat(wallTime()).isEqualTo(45000);

      assertThat(server.server().promotions().tick().measured()).isZero(); // the first reading is one interval in
      server.clock().advance(Duration.ofSeconds(60));
      assertThat(server.server().promotions().tick()).isEqualTo(new PromotionLoop.Tick(0, 1, 0));
      assertThat(promotion("limits-1").at("/watch/last/verdict").asText()).isEqualTo("passed");

      rate.set("0.25");
      server.clock().advance(Duration.ofSeconds(60));
      assertThat(server.server().promotions().tick()).isEqualTo(new PromotionLoop.Tick(0, 1, 1));
      JsonNode p = promotion("limits-1");
      assertThat(p.path("status").asText()).isEqualTo("rolled_back");
      assertThat(p.at("/rollback/by").asText()).isEqualTo(PromotionLoop.WATCH_ACTOR);
      assertThat(p.at("/rollback/reason").asText()).contains("error rate 25.0% > 20.0%");
      assertThat(p.at("/rollback/regressionScenario").asText()).isEqualTo("sweep-learned-1");
      assertThat(wallTime()).isEqualTo(30000);

      // a second watched promotion that stays healthy through its window is final: later degradation is ignored
      runs("sweep-learned-1", 50, 0);
      rate.set("0.01");
      assertThat(server.send("POST", "/api/v1/promotions", operator,
          "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":" + DELTA + "," + watch + "}").status())
          .isEqualTo(201);
      for (int i = 0; i < 10; i++) {
        server.clock().advance(Duration.ofSeconds(60));
        server.server().promotions().tick();
      }
      rate.set("0.9");
      server.clock().advance(Duration.ofSeconds(60));
      assertThat(server.server().promotions().tick().measured()).isZero();
      assertThat(promotion("limits-2").path("status").asText()).isEqualTo("promoted");
      assertThat(wallTime()).isEqualTo(45000);
    } finally {
      prometheus.stop(0);
    }
  }

  @Test
  void bad_rollout_and_watch_fields_are_400s_naming_them_and_change_nothing() {
    long head = server.journalHead();
    String base = "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":" + DELTA + ",";
    record Case(String tail, String field) {}
    for (var c : List.of(
        new Case("\"rollout\":[]}", "rollout"),
        new Case("\"rollout\":{\"policy\":\"x\"}}", "rollout.policy"),
        new Case("\"rollout\":{\"onFailure\":\"explode\"}}", "rollout.onFailure"),
        new Case("\"rollout\":{\"analysis\":{\"provider\":\"nagios\"}}}", "rollout.analysis.provider"),
        new Case("\"watch\":{\"provider\":\"prometheus\",\"windowSeconds\":0}}", "watch.windowSeconds"),
        new Case("\"watch\":{\"provider\":\"outcomes\",\"windowSeconds\":60}}", "watch.provider"),
        new Case("\"watch\":{\"provider\":\"prometheus\",\"prometheusUrl\":\"http://127.0.0.1:9\",\"query\":\"x\","
            + "\"windowSeconds\":60,\"maxErrorRate\":2}}", "watch.maxErrorRate"),
        new Case("\"watch\":{\"provider\":\"prometheus\",\"prometheusUrl\":\"http://127.0.0.1:9\",\"query\":\"{{x}}\","
            + "\"windowSeconds\":60}}", "watch.query"),
        new Case("\"watch\":{\"provider\":\"prometheus\",\"windowSeconds\":60}}", "watch.prometheusUrl"),
        new Case(ROLLOUT.substring(0, ROLLOUT.length()) + "},\"watch\":{\"provider\":\"prometheus\","
            + "\"prometheusUrl\":\"http://127.0.0.1:9\",\"query\":\"x\",\"windowSeconds\":60}}", "watch"))) {
      var r = server.send("POST", "/api/v1/promotions", operator, base + c.tail());
      assertThat(r.status()).as("%s -> %s", c, r).isEqualTo(400);
      assertThat(r.json().path("field").asText()).as("%s -> %s", c, r).isEqualTo(c.field());
    }
    assertThat(server.journalHead()).isEqualTo(head);
  }

  private void healthyHours(int n) {
    for (int i = 0; i < n; i++) {
      outcomes(100, 1);
      server.clock().advance(Duration.ofHours(1));
      server.server().rollouts().tick();
    }
  }

  private void outcomes(int success, int error) {
    var r = server.reportOutcomes(operator, "limits", success, error);
    assertThat(r.status()).as("%s", r).isIn(200, 409); // 409 once the rollout has ended
  }

  private void runs(String scenario, int passed, int failed) {
    var r = server.send("POST", "/api/v1/scenarios/" + scenario + "/runs", operator,
        EvidenceApiTest.runs(passed, failed));
    assertThat(r.status()).as("%s", r).isEqualTo(200);
  }

  private JsonNode promotion(String id) {
    var r = server.get("/api/v1/promotions/" + id, operator);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  private int wallTime() {
    return server.get("/api/v1/policies/limits", operator).json().at("/document/standard/max_wall_time_ms").asInt();
  }

  private List<String> types() {
    return server.server().journalReader().page(0, 1_000).stream().map(JournalEntry::type).toList();
  }
}
