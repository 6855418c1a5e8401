package io.rollgate.cli;

import static io.rollgate.cli.CliTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code rollgate demo promotion} against an in-process server: the narration, and the state it leaves. */
class DemoCliTest {
  private static TestServer server;
  private static String operator;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    operator = server.token("demo", "operator");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void the_demo_narrates_000s_loop_and_leaves_a_learned_scenario_that_blocks_the_next_promotion() {
    var text = ok(CliTest.run(Map.of("ROLLGATE_TOKEN", operator), "demo", "promotion", "--url", server.baseUrl()));
    assertThat(text.out()).containsSubsequence(
        "0. setup", "policy demo-resource-limits at version 1: standard.max_wall_time_ms = 30000",
        "1. stress runs accumulate", "runs 1–5 recorded: NOT ELIGIBLE: 5 of 20 required runs",
        "runs 21–25 recorded: ELIGIBLE",
        "2. eligibility check", "ELIGIBLE: failure rate 4.0% ≤ 10.0% over the last 25 runs",
        "3. promotion", "promotion demo-resource-limits-1: standard.max_wall_time_ms 30000 → 45000 ms (version 1 → 2)",
        "4. degradation", "timeout rate 25% > 20%",
        "5. rollback", "standard.max_wall_time_ms is 30000 again (version 3)",
        "6. regression scenario", "learned demo-tolerance-sweep-learned-1 (tag learned_constraint",
        "eligible after 50 runs with at most 5.0% failures",
        "refused until it is eligible", "0 of 50 required runs",
        "7. audit trail", "scenario.created scenario:demo-tolerance-sweep", "promotion.executed demo-resource-limits",
        "promotion.rolled_back demo-resource-limits");

    // the state it leaves: the policy back at 30000, the learned scenario bound to it and blocking
    var policy = server.get("/api/v1/policies/demo-resource-limits", operator).json();
    assertThat(policy.at("/document/standard/max_wall_time_ms").asInt()).isEqualTo(30000);
    var learned = server.get("/api/v1/scenarios/demo-tolerance-sweep-learned-1", operator).json();
    assertThat(learned.path("tags").get(0).asText()).isEqualTo("learned_constraint");
    assertThat(learned.path("policies").get(0).asText()).isEqualTo("demo-resource-limits");
    var blocked = server.send("POST", "/api/v1/promotions", operator, "{\"scenario\":\"demo-tolerance-sweep\","
        + "\"policy\":\"demo-resource-limits\",\"delta\":{\"standard\":{\"max_wall_time_ms\":45000}}}");
    assertThat(blocked.status()).isEqualTo(409);
    assertThat(blocked.json().path("detail").asText()).contains("demo-tolerance-sweep-learned-1");

    // run again, --json: fresh names (the first run's learned scenario guards its policy), a transcript a script reads
    var json = ok(CliTest.run(Map.of("ROLLGATE_TOKEN", operator), "demo", "promotion", "--json",
        "--server", server.baseUrl()));
    JsonNode t = json.json();
    assertThat(t.path("policy").asText()).isEqualTo("demo-resource-limits-2");
    assertThat(t.path("scenario").asText()).isEqualTo("demo-tolerance-sweep-2");
    assertThat(t.path("promotion").asText()).isEqualTo("demo-resource-limits-2-1");
    assertThat(t.path("learnedScenario").asText()).isEqualTo("demo-tolerance-sweep-2-learned-1");
    List<String> names = new ArrayList<>();
    t.path("steps").forEach(s -> names.add(s.path("name").asText()));
    assertThat(names).containsExactly("setup", "stress runs accumulate", "eligibility check", "promotion",
        "degradation", "rollback", "regression scenario", "audit trail");
    assertThat(t.at("/steps/3/data/newVersion").asInt()).isEqualTo(t.at("/steps/3/data/oldVersion").asInt() + 1);
    assertThat(t.at("/steps/6/data/minRuns").asInt()).isEqualTo(50);
  }
}
