package io.rollgate.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.Verdict;
import io.rollgate.server.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live rollouts judged by their judge (issue 9 item 3), end to end over HTTP in virtual time: the
 * sequential judge compares the candidate with the baseline, the split check holds a rollout whose cohorts
 * are not what the stage says, a user's maxErrorRate is a ceiling on top, and the judge's evidence is
 * rebuilt from the database after a restart. Traffic is deterministic: every minute each cohort reports
 * exactly its share of requests and errors, so the evidence ratio grows (or shrinks) by the same factor
 * each minute and the minute of a rollback is known in advance.
 */
class RolloutJudgeFlowTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  /** A 10% canary for at least 10 minutes, then 100%; checked every minute. */
  private static final String SHORT = "\"stages\":[{\"name\":\"canary\",\"percentage\":10,\"minDurationSeconds\":600},"
      + "{\"name\":\"full\",\"percentage\":100}],\"analysis\":{\"intervalSeconds\":60,\"minSamples\":100}";
  /** The same with a 30-minute canary: long enough for the judge to see a 2× regression at this traffic. */
  private static final String LONG = SHORT.replace("\"minDurationSeconds\":600", "\"minDurationSeconds\":1800");

  private TestServer server;
  private String alice;

  @BeforeEach
  void start() {
    server = TestServer.start(null, cfg -> cfg.withRolloutTick(Duration.ZERO));
    alice = server.token("alice", "admin");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void the_sequential_default_rolls_back_a_2x_regression_against_a_1_percent_baseline_within_a_quarter_hour() {
    String id = create("checkout", "{\"policy\":\"checkout\",\"delta\":{\"v\":2}," + LONG + "}");
    assertThat(status(id).path("analysis").path("judge").asText()).isEqualTo("sequential");

    // candidate 2% (2 of 100), baseline 1% (9 of 900): the candidate gets 2 of 11 errors where a tenth is fair
    int minutes = 0;
    while (minutes < 30 && status(id).path("phase").asText().equals("PROGRESSING")) {
      report("checkout", 98, 2, 891, 9);
      tick();
      minutes++;
    }
    JsonNode s = status(id);
    assertThat(s.path("phase").asText()).as("%s", s).isEqualTo("ROLLED_BACK");
    // hand-computed: per minute L(g) = 2 ln g − 11 ln(0.1 g + 0.9) on the grid, so M = (1/6) Σ e^(k L(g)) is
    // 9.6 after 10 minutes, 17.1 after 12 and 23 after 13: the 13th check rolls back
    assertThat(minutes).isEqualTo(13);
    JsonNode evidence = last(s).path("evidence");
    assertThat(evidence.path("kind").asText()).isEqualTo("comparison");
    assertThat(evidence.path("judge").asText()).isEqualTo("sequential");
    assertThat(evidence.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(evidence.path("judgeVerdict").asText()).isEqualTo("FAIL");
    assertThat(evidence.path("statistic").asDouble()).isGreaterThanOrEqualTo(20);
    assertThat(evidence.path("threshold").asDouble()).isEqualTo(20);
    assertThat(evidence.path("reason").asText()).isEqualTo("sequential: candidate worse than baseline: evidence ratio "
        + "M = 23 ≥ 20 = 1/α (α 0.05); 26 candidate errors in 1,300 requests vs 117 baseline errors in 11,700, "
        + "relative risk ≈ 2");
    assertThat(evidence.path("candidate").path("requests").asLong()).isEqualTo(100L * minutes);
    assertThat(evidence.path("baseline").path("errors").asLong()).isEqualTo(9L * minutes);
    assertThat(evidence.path("srm").path("status").asText()).isEqualTo("healthy");
    // every check is kept with the judge's numbers: the one before the rollback passed with M growing but below
    // 20; the journal carries the same evidence as the status
    JsonNode earlier = s.path("measurements").get(1);
    assertThat(earlier.path("judgeVerdict").asText()).isEqualTo("PASS");
    assertThat(earlier.path("statistic").asDouble()).isLessThan(20).isGreaterThan(1);
    JournalEntry rolled = entries("rollout.rolled_back").getLast();
    assertThat(rolled.payload().path("evidence").path("statistic")).isEqualTo(evidence.path("statistic"));
  }

  @Test
  void a_healthy_canary_at_1_percent_on_both_sides_is_promoted_where_004s_thresholds_roll_it_back() {
    String seq = create("search", "{\"policy\":\"search\",\"delta\":{\"v\":2}," + SHORT + "}");
    // the same traffic, judged by 004's rule with its default thresholds (0.5% at the canary)
    String thr = create("ranking", "{\"policy\":\"ranking\",\"delta\":{\"v\":2},"
        + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":100,\"judge\":\"threshold\"}}");
    assertThat(status(thr).path("currentStage").path("maxErrorRate").asDouble()).isEqualTo(0.005);

    for (int minute = 0; minute < 10; minute++) {
      report("search", 99, 1, 891, 9);
      if (status(thr).path("phase").asText().equals("PROGRESSING")) {
        report("ranking", 99, 1, 891, 9);
      }
      tick();
    }
    JsonNode t = status(thr);
    assertThat(t.path("phase").asText()).isEqualTo("ROLLED_BACK");
    assertThat(last(t).path("evidence").path("reason").asText())
        .startsWith("threshold: candidate error rate 1.00% > maxErrorRate 0.50%");

    JsonNode s = status(seq);
    assertThat(s.path("currentStage").path("name").asText()).isEqualTo("full"); // advanced after 10 minutes
    JsonNode passed = last(s).path("evidence");
    assertThat(passed.path("verdict").asText()).isEqualTo("PASS");
    assertThat(passed.path("reason").asText()).startsWith("sequential: no evidence the candidate is worse");
    assertThat(passed.path("statistic").asDouble()).isLessThan(1); // M shrinks when the errors split fairly
    report("search", 990, 10, 0, 0); // at 100% there is no baseline left: the evidence so far decides
    tick();
    assertThat(status(seq).path("phase").asText()).isEqualTo("COMPLETED");
  }

  @Test
  void a_broken_split_pauses_with_reason_sample_ratio_mismatch_journals_the_numbers_and_opens_an_incident() {
    String id = create("checkout", "{\"policy\":\"checkout\",\"delta\":{\"v\":2}," + SHORT + "}");
    report("checkout", 300, 0, 700, 0); // 30% on the candidate at a 10% stage
    tick();

    JsonNode s = status(id);
    assertThat(s.path("phase").asText()).isEqualTo("PAUSED");
    assertThat(s.path("reason").asText()).startsWith("sample_ratio_mismatch: paused at stage canary (10%): "
        + "sample ratio mismatch: candidate 300 of 1,000 requests (30.00%), 100 expected");
    JournalEntry paused = entries("rollout.paused").getLast();
    assertThat(paused.actor()).isEqualTo("reconciler");
    assertThat(paused.payload().path("cause").asText()).isEqualTo("sample_ratio_mismatch");
    JsonNode srm = paused.payload().path("srm");
    assertThat(srm.path("status").asText()).isEqualTo("mismatch");
    assertThat(srm.path("observedCandidate").asLong()).isEqualTo(300);
    assertThat(srm.path("expectedCandidate").asDouble()).isEqualTo(100);
    assertThat(srm.path("requests").asLong()).isEqualTo(1_000);
    assertThat(srm.path("chiSquare").asDouble()).isCloseTo(444.44, org.assertj.core.data.Offset.offset(0.01));
    assertThat(srm.path("pValue").asDouble()).isLessThan(0.001);
    // the judge found nothing wrong, and the evidence says so: the split, not the candidate, is the trouble
    assertThat(paused.payload().path("evidence").path("judgeVerdict").asText()).isEqualTo("PASS");

    // the bridge listens to the journal after each commit, and signals on its own thread: a moment later
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(server.get("/api/v1/incidents", alice).json().path("incidents")).hasSize(1));
    JsonNode incidents = server.get("/api/v1/incidents", alice).json().path("incidents");
    assertThat(incidents.get(0).path("kind").asText()).isEqualTo("rollout_regression");
    assertThat(incidents.get(0).path("severity").asText()).isEqualTo("sev3");
    assertThat(incidents.get(0).path("title").asText()).startsWith("rollout " + id + " held on a sample ratio mismatch: ");

    // resumed after the fix, the split is tested afresh over the new analysis and the rollout carries on
    assertThat(server.send("POST", "/api/v1/rollouts/" + id + "/resume", alice, "{\"reason\":\"fixed the bucketing\"}")
        .status()).isEqualTo(200);
    report("checkout", 100, 0, 900, 0);
    tick();
    JsonNode resumed = status(id);
    assertThat(resumed.path("phase").asText()).isEqualTo("PROGRESSING");
    assertThat(resumed.path("lastAnalysis").path("srm").path("status").asText()).isEqualTo("healthy");
  }

  @Test
  void when_the_judge_fails_at_the_same_check_as_a_broken_split_the_rollback_wins() {
    String id = create("checkout", "{\"policy\":\"checkout\",\"delta\":{\"v\":2}," + SHORT + "}");
    report("checkout", 270, 30, 693, 7); // 30% on the candidate, and 10% errors there against 1%
    tick();

    JsonNode s = status(id);
    assertThat(s.path("phase").asText()).isEqualTo("ROLLED_BACK");
    JsonNode evidence = last(s).path("evidence");
    assertThat(evidence.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(evidence.path("srm").path("status").asText()).isEqualTo("mismatch"); // seen, and not allowed to hide it
    assertThat(entries("rollout.paused")).isEmpty();
  }

  @Test
  void a_users_maxErrorRate_is_a_ceiling_on_top_of_a_judge_that_passes() {
    String id = create("checkout", "{\"policy\":\"checkout\",\"delta\":{\"v\":2},\"stages\":[{\"name\":\"canary\","
        + "\"percentage\":10,\"minDurationSeconds\":600,\"maxErrorRate\":0.005},{\"name\":\"full\",\"percentage\":100}],"
        + "\"analysis\":{\"intervalSeconds\":60,\"minSamples\":100}}");
    report("checkout", 99, 1, 891, 9); // 1% on both sides: the judge passes, the 0.5% ceiling does not
    tick();

    JsonNode s = status(id);
    assertThat(s.path("phase").asText()).isEqualTo("ROLLED_BACK");
    JsonNode evidence = last(s).path("evidence");
    assertThat(evidence.path("judgeVerdict").asText()).isEqualTo("PASS");
    assertThat(evidence.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(evidence.path("reason").asText()).startsWith("candidate error rate 1.00% > ceiling maxErrorRate 0.50% "
        + "over 100 candidate requests in this stage (the judge alone would not fail it: sequential: no evidence");
  }

  @Test
  void a_restarted_server_rebuilds_the_judge_from_the_stored_rows_and_gives_the_same_verdict() {
    Path dir = io.rollgate.store.testing.TestDatabases.newTempDir();
    server.close();
    server = TestServer.start(null, cfg -> cfg.withDataDir(dir).withRolloutTick(Duration.ZERO));
    alice = server.token("alice", "admin");
    String id = create("checkout", "{\"policy\":\"checkout\",\"delta\":{\"v\":2}," + LONG + "}");
    for (int minute = 0; minute < 10; minute++) { // the 2× regression, not yet enough to roll back
      report("checkout", 98, 2, 891, 9);
      tick();
    }
    JsonNode before = status(id).path("lastAnalysis");
    assertThat(before.path("judgeVerdict").asText()).isEqualTo("PASS");
    Instant at = server.clock().instant();
    Instant analysisStartedAt = Instant.parse(status(id).path("analysisStartedAt").asText());
    Measurement.Comparison old = server.server().rolloutStore().compare(id, analysisStartedAt, at);
    server.close();

    server = TestServer.start(null, cfg -> cfg.withDataDir(dir).withRolloutTick(Duration.ZERO));
    server.clock().set(at);
    // a new store over the same database: the same numbers, to the last bit
    Measurement.Comparison rebuilt = server.server().rolloutStore().compare(id, analysisStartedAt, at);
    assertThat(rebuilt).isEqualTo(old);
    assertThat(rebuilt.statistic()).isEqualTo(before.path("statistic").asDouble());
    assertThat(rebuilt.verdict()).isEqualTo(Verdict.PASS);

    // and the evidence from before the restart still counts: the rollback comes on time, not 15 minutes later
    int more = 0;
    while (more < 10 && status(id).path("phase").asText().equals("PROGRESSING")) {
      report("checkout", 98, 2, 891, 9);
      tick();
      more++;
    }
    assertThat(status(id).path("phase").asText()).isEqualTo("ROLLED_BACK");
    assertThat(more).isEqualTo(3); // 13 minutes in all, as without the restart
  }

  // --- helpers

  private String create(String policy, String body) {
    assertThat(server.send("PUT", "/api/v1/policies/" + policy, TestServer.ADMIN_TOKEN, "{\"document\":{\"v\":1}}")
        .status()).isEqualTo(201);
    var r = server.send("POST", "/api/v1/rollouts", alice, body);
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json().path("id").asText();
  }

  /** One minute's reports: the candidate's and the baseline's successes and errors (a cohort with none is left out). */
  private void report(String policy, int cs, int ce, int bs, int be) {
    String c = "{\"policy\":\"" + policy + "\",\"variant\":\"candidate\",\"success\":" + cs + ",\"error\":" + ce + "}";
    String b = "{\"policy\":\"" + policy + "\",\"variant\":\"baseline\",\"success\":" + bs + ",\"error\":" + be + "}";
    var r = server.send("POST", "/api/v1/outcomes", alice, "[" + c + (bs + be > 0 ? "," + b : "") + "]");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
  }

  private void tick() {
    server.clock().advance(MINUTE);
    server.server().rollouts().tick();
  }

  private JsonNode status(String id) {
    var r = server.get("/api/v1/rollouts/" + id, alice);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  private static JsonNode last(JsonNode status) {
    JsonNode ts = status.path("transitions");
    return ts.get(ts.size() - 1);
  }

  private List<JournalEntry> entries(String type) {
    return server.server().journalReader().page(0, 10_000).stream().filter(e -> e.type().equals(type)).toList();
  }
}
