package io.rollgate.server.gate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Apply statistics, failed proposals and the gate over HTTP: what each route answers, that a FAIL
 * opens one gate_failure incident and a second FAIL of the same gate joins it, and that bad input is
 * a 400 naming the field that moves nothing.
 */
class GateApiTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final AtomicInteger N = new AtomicInteger();
  private static TestServer server;
  private static String operator;
  private static String viewer;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    operator = server.token("tuner", "operator");
    viewer = server.token("watcher", "viewer");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String policy() {
    String name = "gate-" + N.incrementAndGet();
    assertThat(server.send("PUT", "/api/v1/policies/" + name, ADMIN, "{\"document\":{\"x\":0}}").status()).isEqualTo(201);
    return name;
  }

  private static JsonNode change(String policy, int x, String session) {
    var r = server.send("POST", "/api/v1/policies/" + policy + "/changes", operator,
        "{\"delta\":{\"x\":" + x + "},\"session\":\"" + session + "\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  private static TestServer.Response gate(String body) {
    return server.send("POST", "/api/v1/gate", operator, body);
  }

  @Test
  void apply_stats_count_a_session_and_a_viewer_may_read_them() {
    String p = policy();
    for (int i = 1; i <= 9; i++) {
      change(p, i, "s-1");
    }
    change(p, 9, "s-1"); // no-op: skipped, partial ok
    change(p, 100, "other");
    var r = server.get("/api/v1/policies/" + p + "/apply-stats?session=s-1", viewer);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    JsonNode s = r.json();
    assertThat(s.path("policy").asText()).isEqualTo(p);
    assertThat(s.path("session").asText()).isEqualTo("s-1");
    assertThat(s.path("since").isNull()).isTrue();
    assertThat(s.path("proposals").asInt()).isEqualTo(10);
    assertThat(s.path("applied").asInt()).isEqualTo(9);
    assertThat(s.path("partialOk").asInt()).isEqualTo(1);
    assertThat(s.path("failed").asInt()).isZero();
    assertThat(s.path("signatureStuck").asInt()).isZero();
    assertThat(s.path("fullApplyRatio").asDouble()).isEqualTo(0.9);
    assertThat(server.get("/api/v1/policies/" + p + "/apply-stats", viewer).json().path("proposals").asInt())
        .isEqualTo(11);
    assertThat(server.get("/api/v1/policies/" + p + "/apply-stats?since=1h", viewer).json().path("proposals").asInt())
        .isEqualTo(11);
    server.clock().advanceSeconds(7200);
    assertThat(server.get("/api/v1/policies/" + p + "/apply-stats?since=1h", viewer).json().path("proposals").asInt())
        .isZero();

    // 9 of 10 is exactly 90%: PASS normally, FAIL strict (and a FAIL opens an incident)
    var pass = gate("{\"policy\":\"" + p + "\",\"session\":\"s-1\"}").json();
    assertThat(pass.path("verdict").asText()).isEqualTo("PASS");
    assertThat(pass.path("exitCode").asInt()).isZero();
    assertThat(pass.path("incident").isNull()).isTrue();
    assertThat(pass.path("applyStats").path("proposals").asInt()).isEqualTo(10);
    var strict = gate("{\"policy\":\"" + p + "\",\"session\":\"s-1\",\"strict\":true}").json();
    assertThat(strict.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(strict.path("exitCode").asInt()).isEqualTo(1);
    assertThat(strict.path("reasons").get(0).path("message").asText())
        .startsWith("full apply ratio 90.0% (9 of 10 applied, 1 skipped by a guard, 0 failed) in session 's-1'")
        .endsWith("< 95% (strict)");
  }

  @Test
  void a_failing_gate_opens_one_gate_failure_incident_and_fails_again_into_it() {
    String p = policy();
    var failed = server.send("POST", "/api/v1/policies/" + p + "/failed-proposals", operator,
        "{\"reason\":\"tuner exited with 3\",\"session\":\"s\"}");
    assertThat(failed.status()).as("%s", failed).isEqualTo(201);
    assertThat(failed.json().path("seq").asLong()).isPositive();
    assertThat(failed.json().path("reason").asText()).isEqualTo("tuner exited with 3");

    var first = gate("{\"policy\":\"" + p + "\",\"session\":\"s\"}");
    assertThat(first.status()).as("%s", first).isEqualTo(200);
    assertThat(first.json().path("verdict").asText()).isEqualTo("FAIL");
    JsonNode incident = first.json().path("incident");
    assertThat(incident.path("outcome").asText()).isEqualTo("created");
    long id = incident.path("id").asLong();

    var again = gate("{\"policy\":\"" + p + "\",\"session\":\"s\"}").json();
    assertThat(again.path("incident").path("id").asLong()).isEqualTo(id);
    assertThat(again.path("incident").path("outcome").asText()).isEqualTo("occurrence");

    JsonNode shown = server.get("/api/v1/incidents/" + id, viewer).json();
    assertThat(shown.toString()).contains("gate_failure").contains("policy:" + p)
        .contains("full apply ratio 0.0% (0 of 1 applied");
  }

  @Test
  void a_scenario_gate_fails_until_the_scenario_is_eligible_and_a_rollout_gate_follows_its_phase() {
    String id = "gate-sc-" + N.incrementAndGet();
    assertThat(server.send("POST", "/api/v1/scenarios", operator, "{\"id\":\"" + id + "\",\"minRuns\":3}").status())
        .isEqualTo(201);
    var notYet = gate("{\"scenario\":\"" + id + "\"}").json();
    assertThat(notYet.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(notYet.path("reasons").get(0).path("message").asText())
        .isEqualTo("scenario '" + id + "' not eligible: 0 of 3 required runs");
    assertThat(notYet.path("scenarios").get(0).path("eligible").asBoolean()).isFalse();
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      runs.add("{\"passed\":true,\"durationMs\":10}");
    }
    server.send("POST", "/api/v1/scenarios/" + id + "/runs", operator, "[" + String.join(",", runs) + "]");
    assertThat(gate("{\"scenario\":\"" + id + "\"}").json().path("verdict").asText()).isEqualTo("PASS");

    String p = policy();
    var started = server.send("POST", "/api/v1/rollouts", ADMIN, "{\"policy\":\"" + p + "\",\"delta\":{\"x\":5}}");
    assertThat(started.status()).as("%s", started).isEqualTo(201);
    String rollout = started.json().path("id").asText();
    var running = gate("{\"rollout\":\"" + rollout + "\"}").json();
    assertThat(running.path("verdict").asText()).isEqualTo("WARN");
    assertThat(running.path("rollout").path("phase").asText()).isEqualTo("PROGRESSING");
    assertThat(gate("{\"rollout\":\"" + rollout + "\",\"strict\":true}").json().path("verdict").asText())
        .isEqualTo("FAIL");

    // a change proposed during the rollout is refused, journaled, and counted as failed
    var refused = server.send("POST", "/api/v1/policies/" + p + "/changes", operator,
        "{\"delta\":{\"x\":6},\"session\":\"during\"}");
    assertThat(refused.status()).isEqualTo(409);
    assertThat(server.get("/api/v1/policies/" + p + "/apply-stats?session=during", viewer).json().path("failed")
        .asInt()).isEqualTo(1);

    server.send("POST", "/api/v1/rollouts/" + rollout + "/abort", ADMIN, "{\"reason\":\"test\"}");
    var aborted = gate("{\"rollout\":\"" + rollout + "\",\"scenario\":\"" + id + "\"}").json();
    assertThat(aborted.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(aborted.path("findings")).hasSize(2);
    assertThat(aborted.path("reasons")).singleElement()
        .satisfies(f -> assertThat(f.path("check").asText()).isEqualTo("rollout:" + rollout));
  }

  @Test
  void bad_input_is_a_400_naming_the_field_and_moves_nothing() {
    String p = policy();
    long head = server.journalHead();
    String[][] cases = {
        {"POST", "/api/v1/gate", "{}", "policy"},
        {"POST", "/api/v1/gate", "{\"policy\":\"" + p + "\",\"strict\":\"yes\"}", "strict"},
        {"POST", "/api/v1/gate", "{\"policy\":\"" + p + "\",\"since\":\"yesterday\"}", "since"},
        {"POST", "/api/v1/gate", "{\"policy\":\"" + p + "\",\"session\":\"no spaces\"}", "session"},
        {"POST", "/api/v1/gate", "{\"scenario\":\"x\",\"session\":\"s\"}", "session"},
        {"POST", "/api/v1/gate", "{\"policy\":\"Bad Name\"}", "policy"},
        {"POST", "/api/v1/gate", "{\"scenario\":\"../x\"}", "scenario"},
        {"POST", "/api/v1/gate", "{\"policy\":\"" + p + "\",\"extra\":1}", "extra"},
        {"POST", "/api/v1/policies/" + p + "/failed-proposals", "{}", "reason"},
        {"POST", "/api/v1/policies/" + p + "/failed-proposals", "{\"reason\":\" \"}", "reason"},
        {"POST", "/api/v1/policies/" + p + "/failed-proposals", "{\"reason\":\"x\",\"signature\":\"abc\"}", "signature"},
        {"POST", "/api/v1/policies/" + p + "/changes", "{\"delta\":{\"x\":1},\"session\":\"\\u0000\"}", "session"},
        {"GET", "/api/v1/policies/" + p + "/apply-stats?since=0d", null, "since"},
        {"GET", "/api/v1/policies/" + p + "/apply-stats?since=99999d", null, "since"},
        {"GET", "/api/v1/policies/" + p + "/apply-stats?session=%20", null, "session"},
    };
    for (String[] c : cases) {
      var r = c[0].equals("GET") ? server.get(c[1], operator) : server.send(c[0], c[1], operator, c[2]);
      assertThat(r.status()).as("%s %s %s -> %s", c[0], c[1], c[2], r).isEqualTo(400);
      assertThat(r.json().path("field").asText()).as("%s", r).isEqualTo(c[3]);
    }
    var missing = gate("{\"policy\":\"nope\"}");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(gate("{\"rollout\":\"nope-1\"}").status()).isEqualTo(404);
    assertThat(gate("{\"scenario\":\"nope\"}").status()).isEqualTo(404);
    assertThat(server.journalHead()).isEqualTo(head);

    assertThat(server.send("POST", "/api/v1/gate", viewer, "{\"policy\":\"" + p + "\"}").status()).isEqualTo(403);
    assertThat(server.send("POST", "/api/v1/policies/" + p + "/failed-proposals", viewer, "{\"reason\":\"x\"}")
        .status()).isEqualTo(403);
  }
}
