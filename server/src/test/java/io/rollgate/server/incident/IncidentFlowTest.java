package io.rollgate.server.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.server.testing.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Incidents end to end over HTTP in virtual time: a rollout rolled back by its analysis opens one
 * incident through the bridge, a second rollback of the same policy within the hour is an
 * occurrence of it, people move it through its lifecycle, and bad requests are problems naming the
 * field, changing nothing.
 */
class IncidentFlowTest {
  private static final String HOURLY = "\"analysis\":{\"intervalSeconds\":3600,\"minSamples\":100}";
  private static final String P = "guardian-enforcement";

  private TestServer server;
  private String alice; // operator
  private String viewer;

  @BeforeEach
  void start() {
    server = TestServer.start(null, cfg -> cfg.withRolloutTick(Duration.ZERO));
    alice = server.token("alice", "operator");
    viewer = server.token("vera", "viewer");
    assertThat(server.send("PUT", "/api/v1/policies/" + P, TestServer.ADMIN_TOKEN,
        "{\"document\":{\"enforce\":false}}").status()).isEqualTo(201);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void a_rolled_back_rollout_opens_one_incident_and_a_second_rollback_within_the_hour_adds_an_occurrence() {
    String first = rollOutAndFail();
    List<JsonNode> incidents = list("");
    assertThat(incidents).hasSize(1);
    JsonNode inc = incidents.get(0);
    assertThat(inc.path("kind").asText()).isEqualTo("rollout_regression");
    assertThat(inc.path("source").asText()).isEqualTo(P);
    assertThat(inc.path("severity").asText()).isEqualTo("sev2");
    assertThat(inc.path("state").asText()).isEqualTo("open");
    assertThat(inc.path("count").asInt()).isEqualTo(1);
    assertThat(inc.path("title").asText()).startsWith("rollout " + first + " rolled back: ");

    server.clock().advance(Duration.ofMinutes(10));
    String second = rollOutAndFail();

    assertThat(second).isNotEqualTo(first);
    assertThat(list("")).hasSize(1);
    JsonNode detail = get(inc.path("id").asLong());
    assertThat(detail.path("count").asInt()).isEqualTo(2);
    assertThat(detail.path("occurrences")).extracting(o -> o.path("outcome").asText() + " "
        + o.path("details").path("rolloutId").asText()).containsExactly("occurrence " + second, "created " + first);
    assertThat(detail.path("links")).isEmpty();
    assertThat(types()).containsSubsequence("rollout.rolled_back", "incident.created", "rollout.rolled_back",
        "incident.updated");
    String metrics = server.get("/metrics", null).body();
    assertThat(metrics).contains("rollgate_incident_signals_total{kind=\"rollout_regression\",outcome=\"created\"} 1.0")
        .contains("rollgate_incident_signals_total{kind=\"rollout_regression\",outcome=\"occurrence\"} 1.0");
  }

  @Test
  void people_move_an_incident_through_its_lifecycle_and_illegal_moves_are_409s_naming_both_states() {
    long id = server.server().incidents().signal(new Signal(Kind.GATE_FAILURE, Severity.SEV1, "checkout-p99",
        "gate checkout-p99 failed", null)).incident().id();

    var closeOpen = act(id, "close", alice, "too early");
    assertThat(closeOpen.status()).isEqualTo(409);
    assertThat(closeOpen.json().path("detail").asText()).contains("cannot go from open to closed");
    assertThat(act(id, "unacknowledge", alice, "not acked").status()).isEqualTo(409);

    assertThat(act(id, "acknowledge", alice, "on it").json().path("state").asText()).isEqualTo("acknowledged");
    assertThat(act(id, "unacknowledge", alice, "handing over").json().path("state").asText()).isEqualTo("open");
    assertThat(act(id, "acknowledge", alice, "mine").status()).isEqualTo(200);
    assertThat(act(id, "mitigate", alice, "rolled back").json().path("mitigatedAt").isNull()).isFalse();
    assertThat(act(id, "resolve", alice, "fixed").json().path("state").asText()).isEqualTo("resolved");
    JsonNode closed = act(id, "close", alice, "post-mortem written").json();

    assertThat(closed.path("state").asText()).isEqualTo("closed");
    List<String> trail = new ArrayList<>();
    closed.path("transitions").forEach(t -> trail.add(t.path("from").asText("-") + ">" + t.path("to").asText() + " "
        + t.path("actor").asText() + ": " + t.path("reason").asText()));
    assertThat(trail).containsExactly("->open system: gate checkout-p99 failed", "open>acknowledged alice: on it",
        "acknowledged>open alice: handing over", "open>acknowledged alice: mine",
        "acknowledged>mitigated alice: rolled back", "mitigated>resolved alice: fixed",
        "resolved>closed alice: post-mortem written");
    assertThat(list("?state=closed&kind=gate_failure&severity=sev1")).hasSize(1);
    assertThat(list("?state=open")).isEmpty();
  }

  @Test
  void bad_requests_are_problems_naming_the_field_and_change_nothing() {
    long id = server.server().incidents().signal(new Signal(Kind.BUDGET, Severity.SEV3, "error-budget",
        "budget exceeded", null)).incident().id();
    long head = server.journalHead();

    assertProblem(server.get("/api/v1/incidents?state=burning", viewer), 400, "state");
    assertProblem(server.get("/api/v1/incidents?severity=sev9", viewer), 400, "severity");
    assertProblem(server.get("/api/v1/incidents?kind=outage", viewer), 400, "kind");
    assertProblem(server.get("/api/v1/incidents?limit=0", viewer), 400, "limit");
    assertProblem(server.get("/api/v1/incidents/abc", viewer), 400, "id");
    assertProblem(server.get("/api/v1/incidents/0", viewer), 400, "id");
    assertThat(server.get("/api/v1/incidents/999", viewer).status()).isEqualTo(404);
    assertProblem(act(id, "acknowledge", alice, " "), 400, "reason");
    assertProblem(server.send("POST", "/api/v1/incidents/" + id + "/acknowledge", alice, "{}"), 400, "reason");
    assertProblem(server.send("POST", "/api/v1/incidents/" + id + "/acknowledge", alice,
        "{\"reason\":\"x\",\"severity\":\"sev1\"}"), 400, "severity");
    assertThat(act(999, "acknowledge", alice, "x").status()).isEqualTo(404);
    assertThat(act(id, "acknowledge", viewer, "x").status()).isEqualTo(403);

    assertThat(server.journalHead()).isEqualTo(head);
    assertThat(get(id).path("state").asText()).isEqualTo("open");
  }

  // --- helpers

  /** Creates a rollout of {@link #P} and fails it at its canary until the reconciler rolls it back. */
  private String rollOutAndFail() {
    var r = server.send("POST", "/api/v1/rollouts", alice,
        "{\"policy\":\"" + P + "\",\"delta\":{\"enforce\":true}," + HOURLY + "}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    String id = r.json().path("id").asText();
    for (int i = 0; i < 5 && !phase(id).equals("ROLLED_BACK"); i++) {
      var o = server.send("POST", "/api/v1/outcomes", alice, "[{\"policy\":\"" + P + "\",\"variant\":\"candidate\","
          + "\"success\":1000,\"error\":50},{\"policy\":\"" + P + "\",\"variant\":\"baseline\",\"success\":9000}]");
      assertThat(o.status()).as("%s", o).isEqualTo(200);
      server.clock().advance(Duration.ofHours(1));
      server.server().rollouts().tick();
    }
    assertThat(phase(id)).isEqualTo("ROLLED_BACK");
    assertThat(server.server().incidentBridge().awaitIdle(Duration.ofSeconds(30))).isTrue();
    return id;
  }

  private String phase(String id) {
    return server.get("/api/v1/rollouts/" + id, alice).json().path("phase").asText();
  }

  private List<JsonNode> list(String query) {
    var r = server.get("/api/v1/incidents" + query, viewer);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    r.json().path("incidents").forEach(out::add);
    return out;
  }

  private JsonNode get(long id) {
    var r = server.get("/api/v1/incidents/" + id, viewer);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  private TestServer.Response act(long id, String action, String token, String reason) {
    return server.send("POST", "/api/v1/incidents/" + id + "/" + action, token, "{\"reason\":\"" + reason + "\"}");
  }

  private static void assertProblem(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().path("field").asText()).as("%s", r).isEqualTo(field);
  }

  private List<String> types() {
    return server.server().journalReader().page(0, 1_000).stream().map(JournalEntry::type).toList();
  }
}
