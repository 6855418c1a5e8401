package io.rollgate.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.rollout.Bucketing;
import io.rollgate.server.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Origin document 004's rollout tests, translated, end to end over HTTP in virtual time: the loop
 * is ticked by the test after it moves the clock, applications' outcomes are posted as an SDK
 * would, and every step is checked in the status, the journal and the evaluation endpoint.
 */
class RolloutFlowTest {
  private static final Duration HOUR = Duration.ofHours(1);
  /** 004's default stages with hourly analysis, so that a 5-day rollout is ~120 ticks. */
  private static final String HOURLY = "\"analysis\":{\"intervalSeconds\":3600,\"minSamples\":100}";
  private static final String HOURLY_THRESHOLD =
      "\"analysis\":{\"intervalSeconds\":3600,\"minSamples\":100,\"judge\":\"threshold\"}";

  private TestServer server;
  private String alice; // admin who creates the rollouts
  private String bob; // a second admin

  @BeforeEach
  void start() {
    server = TestServer.start();
    alice = server.token("alice", "admin");
    bob = server.token("bob", "admin");
    put("guardian-enforcement", "{\"enforce\":false,\"mode\":\"warn\"}");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void without_stages_a_rollout_gets_the_five_stages_of_004_and_900_second_outcome_analysis() {
    put("other", "{\"on\":false}");
    JsonNode r = create("{\"policy\":\"guardian-enforcement\",\"delta\":{\"enforce\":true},\"reason\":\"enforce\"}");

    assertThat(r.path("id").asText()).isEqualTo("guardian-enforcement-1");
    assertThat(r.path("phase").asText()).isEqualTo("PROGRESSING");
    List<String> stages = new ArrayList<>();
    r.path("stages").forEach(s -> stages.add(s.path("name").asText() + " " + s.path("percentage").asText() + "% "
        + s.path("minDurationSeconds").asLong() / 3600 + "h " + s.path("maxErrorRate") + " "
        + s.path("requiresApproval").asBoolean()));
    // no ceilings: 004's thresholds belong to the threshold judge (below a 1% baseline they fail every canary)
    assertThat(stages).containsExactly("canary 10% 24h null false", "quarter 25% 24h null true",
        "half 50% 48h null true", "most 75% 24h null false", "full 100% 0h null true");
    assertThat(r.path("analysis").path("provider").asText()).isEqualTo("outcomes");
    assertThat(r.path("analysis").path("judge").asText()).isEqualTo("sequential");
    assertThat(r.path("analysis").path("alpha").asDouble()).isEqualTo(0.05);
    assertThat(r.path("analysis").path("delta").asDouble()).isZero();
    // with the threshold judge, the same request gets 004's thresholds
    JsonNode t = create("{\"policy\":\"other\",\"delta\":{\"on\":true},\"analysis\":{\"judge\":\"threshold\"}}");
    List<Double> rates = new ArrayList<>();
    t.path("stages").forEach(s -> rates.add(s.path("maxErrorRate").asDouble()));
    assertThat(rates).containsExactly(0.005, 0.004, 0.003, 0.002, 0.002);
    assertThat(r.path("analysis").path("intervalSeconds").asInt()).isEqualTo(900);
    assertThat(r.path("percentage").asInt()).isEqualTo(10);
    assertThat(r.path("author").asText()).isEqualTo("alice");
    assertThat(r.path("candidate").path("enforce").asBoolean()).isTrue();
    assertThat(r.path("transitions")).hasSize(1);
    assertThat(server.send("POST", "/api/v1/rollouts", alice,
        "{\"policy\":\"guardian-enforcement\",\"delta\":{\"mode\":\"block\"}}").status()).isEqualTo(409);
  }

  @Test
  void the_full_cycle_canary_to_full_waits_for_each_approval_from_a_second_admin_and_completes_in_virtual_time() {
    String id = create("{\"policy\":\"guardian-enforcement\",\"delta\":{\"enforce\":true}," + HOURLY + "}")
        .path("id").asText();

    // canary: healthy, but no advance before its 24 h minimum duration
    hours(23, 1_000, 1);
    assertThat(status(id).path("currentStage").path("name").asText()).isEqualTo("canary");
    assertThat(status(id).path("lastAnalysis").path("verdict").asText()).isEqualTo("PASS");
    hours(1, 1_000, 1);
    JsonNode waiting = status(id);
    assertThat(waiting.path("phase").asText()).isEqualTo("AWAITING_APPROVAL");
    assertThat(waiting.path("reason").asText()).contains("quarter (25%) requires an approval");

    // approval never comes by itself, however long and healthy the wait
    hours(30, 1_000, 1);
    assertThat(status(id).path("phase").asText()).isEqualTo("AWAITING_APPROVAL");
    assertThat(status(id).path("percentage").asInt()).isEqualTo(10);

    // four-eyes: the author may not approve; another admin may, and is recorded
    var own = action(id, "advance", alice, "my own");
    assertThat(own.status()).isEqualTo(403);
    assertThat(own.json().path("detail").asText()).contains("four-eyes");
    var approved = action(id, "advance", bob, "canary looks good");
    assertThat(approved.status()).as("%s", approved).isEqualTo(200);
    assertThat(approved.json().path("currentStage").path("name").asText()).isEqualTo("quarter");

    hours(24, 1_000, 2); // quarter: candidate and baseline both at 0.2%
    assertThat(status(id).path("phase").asText()).isEqualTo("AWAITING_APPROVAL");
    assertThat(action(id, "advance", bob, "quarter fine").status()).isEqualTo(200);
    hours(48, 2_000, 2); // half: both at 0.1%, then most needs no approval
    assertThat(status(id).path("currentStage").path("name").asText()).isEqualTo("most");
    assertThat(status(id).path("phase").asText()).isEqualTo("PROGRESSING");
    hours(24, 2_000, 1); // most: both at 0.05%; full needs an approval
    assertThat(status(id).path("phase").asText()).isEqualTo("AWAITING_APPROVAL");
    assertThat(action(id, "advance", bob, "ship it").status()).isEqualTo(200);
    assertThat(status(id).path("percentage").asInt()).isEqualTo(100);
    hours(1, 2_000, 1); // the 100% stage (no baseline left) needs its own passing measurement

    JsonNode done = status(id);
    assertThat(done.path("phase").asText()).isEqualTo("COMPLETED");
    assertThat(done.path("completedVersion").asInt()).isEqualTo(2);
    JsonNode policy = server.get("/api/v1/policies/guardian-enforcement", alice).json();
    assertThat(policy.path("version").asInt()).isEqualTo(2);
    assertThat(policy.path("document").path("enforce").asBoolean()).isTrue();
    assertThat(types()).containsSubsequence("rollout.started", "rollout.awaiting_approval", "rollout.advanced",
        "rollout.awaiting_approval", "rollout.advanced", "rollout.advanced", "rollout.awaiting_approval",
        "rollout.advanced", "policy.applied", "rollout.completed");
    List<String> actors = new ArrayList<>();
    done.path("transitions").forEach(t -> actors.add(t.path("type").asText() + " by " + t.path("actor").asText()));
    assertThat(actors).contains("rollout.advanced by bob", "rollout.completed by reconciler");
    // everyone now gets the candidate as version 2, outside any rollout
    JsonNode e = server.get("/api/v1/evaluate/guardian-enforcement?subject=u1", alice).json();
    assertThat(e.path("variant").asText()).isEqualTo("baseline");
    assertThat(e.path("version").asInt()).isEqualTo(2);
    assertThat(e.path("value").path("enforce").asBoolean()).isTrue();
  }

  @Test
  void a_high_error_rate_steps_back_one_stage_and_then_rolls_everyone_back_to_the_baseline() {
    // 004's rule, as the threshold judge keeps it: the candidate's error rate against the stage's threshold
    String id = create("{\"policy\":\"guardian-enforcement\",\"delta\":{\"enforce\":true},\"selfApproval\":true,"
        + HOURLY_THRESHOLD + "}").path("id").asText();
    hours(24, 1_000, 1);
    assertThat(action(id, "advance", alice, "self-approved").status()).isEqualTo(200);

    hours(1, 1_000, 20); // 1.96% > 0.4% at quarter
    JsonNode back = status(id);
    assertThat(back.path("currentStage").path("name").asText()).isEqualTo("canary");
    assertThat(back.path("phase").asText()).isEqualTo("PROGRESSING");
    JsonNode stepped = back.path("transitions").get(back.path("transitions").size() - 1);
    assertThat(stepped.path("type").asText()).isEqualTo("rollout.stepped_back");
    assertThat(stepped.path("evidence").path("verdict").asText()).isEqualTo("FAIL");
    assertThat(stepped.path("evidence").path("reason").asText())
        .contains("threshold: candidate error rate 1.96% > maxErrorRate 0.40% (20 errors in 1,020 candidate requests");

    hours(1, 1_000, 20); // and at canary: nowhere further back to go
    JsonNode rolled = status(id);
    assertThat(rolled.path("phase").asText()).isEqualTo("ROLLED_BACK");
    assertThat(rolled.path("percentage").asInt()).isZero();
    assertThat(types()).containsSubsequence("rollout.stepped_back", "rollout.rolled_back");
    assertThat(server.get("/api/v1/policies/guardian-enforcement", alice).json().path("version").asInt()).isEqualTo(1);
    for (int i = 0; i < 200; i++) {
      JsonNode e = server.get("/api/v1/evaluate/guardian-enforcement?subject=user-" + i, alice).json();
      assertThat(e.path("variant").asText()).isEqualTo("baseline");
      assertThat(e.path("value").path("enforce").asBoolean()).isFalse();
    }
  }

  @Test
  void with_no_traffic_at_all_a_rollout_never_advances_and_pauses_saying_why() {
    String id = create("{\"policy\":\"guardian-enforcement\",\"delta\":{\"enforce\":true}," + HOURLY + "}")
        .path("id").asText();
    hours(24, 0, 0);
    JsonNode s = status(id);
    assertThat(s.path("currentStage").path("name").asText()).isEqualTo("canary");
    assertThat(s.path("lastAnalysis").path("verdict").asText()).isEqualTo("INCONCLUSIVE");
    hours(1, 0, 0);
    s = status(id);
    assertThat(s.path("phase").asText()).isEqualTo("PAUSED");
    assertThat(s.path("reason").asText()).contains("no passing analysis");
    assertThat(s.path("analysisSummary").path("passes").asInt()).isZero();
    hours(48, 1_000, 0); // paused stays paused, traffic or not, until someone resumes it
    assertThat(status(id).path("phase").asText()).isEqualTo("PAUSED");
    assertThat(status(id).path("currentStage").path("name").asText()).isEqualTo("canary");
  }

  @Test
  void evaluation_buckets_subjects_exactly_as_the_shared_function_does_and_a_missing_subject_gets_the_baseline() {
    String id = create("{\"policy\":\"guardian-enforcement\",\"delta\":{\"enforce\":true}," + HOURLY + "}")
        .path("id").asText();
    int candidates = 0;
    for (int i = 0; i < 500; i++) {
      String subject = "user-" + i;
      JsonNode e = server.get("/api/v1/evaluate/guardian-enforcement?subject=" + subject, alice).json();
      boolean expected = Bucketing.inCandidate(id, subject, 1_000);
      assertThat(e.path("variant").asText()).as(subject).isEqualTo(expected ? "candidate" : "baseline");
      assertThat(e.path("value").path("enforce").asBoolean()).isEqualTo(expected);
      assertThat(e.path("rolloutId").asText()).isEqualTo(id);
      candidates += expected ? 1 : 0;
    }
    assertThat(candidates).isBetween(25, 80); // ~10% of 500
    JsonNode none = server.get("/api/v1/evaluate/guardian-enforcement", alice).json();
    assertThat(none.path("variant").asText()).isEqualTo("baseline");
    assertThat(none.path("version").asInt()).isEqualTo(1);
    assertThat(server.get("/api/v1/evaluate/nope", alice).status()).isEqualTo(404);
  }

  @Test
  void a_restart_in_the_middle_of_a_stage_resumes_from_the_database_and_keeps_the_stage_clock() {
    Path dir = io.rollgate.store.testing.TestDatabases.newTempDir();
    server.close();
    server = TestServer.start(null, cfg -> cfg.withDataDir(dir));
    alice = server.token("alice", "admin");
    put("guardian-enforcement", "{\"enforce\":false,\"mode\":\"warn\"}");
    String id = create("{\"policy\":\"guardian-enforcement\",\"delta\":{\"enforce\":true}," + HOURLY + "}")
        .path("id").asText();
    hours(12, 1_000, 1);
    JsonNode before = status(id);
    var at = server.clock().instant();
    server.close();

    server = TestServer.start(null, cfg -> cfg.withDataDir(dir));
    server.clock().set(at);
    JsonNode after = status(id);
    assertThat(after.path("stageStartedAt")).isEqualTo(before.path("stageStartedAt"));
    assertThat(after.path("analysisSummary")).isEqualTo(before.path("analysisSummary"));
    assertThat(after.path("measurements")).isEqualTo(before.path("measurements"));

    hours(11, 1_000, 1); // 23 h into the stage: still canary
    assertThat(status(id).path("phase").asText()).isEqualTo("PROGRESSING");
    hours(1, 1_000, 1);
    assertThat(status(id).path("phase").asText()).isEqualTo("AWAITING_APPROVAL");
  }

  @Test
  void bad_rollouts_and_outcomes_are_4xx_problems_naming_the_field_and_change_nothing() {
    long head = server.journalHead();
    assertBad("{\"policy\":\"guardian-enforcement\",\"delta\":{\"a\":1},\"stages\":[{\"name\":\"a\",\"percentage\":50,"
        + "\"maxErrorRate\":0.01},{\"name\":\"b\",\"percentage\":40,\"maxErrorRate\":0.01}]}", "stages[1].percentage");
    assertBad("{\"policy\":\"guardian-enforcement\",\"delta\":{\"a\":1},\"stages\":[{\"name\":\"a\",\"percentage\":120,"
        + "\"maxErrorRate\":0.01}]}", "stages[0].percentage");
    assertBad("{\"policy\":\"guardian-enforcement\",\"delta\":{\"a\":1},\"stages\":[{\"name\":\"a\",\"percentage\":100,"
        + "\"minDurationSeconds\":-5,\"maxErrorRate\":0.01}]}", "stages[0].minDurationSeconds");
    assertBad("{\"policy\":\"guardian-enforcement\",\"delta\":{\"a\":1},\"analysis\":{\"provider\":\"datadog\"}}",
        "analysis.provider");
    assertBad("{\"policy\":\"guardian-enforcement\",\"delta\":{\"a\":1},\"analysis\":{\"provider\":\"prometheus\","
        + "\"prometheusUrl\":\"http://127.0.0.1:9\",\"query\":\"rate(x{p=\\\"{{polcy}}\\\"}[5m])\"}}", "analysis.query");
    assertBad("{\"policy\":\"guardian-enforcement\",\"delta\":{\"a\":1},\"stages\":[{\"name\":\"a\",\"percent\":100}]}",
        "stages[0].percent");
    assertBad("{\"policy\":\"guardian-enforcement\"}", "delta");
    var noRollout = server.send("POST", "/api/v1/outcomes", alice,
        "{\"policy\":\"guardian-enforcement\",\"variant\":\"candidate\",\"success\":1,\"error\":0}");
    assertThat(noRollout.status()).isEqualTo(409);
    assertThat(noRollout.json().path("detail").asText()).contains("no active rollout");
    var badVariant = server.send("POST", "/api/v1/outcomes", alice,
        "[{\"policy\":\"guardian-enforcement\",\"variant\":\"canary\",\"success\":1}]");
    assertThat(badVariant.status()).isEqualTo(400);
    assertThat(badVariant.json().path("field").asText()).isEqualTo("[0].variant");
    assertThat(server.send("POST", "/api/v1/rollouts/../x/pause", alice, "{\"reason\":\"x\"}").status())
        .isIn(400, 404);
    assertThat(server.journalHead()).isEqualTo(head);
    assertThat(server.get("/api/v1/rollouts", alice).json().path("rollouts")).isEmpty();
  }

  private void assertBad(String body, String field) {
    var r = server.send("POST", "/api/v1/rollouts", alice, body);
    assertThat(r.status()).as("%s", r).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().path("field").asText()).as("%s", r).isEqualTo(field);
  }

  /**
   * For each of {@code n} hours: applications report outcomes as an SDK would — the candidate's, and the
   * baseline's at the same error rate in the proportion the current stage's share predicts (none at 100%)
   * — then the clock moves and the loop ticks.
   */
  private void hours(int n, int success, int error) {
    for (int i = 0; i < n; i++) {
      if (success + error > 0) {
        var r = server.reportOutcomes(alice, "guardian-enforcement", success, error);
        if (r.status() == 409) { // the rollout finished during these hours
          return;
        }
        assertThat(r.status()).as("%s", r).isEqualTo(200);
      }
      server.clock().advance(HOUR);
      server.server().rollouts().tick();
    }
  }

  private JsonNode create(String body) {
    var r = server.send("POST", "/api/v1/rollouts", alice, body);
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    assertThat(r.header("Location")).contains("/api/v1/rollouts/" + r.json().path("id").asText());
    return r.json();
  }

  private JsonNode status(String id) {
    var r = server.get("/api/v1/rollouts/" + id, alice);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  private TestServer.Response action(String id, String action, String token, String reason) {
    return server.send("POST", "/api/v1/rollouts/" + id + "/" + action, token, "{\"reason\":\"" + reason + "\"}");
  }

  private void put(String name, String document) {
    assertThat(server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN,
        "{\"document\":" + document + "}").status()).isEqualTo(201);
  }

  private List<String> types() {
    return server.server().journalReader().page(0, 1_000).stream().map(JournalEntry::type).toList();
  }
}
