package io.rollgate.server.evidence;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The scenario and promotion routes end to end: 000's loop over HTTP, and bad input refused naming the field. */
class EvidenceApiTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static TestServer server;
  private static String operator;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    operator = server.token("ci", "operator");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String runs(int passed, int failed) {
    List<String> l = new ArrayList<>();
    for (int i = 0; i < passed + failed; i++) {
      l.add("{\"passed\":" + (i >= failed) + ",\"durationMs\":" + (1000 + i) + ",\"source\":\"stress\"}");
    }
    return "[" + String.join(",", l) + "]";
  }

  @Test
  void the_loop_of_000_over_http_promote_roll_back_learn_and_be_blocked() {
    assertThat(server.send("PUT", "/api/v1/policies/limits", ADMIN,
        "{\"document\":{\"standard\":{\"max_wall_time_ms\":30000}}}").status()).isEqualTo(201);
    var created = server.send("POST", "/api/v1/scenarios", operator, "{\"id\":\"sweep\",\"tags\":[\"stress\"]}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().path("minRuns").asInt()).isEqualTo(20);
    assertThat(created.json().path("maxFailureRate").asDouble()).isEqualTo(0.10);
    assertThat(created.json().path("window").asInt()).isEqualTo(100);

    var partial = server.send("POST", "/api/v1/scenarios/sweep/runs", operator, runs(10, 0));
    assertThat(partial.json().path("eligibility").path("reason").asText()).isEqualTo("10 of 20 required runs");
    var refused = server.send("POST", "/api/v1/promotions", operator,
        "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":{\"standard\":{\"max_wall_time_ms\":45000}}}");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.json().path("detail").asText()).contains("scenario 'sweep': 10 of 20 required runs");

    server.send("POST", "/api/v1/scenarios/sweep/runs", operator, runs(14, 1));
    var eligibility = server.get("/api/v1/scenarios/sweep/eligibility", operator).json();
    assertThat(eligibility.path("eligible").asBoolean()).isTrue();
    assertThat(eligibility.path("runs").asInt()).isEqualTo(25);
    assertThat(eligibility.path("failureRate").asDouble()).isEqualTo(0.04);

    var promoted = server.send("POST", "/api/v1/promotions", operator,
        "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":{\"standard\":{\"max_wall_time_ms\":45000}},"
            + "\"reason\":\"96% pass\"}");
    assertThat(promoted.status()).isEqualTo(201);
    String id = promoted.json().path("id").asText();
    assertThat(id).isEqualTo("limits-1");
    assertThat(server.get("/api/v1/policies/limits", operator).json().at("/document/standard/max_wall_time_ms").asInt())
        .isEqualTo(45000);

    var rolled = server.send("POST", "/api/v1/promotions/" + id + "/rollback", operator,
        "{\"reason\":\"timeout rate exceeded 20%\"}");
    assertThat(rolled.status()).isEqualTo(200);
    assertThat(rolled.json().path("status").asText()).isEqualTo("rolled_back");
    assertThat(rolled.json().at("/rollback/regressionScenario").asText()).isEqualTo("sweep-learned-1");
    assertThat(server.get("/api/v1/policies/limits", operator).json().at("/document/standard/max_wall_time_ms").asInt())
        .isEqualTo(30000);
    var learned = server.get("/api/v1/scenarios/sweep-learned-1", operator).json();
    assertThat(learned.path("tags").get(0).asText()).isEqualTo("learned_constraint");
    assertThat(learned.path("learnedFrom").asText()).isEqualTo("sweep");
    assertThat(learned.path("minRuns").asInt()).isEqualTo(50);
    assertThat(learned.path("policies").get(0).asText()).isEqualTo("limits");

    var blocked = server.send("POST", "/api/v1/promotions", operator,
        "{\"scenario\":\"sweep\",\"policy\":\"limits\",\"delta\":{\"standard\":{\"max_wall_time_ms\":45000}}}");
    assertThat(blocked.status()).isEqualTo(409);
    assertThat(blocked.json().path("detail").asText()).contains("sweep-learned-1").contains("0 of 50 required runs");

    var history = server.get("/api/v1/promotions?policy=limits", operator).json().path("promotions");
    assertThat(history).hasSize(1);
    assertThat(history.get(0).at("/rollback/reason").asText()).isEqualTo("timeout rate exceeded 20%");
    var audit = server.get("/api/v1/audit?afterSeq=0&limit=1000", ADMIN).json().toString();
    assertThat(audit).contains("promotion.executed", "promotion.rolled_back", "scenario.learned", "scenario.run_recorded");
  }

  @Test
  void bad_input_is_a_400_naming_the_field_and_unknown_scenarios_a_404() {
    long head = server.journalHead();
    record Case(String method, String path, String body, int status, String field) {}
    for (var c : List.of(
        new Case("POST", "/api/v1/scenarios", "{\"id\":\"x\",\"maxFailureRate\":1.5}", 400, "maxFailureRate"),
        new Case("POST", "/api/v1/scenarios", "{\"id\":\"x\",\"maxFailureRate\":-0.1}", 400, "maxFailureRate"),
        new Case("POST", "/api/v1/scenarios", "{\"id\":\"x\",\"minRuns\":50,\"window\":10}", 400, "window"),
        new Case("POST", "/api/v1/scenarios", "{\"id\":\"Bad Id\"}", 400, "id"),
        new Case("POST", "/api/v1/scenarios", "{\"id\":\"x\",\"tags\":[\"learned_constraint\"]}", 400, "tags"),
        new Case("POST", "/api/v1/scenarios/nope/runs", "{\"passed\":true}", 404, null),
        new Case("POST", "/api/v1/scenarios/nope/runs", "{\"passed\":\"yes\"}", 400, "passed"),
        new Case("POST", "/api/v1/scenarios/nope/runs", "[{\"passed\":true},{\"passed\":1}]", 400, "[1].passed"),
        new Case("POST", "/api/v1/scenarios/nope/runs", "[]", 400, "body"),
        new Case("POST", "/api/v1/scenarios/nope/runs", "{\"passed\":true,\"durationMs\":-1}", 400, "durationMs"),
        new Case("GET", "/api/v1/scenarios/nope/eligibility", null, 404, null),
        new Case("POST", "/api/v1/promotions", "{\"scenario\":\"s\",\"policy\":\"p\"}", 400, "delta"),
        new Case("POST", "/api/v1/promotions/limits-0/rollback", "{\"reason\":\"r\"}", 400, "id"),
        new Case("POST", "/api/v1/promotions/limits-9/rollback", "{\"reason\":\" \"}", 400, "reason"),
        new Case("POST", "/api/v1/promotions/limits-9/rollback", "{\"reason\":\"r\",\"regressionMaxFailureRate\":2}", 400,
            "regressionMaxFailureRate"),
        new Case("POST", "/api/v1/promotions/nope-9/rollback", "{\"reason\":\"r\"}", 404, null))) {
      var r = server.send(c.method(), c.path(), ADMIN, c.body());
      assertThat(r.status()).as("%s -> %s", c, r).isEqualTo(c.status());
      assertThat(r.contentType()).startsWith("application/problem+json");
      if (c.field() != null) {
        assertThat(r.json().path("field").asText()).as("%s -> %s", c, r).isEqualTo(c.field());
      }
    }
    assertThat(server.journalHead()).isEqualTo(head);
  }
}
