package io.rollgate.server.playbook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.rollgate.audit.JournalEntry;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.incident.playbook.PlaybookSettings;
import io.rollgate.server.notify.NotifySettings;
import io.rollgate.server.testing.TestServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's "done when" for playbooks, over HTTP in virtual time: a failing rollout opens one incident;
 * an operator dry-runs (nothing changes) and executes a high-risk revert that a second admin approves;
 * an admin's own request cannot be approved by that admin; a reversible action is undone by its
 * compensation; the rollout actions work on a live rollout; everything is journaled and on the event
 * stream. An in-process HTTP server on 127.0.0.1 stands in for a runbook service.
 */
class PlaybookFlowTest {
  private static final String P = "guardian-enforcement";

  private TestServer server;
  private HttpServer hook;
  private final List<String> hookCalls = new CopyOnWriteArrayList<>();
  private String alice; // operator, rollout author
  private String bob; // operator, remediates
  private String ann; // admin
  private String viewer;

  @BeforeEach
  void start() throws Exception {
    hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext("/hook/", ex -> {
      hookCalls.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " token=" + ex.getRequestHeaders()
          .getFirst("X-Token") + " body=" + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] answer = "{\"job\":\"started\"}".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(202, answer.length);
      ex.getResponseBody().write(answer);
      ex.close();
    });
    hook.start();
    var settings = PlaybookSettings.DEFAULTS.withHttpAllow(List.of("http://127.0.0.1:" + hook.getAddress().getPort()
        + "/hook/"));
    server = TestServer.start(null, cfg -> cfg.withRolloutTick(Duration.ZERO), NotifySettings.NONE, settings);
    alice = server.token("alice", "operator");
    bob = server.token("bob", "operator");
    ann = server.token("ann", "admin");
    viewer = server.token("vera", "viewer");
    assertThat(put("{\"enforce\":false,\"level\":1}").status()).isEqualTo(201);
    assertThat(put("{\"enforce\":false,\"level\":2}").status()).isEqualTo(200); // the change that hurt
  }

  @AfterEach
  void stop() {
    server.close();
    hook.stop(0);
  }

  @Test
  void a_failing_rollout_opens_one_incident_remediated_by_a_dry_run_and_a_revert_approved_by_a_second_admin() {
    rollOutAndFail();
    List<JsonNode> incidents = new ArrayList<>();
    server.get("/api/v1/incidents", viewer).json().path("incidents").forEach(incidents::add);
    assertThat(incidents).hasSize(1);
    long id = incidents.get(0).path("id").asLong();
    long head0 = server.journalHead();

    // what fits: the rollout is over, so the policy's actions and the allowed http-call
    JsonNode fits = server.get(base(id), viewer).json();
    assertThat(fits.path("actions")).extracting(a -> a.path("action").asText())
        .containsExactly("freeze-policy", "revert-policy", "http-call");
    assertThat(fits.at("/actions/1/suggestedParams/toVersion").asInt()).isEqualTo(1);

    // the dry run is pure
    String revert = "{\"action\":\"revert-policy\",\"params\":{\"policy\":\"" + P + "\",\"toVersion\":1}";
    var dry = server.send("POST", base(id) + "/dry-run", bob, revert + "}");
    assertThat(dry.status()).as("%s", dry).isEqualTo(200);
    assertThat(dry.json().path("needsApproval").asBoolean()).isTrue();
    assertThat(dry.json().path("changes").get(0).asText()).isEqualTo("policy '" + P + "': version 2 → 3 with the "
        + "content of version 1");
    assertThat(dry.json().path("reversible").asBoolean()).isTrue();
    assertThat(server.journalHead()).isEqualTo(head0);

    var requested = server.send("POST", base(id) + "/execute", bob, revert + ",\"reason\":\"level 2 broke it\"}");
    assertThat(requested.status()).as("%s", requested).isEqualTo(202);
    assertThat(requested.json().path("state").asText()).isEqualTo("awaiting_approval");
    long exec = requested.json().path("id").asLong();
    assertThat(version()).isEqualTo(2);
    assertThat(server.send("POST", base(id) + "/" + exec + "/approve", bob, "{\"reason\":\"me\"}").status())
        .isEqualTo(403); // an operator may not approve

    var approved = server.send("POST", base(id) + "/" + exec + "/approve", ann, "{\"reason\":\"agreed\"}");

    assertThat(approved.status()).as("%s", approved).isEqualTo(200);
    assertThat(approved.json().path("state").asText()).isEqualTo("succeeded");
    assertThat(approved.json().path("approver").asText()).isEqualTo("ann");
    assertThat(version()).isEqualTo(3);
    assertThat(server.get("/api/v1/policies/" + P, viewer).json().at("/document/level").asInt()).isEqualTo(1);

    // an admin's own high-risk request needs another admin
    var call = server.send("POST", base(id) + "/execute", ann, "{\"action\":\"http-call\",\"params\":{\"url\":\""
        + fits.at("/actions/2/suggestedParams/url").asText() + "dbt/run\",\"method\":\"POST\",\"headers\":"
        + "{\"X-Token\":\"s3cret-value\"},\"body\":\"{}\"},\"reason\":\"rebuild the models\"}");
    assertThat(call.status()).as("%s", call).isEqualTo(202);
    long callId = call.json().path("id").asLong();
    var self = server.send("POST", base(id) + "/" + callId + "/approve", ann, "{\"reason\":\"mine\"}");
    assertThat(self.status()).isEqualTo(403);
    assertThat(self.json().path("detail").asText()).contains("four-eyes: 'ann' requested execution " + callId);
    assertThat(hookCalls).isEmpty();
    var ran = server.send("POST", base(id) + "/" + callId + "/approve", TestServer.ADMIN_TOKEN, "{\"reason\":\"ok\"}");
    assertThat(ran.json().path("state").asText()).as("%s", ran).isEqualTo("succeeded");
    assertThat(ran.json().at("/result/status").asInt()).isEqualTo(202);
    assertThat(ran.json().at("/params/headers/X-Token").asText()).isEqualTo("***");
    assertThat(hookCalls).containsExactly("POST /hook/dbt/run token=s3cret-value body={}");

    // a reversible one, undone by its compensation
    var freeze = server.send("POST", base(id) + "/execute", bob, "{\"action\":\"freeze-policy\",\"params\":"
        + "{\"policy\":\"" + P + "\"},\"reason\":\"no more changes today\"}");
    assertThat(freeze.status()).as("%s", freeze).isEqualTo(201);
    assertThat(frozen()).isTrue();
    var undo = server.send("POST", base(id) + "/" + freeze.json().path("id").asLong() + "/rollback", bob,
        "{\"reason\":\"incident over\"}");
    assertThat(undo.status()).as("%s", undo).isEqualTo(201);
    assertThat(undo.json().path("action").asText()).isEqualTo("unfreeze-policy");
    assertThat(undo.json().path("compensates").asLong()).isEqualTo(freeze.json().path("id").asLong());
    assertThat(frozen()).isFalse();

    JsonNode history = server.get(base(id) + "/history", viewer).json();
    assertThat(history.path("executions")).extracting(e -> e.path("action").asText() + " " + e.path("state").asText())
        .containsExactly("unfreeze-policy succeeded", "freeze-policy succeeded", "http-call succeeded",
            "revert-policy succeeded");
    assertThat(history.at("/executions/3/transitions")).extracting(t -> t.path("to").asText() + " "
        + t.path("actor").asText()).containsExactly("requested bob", "awaiting_approval bob", "running ann",
        "succeeded ann");
    List<JournalEntry> after = server.server().journalReader().page(head0, 1_000);
    assertThat(after.stream().map(JournalEntry::type).toList()).containsSubsequence("action.requested",
        "action.approved", "policy.applied", "action.executed", "action.requested", "action.approved",
        "action.executed", "policy.frozen", "action.executed", "policy.unfrozen", "action.executed");
    assertThat(after.stream().map(e -> e.payload().toString())).noneMatch(t -> t.contains("s3cret"));
    assertThat(server.get("/api/v1/incidents", viewer).json().path("incidents")).hasSize(1);
    assertThat(streamed(head0, "action.executed", 4)).hasSize(4);
  }

  @Test
  void rollout_actions_on_a_live_rollout_pause_resume_move_the_stage_measure_and_roll_back() {
    String rollout = rollout();
    long id = server.server().incidents().signal(new Signal(Kind.ROLLOUT_REGRESSION, Severity.SEV3, P,
        "errors rising", null)).incident().id();
    JsonNode fits = server.get(base(id), viewer).json();
    assertThat(fits.path("actions")).extracting(a -> a.path("action").asText()).containsExactly("rollback-rollout",
        "pause-rollout", "rerun-analysis", "set-percentage", "freeze-policy", "http-call");

    var pause = exec(id, "pause-rollout", "{\"rollout\":\"" + rollout + "\"}");
    assertThat(pause.path("state").asText()).isEqualTo("succeeded");
    assertThat(phase(rollout)).isEqualTo("PAUSED");
    var resume = server.send("POST", base(id) + "/" + pause.path("id").asLong() + "/rollback", bob,
        "{\"reason\":\"carry on\"}");
    assertThat(resume.json().path("action").asText()).isEqualTo("resume-rollout");
    assertThat(phase(rollout)).isEqualTo("PROGRESSING");

    var up = server.send("POST", base(id) + "/execute", bob, "{\"action\":\"set-percentage\",\"params\":{\"rollout\":\""
        + rollout + "\",\"percentage\":50},\"reason\":\"faster\"}");
    assertThat(up.status()).isEqualTo(202);
    var canceled = server.send("POST", base(id) + "/" + up.json().path("id").asLong() + "/cancel", bob,
        "{\"reason\":\"no\"}");
    assertThat(canceled.json().path("state").asText()).isEqualTo("canceled");

    server.clock().advance(Duration.ofSeconds(30)); // inside the stage's minimum duration: the reading is evidence only
    var rerun = exec(id, "rerun-analysis", "{\"rollout\":\"" + rollout + "\"}");
    assertThat(rerun.path("state").asText()).as("%s", rerun).isEqualTo("succeeded");
    assertThat(rerun.at("/result/decision").asText()).isEqualTo("stay");
    assertThat(rerun.at("/result/evidence/kind").asText()).isEqualTo("no_data");

    var back = exec(id, "rollback-rollout", "{\"rollout\":\"" + rollout + "\"}");
    assertThat(back.path("state").asText()).isEqualTo("succeeded");
    assertThat(phase(rollout)).isEqualTo("ROLLED_BACK");
    assertThat(back.path("reversible").asBoolean()).isFalse();
  }

  @Test
  void an_unapproved_execution_times_out_when_anyone_looks_after_its_deadline() {
    long id = server.server().incidents().signal(new Signal(Kind.VERIFICATION_FAILURE, Severity.SEV1, P, "x", null))
        .incident().id();
    var r = server.send("POST", base(id) + "/execute", bob, "{\"action\":\"revert-policy\",\"params\":{\"policy\":\""
        + P + "\",\"toVersion\":1},\"reason\":\"r\"}");
    assertThat(r.status()).isEqualTo(202);
    server.clock().advance(PlaybookSettings.DEFAULTS.approvalTtl());

    assertThat(server.get(base(id) + "/history", viewer).json().at("/executions/0/state").asText())
        .isEqualTo("timed_out");
    var late = server.send("POST", base(id) + "/" + r.json().path("id").asLong() + "/approve", ann, "{\"reason\":\"x\"}");
    assertThat(late.status()).isEqualTo(409);
    assertThat(version()).isEqualTo(2);
  }

  @Test
  void bad_requests_are_problems_naming_the_field_and_change_nothing() {
    long id = server.server().incidents().signal(new Signal(Kind.VERIFICATION_FAILURE, Severity.SEV1, P, "x", null))
        .incident().id();
    var freeze = exec(id, "freeze-policy", "{\"policy\":\"" + P + "\"}");
    long head = server.journalHead();

    problem(server.send("POST", base(id) + "/execute", bob, "{\"action\":\"reboot\",\"reason\":\"x\"}"), 400, "action");
    problem(server.send("POST", base(id) + "/execute", bob, "{\"action\":\"freeze-policy\",\"reason\":\"x\"}"), 400,
        "params.policy");
    problem(server.send("POST", base(id) + "/dry-run", bob, "{\"action\":\"set-percentage\",\"params\":"
        + "{\"rollout\":\"x-1\",\"percentage\":200}}"), 400, "params.percentage");
    problem(server.send("POST", base(id) + "/execute", bob, "{\"action\":\"freeze-policy\",\"params\":{\"policy\":\""
        + P + "\"}}"), 400, "reason");
    problem(server.send("POST", base(id) + "/execute", bob, "{\"action\":\"freeze-policy\",\"params\":{\"policy\":\""
        + P + "\"},\"reason\":\"x\",\"force\":true}"), 400, "force");
    problem(server.send("POST", base(id) + "/abc/approve", ann, "{\"reason\":\"x\"}"), 400, "execution");
    assertThat(server.send("POST", base(999) + "/dry-run", bob, "{\"action\":\"freeze-policy\",\"params\":"
        + "{\"policy\":\"" + P + "\"}}").status()).isEqualTo(404);
    assertThat(server.send("POST", base(id) + "/999/approve", ann, "{\"reason\":\"x\"}").status()).isEqualTo(404);
    assertThat(server.send("POST", base(id) + "/execute", bob, "{\"action\":\"freeze-policy\",\"params\":{\"policy\":\""
        + P + "\"},\"reason\":\"x\"}").status()).isEqualTo(409); // already frozen
    assertThat(server.send("POST", base(id) + "/" + freeze.path("id").asLong() + "/approve", ann,
        "{\"reason\":\"x\"}").status()).isEqualTo(409); // nothing to approve
    assertThat(server.send("POST", base(id) + "/execute", viewer, "{\"action\":\"freeze-policy\",\"params\":"
        + "{\"policy\":\"" + P + "\"},\"reason\":\"x\"}").status()).isEqualTo(403);
    assertThat(server.journalHead()).isEqualTo(head);
  }

  // --- helpers

  private static String base(long incident) {
    return "/api/v1/incidents/" + incident + "/actions";
  }

  private JsonNode exec(long incident, String action, String params) {
    var r = server.send("POST", base(incident) + "/execute", bob, "{\"action\":\"" + action + "\",\"params\":" + params
        + ",\"reason\":\"test\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json();
  }

  private TestServer.Response put(String doc) {
    return server.send("PUT", "/api/v1/policies/" + P, TestServer.ADMIN_TOKEN, "{\"document\":" + doc + "}");
  }

  private int version() {
    return server.get("/api/v1/policies/" + P, viewer).json().path("version").asInt();
  }

  private boolean frozen() {
    return server.get("/api/v1/policies/" + P, viewer).json().path("frozen").asBoolean();
  }

  private String phase(String id) {
    return server.get("/api/v1/rollouts/" + id, viewer).json().path("phase").asText();
  }

  private String rollout() {
    var r = server.send("POST", "/api/v1/rollouts", alice, "{\"policy\":\"" + P + "\",\"delta\":{\"enforce\":true},"
        + "\"stages\":[{\"name\":\"canary\",\"percentage\":10,\"minDurationSeconds\":60,\"maxErrorRate\":0.01},"
        + "{\"name\":\"half\",\"percentage\":50,\"minDurationSeconds\":60,\"maxErrorRate\":0.01},"
        + "{\"name\":\"full\",\"percentage\":100,\"maxErrorRate\":0.01}],"
        + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":10}}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json().path("id").asText();
  }

  /** A rollout that fails its canary until the reconciler rolls it back (one incident through the bridge). */
  private void rollOutAndFail() {
    String id = rollout();
    for (int i = 0; i < 5 && !phase(id).equals("ROLLED_BACK"); i++) {
      var o = server.send("POST", "/api/v1/outcomes", alice, "[{\"policy\":\"" + P + "\",\"variant\":\"candidate\","
          + "\"success\":1000,\"error\":50},{\"policy\":\"" + P + "\",\"variant\":\"baseline\",\"success\":9000}]");
      assertThat(o.status()).as("%s", o).isEqualTo(200);
      server.clock().advance(Duration.ofMinutes(1));
      server.server().rollouts().tick();
    }
    assertThat(phase(id)).isEqualTo("ROLLED_BACK");
    assertThat(server.server().incidentBridge().awaitIdle(Duration.ofSeconds(30))).isTrue();
  }

  /** The event stream from after {@code seq}, filtered to {@code type}, until {@code n} events (bounded). */
  private List<JsonNode> streamed(long seq, String type, int n) {
    var req = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/events?types=" + type))
        .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).header("Last-Event-ID", Long.toString(seq))
        .header("Accept", "text/event-stream").build();
    List<JsonNode> out = new ArrayList<>();
    try (HttpClient client = HttpClient.newHttpClient()) {
      var resp = client.send(req, HttpResponse.BodyHandlers.ofInputStream());
      assertThat(resp.statusCode()).isEqualTo(200);
      try (var in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
        for (int lines = 0; lines < 10_000 && out.size() < n; lines++) {
          String line = in.readLine();
          if (line == null) {
            break;
          }
          if (line.startsWith("data:")) {
            out.add(io.rollgate.json.Json.parse(line.substring(5).strip(), "data"));
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new AssertionError("event stream: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    out.forEach(e -> assertThat(e.path("type").asText()).isEqualTo(type));
    return out;
  }

  private static void problem(TestServer.Response r, int status, String field) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().path("field").asText()).as("%s", r).isEqualTo(field);
  }
}
