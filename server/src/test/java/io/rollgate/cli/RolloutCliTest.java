package io.rollgate.cli;

import static io.rollgate.cli.CliTest.assertOneLineError;
import static io.rollgate.cli.CliTest.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.cli.CliTest.Result;
import io.rollgate.json.Json;
import io.rollgate.server.events.EventsConfig;
import io.rollgate.server.testing.TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code rollgate rollout …} against an in-process server: what each command sends and prints,
 * --json, exit codes, and {@code status --watch} following a rollout that the test drives through
 * the API with other tokens.
 */
class RolloutCliTest {
  private static final AtomicInteger POLICIES = new AtomicInteger();
  /** Two stages without minimum durations: a second admin's two advances complete the rollout. */
  private static final String TWO_STAGES = "[{\"name\":\"half\",\"percentage\":50,\"minDurationSeconds\":0,"
      + "\"maxErrorRate\":0.01,\"requiresApproval\":false},{\"name\":\"all\",\"percentage\":100,"
      + "\"minDurationSeconds\":0,\"maxErrorRate\":0.01,\"requiresApproval\":false}]";

  private static TestServer server;
  private static String secondAdmin;
  private static String operator;

  @BeforeAll
  static void start() {
    // frequent heartbeats: the server notices a watch that hung up within a fraction of a second
    server = TestServer.start(null, cfg -> cfg.withEvents(EventsConfig.DEFAULTS.withHeartbeatInterval(
        Duration.ofMillis(200))));
    secondAdmin = server.token("second-admin", "admin");
    operator = server.token("ops", "operator");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A fresh policy {@code {"max":1}} for one test: at most one active rollout per policy. */
  private static String policy() {
    String name = "ro-" + POLICIES.incrementAndGet();
    var r = server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN, "{\"document\":{\"max\":1}}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return name;
  }

  private static Result rg(String... args) {
    return rgAs(TestServer.ADMIN_TOKEN, args);
  }

  private static Result rgAs(String token, String... args) {
    var live = new Live();
    int exit = live.run(token, false, args);
    return live.result(exit);
  }

  /** A CLI run whose output can be read while it is still going (StringWriter is synchronized). */
  private static final class Live {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    int run(String token, boolean terminal, String... args) {
      var all = new ArrayList<>(List.of(args));
      all.add("--server");
      all.add(server.baseUrl());
      var env = new HashMap<String, String>();
      env.put("ROLLGATE_TOKEN", token);
      return Main.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), env::get,
          terminal);
    }

    Result result(int exit) {
      return new Result(exit, out.toString(), err.toString());
    }
  }

  private static JsonNode status(String id) {
    var r = server.get("/api/v1/rollouts/" + id, TestServer.ADMIN_TOKEN);
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    return r.json();
  }

  private static String startViaApi(String policy, String stages) {
    var r = server.send("POST", "/api/v1/rollouts", TestServer.ADMIN_TOKEN, "{\"policy\":\"" + policy
        + "\",\"delta\":{\"max\":2}" + (stages == null ? "" : ",\"stages\":" + stages) + ",\"reason\":\"test\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json().path("id").asText();
  }

  private static void act(String token, String id, String action, String reason) {
    var r = server.send("POST", "/api/v1/rollouts/" + id + "/" + action, token, "{\"reason\":\"" + reason + "\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
  }

  // ---- start ----

  @Test
  void start_with_defaults_sends_only_the_candidate_and_says_how_to_follow() {
    String p = policy();

    var r = ok(rg("rollout", "start", "--policy", p, "--delta", "{\"max\":2}", "--reason", "raise the limit"));

    String id = p + "-1";
    assertThat(r.out()).isEqualTo("started " + id + ": PROGRESSING at stage 1/5 canary (10%, at least 1d, "
        + "no error-rate ceiling)\nfollow it: rollgate rollout status " + id + " --watch\n");
    JsonNode s = status(id);
    assertThat(s.path("stages").findValuesAsText("name")).containsExactly("canary", "quarter", "half", "most", "full");
    assertThat(s.path("analysis").path("provider").asText()).isEqualTo("outcomes");
    assertThat(s.path("analysis").path("intervalSeconds").asLong()).isEqualTo(900);
    assertThat(s.path("onFailure").asText()).isEqualTo("step_back");
    assertThat(s.path("selfApproval").asBoolean()).isFalse();
    assertThat(s.path("candidate")).isEqualTo(Json.parse("{\"max\":2}", "test"));
    assertThat(s.path("changeReason").asText()).isEqualTo("raise the limit");
    assertThat(s.path("author").asText()).isEqualTo("admin");
  }

  @Test
  void start_sends_the_stages_and_analysis_options_given() throws IOException {
    String p = policy();
    var doc = Files.createTempFile("rollgate-candidate", ".json");
    doc.toFile().deleteOnExit();
    Files.writeString(doc, "{\"max\":3,\"mode\":\"strict\"}");

    var r = ok(rg("rollout", "start", "--policy", p, "--document-file", doc.toString(), "--stages", TWO_STAGES,
        "--interval", "1", "--min-samples", "5", "--failure-limit", "1", "--consecutive-error-limit", "2",
        "--on-failure", "abort", "--self-approval", "--judge", "growthbook", "--alpha", "0.01", "--judge-delta", "0.1",
        "--json"));

    JsonNode s = r.json();
    assertThat(s.path("id").asText()).isEqualTo(p + "-1");
    assertThat(s.path("stages").findValuesAsText("name")).containsExactly("half", "all");
    assertThat(s.path("currentStage").path("percentage").asInt()).isEqualTo(50);
    assertThat(s.path("analysis").path("intervalSeconds").asLong()).isEqualTo(1);
    assertThat(s.path("analysis").path("minSamples").asLong()).isEqualTo(5);
    assertThat(s.path("analysis").path("failureLimit").asLong()).isEqualTo(1);
    assertThat(s.path("analysis").path("consecutiveErrorLimit").asLong()).isEqualTo(2);
    assertThat(s.path("analysis").path("judge").asText()).isEqualTo("growthbook");
    assertThat(s.path("analysis").path("alpha").asDouble()).isEqualTo(0.01);
    assertThat(s.path("analysis").path("delta").asDouble()).isEqualTo(0.1);
    assertThat(s.path("onFailure").asText()).isEqualTo("abort");
    assertThat(s.path("selfApproval").asBoolean()).isTrue();
    assertThat(s.path("candidate")).isEqualTo(Json.parse("{\"max\":3,\"mode\":\"strict\"}", "test"));
    assertThat(status(p + "-1").path("stages")).isEqualTo(s.path("stages"));
  }

  static Stream<List<String>> badValues() {
    return Stream.of(
        List.of("analysis.intervalSeconds", "--interval", "0"),
        List.of("analysis.minSamples", "--min-samples", "0"),
        List.of("analysis.failureLimit", "--failure-limit=-2"),
        List.of("analysis.provider", "--provider", "nagios"),
        List.of("analysis.judge", "--judge", "coin-toss"),
        List.of("analysis.alpha", "--alpha", "1.5"),
        List.of("analysis.prometheusUrl", "--provider", "prometheus", "--query", "up"),
        List.of("onFailure", "--on-failure", "never"),
        List.of("stages[1].percentage", "--stages", "[{\"name\":\"a\",\"percentage\":50,\"minDurationSeconds\":0,"
            + "\"maxErrorRate\":0.1},{\"name\":\"b\",\"percentage\":20,\"minDurationSeconds\":0,\"maxErrorRate\":0.1}]"),
        List.of("stages[0].percentage", "--stages", "[{\"name\":\"a\",\"percentage\":120,\"minDurationSeconds\":0,"
            + "\"maxErrorRate\":0.1}]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void a_bad_value_exits_2_naming_the_field_and_starts_nothing(List<String> fieldAndArgs) {
    String p = policy();
    long head = server.journalHead();
    var args = new ArrayList<>(List.of("rollout", "start", "--policy", p, "--delta", "{\"max\":2}"));
    args.addAll(fieldAndArgs.subList(1, fieldAndArgs.size()));

    var r = rg(args.toArray(String[]::new));

    assertOneLineError(r, 2);
    assertThat(r.err()).contains("[field: " + fieldAndArgs.get(0) + "] (HTTP 400)");
    assertThat(server.journalHead()).isEqualTo(head);
  }

  @Test
  void start_refusals_from_the_server_exit_2_with_their_reason() {
    String p = policy();
    ok(rg("rollout", "start", "--policy", p, "--delta", "{\"max\":2}"));

    var second = rg("rollout", "start", "--policy", p, "--delta", "{\"max\":3}");
    assertOneLineError(second, 2);
    assertThat(second.err()).contains("already has an active rollout '" + p + "-1'").contains("(HTTP 409)");

    var missing = rg("rollout", "start", "--policy", "no-such-policy", "--delta", "{\"max\":3}");
    assertOneLineError(missing, 2);
    assertThat(missing.err()).contains("no-such-policy").contains("(HTTP 404)");

    String q = policy();
    var noOp = rg("rollout", "start", "--policy", q, "--delta", "{\"max\":1}");
    assertOneLineError(noOp, 2);
    assertThat(noOp.err()).contains("(HTTP 409)");
  }

  // ---- status ----

  @Test
  void status_shows_stages_time_in_stage_analysis_why_and_history() {
    String p = policy();
    String id = startViaApi(p, null);
    server.clock().advance(Duration.ofMinutes(125));

    var r = ok(rg("rollout", "status", id));

    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).isEqualTo(id + "  policy " + p + "  PROGRESSING  10% on the candidate");
    assertThat(lines.get(1)).isEqualTo("  stages    [canary 10%] ▸ quarter 25% ▸ half 50% ▸ most 75% ▸ full 100%");
    assertThat(lines.get(2)).isEqualTo("  stage     1/5 canary for 2h5m of at least 1d; no error-rate ceiling");
    assertThat(lines.get(3)).startsWith("  analysis  none yet [0 pass, 0 fail, 0 inconclusive, 0 error]");
    assertThat(lines.get(4)).startsWith("  next      ").endsWith("(outcomes every 15m)");
    assertThat(lines.get(5)).startsWith("  why       ").isEqualTo("  why       " + status(id).path("reason").asText());
    assertThat(lines.get(6)).isEqualTo(String.format("  history   %s  %-17s %-14s %s",
        status(id).path("startedAt").asText(), "started", "admin", "started by admin at stage canary (10%)"));
    assertThat(lines).hasSize(7);
  }

  @Test
  void status_reaches_stdout_through_a_writer_that_flushes_on_println_only_as_main_uses() {
    String id = startViaApi(policy(), null);
    var bytes = new java.io.ByteArrayOutputStream();

    int exit = Main.run(new String[] {"rollout", "status", id, "--server", server.baseUrl()},
        new PrintWriter(bytes, true), new PrintWriter(new StringWriter(), true),
        Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN)::get, false);

    assertThat(exit).isZero();
    assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).startsWith(id + "  policy ")
        .contains("  history   ");
  }

  @Test
  void status_history_shows_the_last_transitions_with_their_actor() {
    String p = policy();
    String id = startViaApi(p, null);
    act(operator, id, "pause", "looking at a dashboard");
    act(operator, id, "resume", "dashboard fine");

    var r = ok(rg("rollout", "status", id));

    List<String> history = r.out().lines().dropWhile(l -> !l.startsWith("  history")).toList();
    assertThat(history).hasSize(3);
    assertThat(history.get(0)).contains("started");
    assertThat(history.get(1)).contains("paused").contains(" ops ").endsWith("looking at a dashboard");
    assertThat(history.get(2)).contains("resumed").contains(" ops ").endsWith("dashboard fine");
  }

  @Test
  void status_json_is_the_servers_status() {
    String id = startViaApi(policy(), null);

    var r = ok(rg("rollout", "status", id, "--json"));

    assertThat(r.json()).isEqualTo(status(id));
    assertThat(r.json().path("transitions").size()).isEqualTo(1);
  }

  @Test
  void status_of_an_unknown_rollout_exits_2_with_the_servers_message() {
    var r = rg("rollout", "status", "nothing-here-7");

    assertOneLineError(r, 2);
    assertThat(r.err()).contains("nothing-here-7").contains("(HTTP 404)");
  }

  @Test
  void a_rollout_id_is_checked_before_anything_is_sent() throws IOException {
    int closedPort;
    try (var s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    for (String bad : List.of("../audit", "ro-1/advance", "ro", "Ro-1", "ro-1-")) {
      var r = CliTest.run(Map.of("ROLLGATE_URL", "http://127.0.0.1:" + closedPort), "rollout", "status", bad);
      assertOneLineError(r, 2);
      assertThat(r.err()).startsWith("rollgate: invalid rollout id '" + bad + "': must be a policy name, '-' and a "
          + "number, such as guardian-enforcement-3");
    }
  }

  // ---- list ----

  @Test
  void list_shows_active_rollouts_and_all_with_all() {
    String p = policy();
    String q = policy();
    String active = startViaApi(p, null);
    String aborted = startViaApi(q, null);
    act(operator, aborted, "abort", "wrong candidate");
    server.clock().advance(Duration.ofMinutes(90));

    var r = ok(rg("rollout", "list"));
    assertThat(r.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("POLICY").contains("PHASE")
        .contains("STAGE").contains("PCT").endsWith("AGE");
    assertThat(r.out()).contains(active).doesNotContain(aborted);
    String row = r.out().lines().filter(l -> l.startsWith(active + " ")).findFirst().orElseThrow();
    assertThat(row.split("\\s+")).containsExactly(active, p, "PROGRESSING", "1/5", "canary", "10%", "1h30m");

    var all = ok(rg("rollout", "list", "--all", "--policy", q));
    assertThat(all.out().lines().toList()).hasSize(2);
    assertThat(all.out().lines().toList().get(1).split("\\s+")).startsWith(aborted, q, "ABORTED");

    var json = ok(rg("rollout", "list", "--policy", p, "--json")).json();
    assertThat(json.path("rollouts").findValuesAsText("id")).containsExactly(active);

    assertThat(ok(rg("rollout", "list", "--policy", q)).out())
        .isEqualTo("no active rollouts (--all shows finished ones too)\n");
  }

  // ---- manual actions ----

  @Test
  void advance_by_the_author_is_refused_and_by_a_second_admin_accepted() {
    String id = startViaApi(policy(), null); // started with the ADMIN_TOKEN: its author is "admin"
    long head = server.journalHead();

    var own = rg("rollout", "advance", id, "--reason", "looks fine to me");
    assertOneLineError(own, 2);
    assertThat(own.err()).contains("(HTTP 403)");
    assertThat(server.journalHead()).isEqualTo(head);

    var other = ok(rgAs(secondAdmin, "rollout", "advance", id, "--reason", "checked the dashboards"));
    assertThat(other.out()).startsWith(id + " is PROGRESSING at stage 2/5 quarter (25%, at least 1d, no error-rate "
        + "ceiling, needs approval)\n  why: ");
    JsonNode s = status(id);
    assertThat(s.path("stageIndex").asInt()).isEqualTo(1);
    JsonNode last = s.path("transitions").get(s.path("transitions").size() - 1);
    assertThat(last.path("actor").asText()).isEqualTo("second-admin");
    assertThat(last.path("reason").asText()).endsWith(": checked the dashboards");
  }

  @Test
  void pause_resume_and_abort_print_the_new_phase() {
    String id = startViaApi(policy(), null);

    var paused = ok(rgAs(operator, "rollout", "pause", id, "--reason", "incident 12"));
    assertThat(paused.out()).startsWith(id + " is PAUSED at stage 1/5 canary (10%");
    assertThat(paused.out().lines().toList().get(1)).startsWith("  why: ");
    assertThat(status(id).path("phase").asText()).isEqualTo("PAUSED");

    var resumed = ok(rgAs(operator, "rollout", "resume", id, "--reason", "incident over", "--json"));
    assertThat(resumed.json().path("phase").asText()).isEqualTo("PROGRESSING");

    var aborted = ok(rgAs(operator, "rollout", "abort", id, "--reason", "not needed"));
    assertThat(aborted.out()).startsWith(id + " is ABORTED at stage 1/5 canary");
    assertThat(status(id).path("phase").asText()).isEqualTo("ABORTED");

    var again = rgAs(operator, "rollout", "pause", id, "--reason", "too late");
    assertOneLineError(again, 2);
    assertThat(again.err()).contains("ABORTED").contains("PAUSED").contains("(HTTP 409)");
  }

  @Test
  void rollback_puts_everyone_back_on_the_baseline() {
    String id = startViaApi(policy(), null);

    var r = ok(rgAs(operator, "rollout", "rollback", id, "--reason", "errors up"));

    assertThat(r.out()).startsWith(id + " is ROLLED_BACK at stage 1/5 canary");
    assertThat(status(id).path("percentage").asInt()).isZero();
  }

  @Test
  void an_action_without_a_reason_exits_2_naming_the_option_and_sends_nothing() {
    String id = startViaApi(policy(), null);
    long head = server.journalHead();

    for (String action : List.of("advance", "rollback", "pause", "resume", "abort")) {
      var missing = rg("rollout", action, id);
      assertOneLineError(missing, 2);
      assertThat(missing.err()).contains("--reason");
      var blank = rg("rollout", action, id, "--reason", "  ");
      assertOneLineError(blank, 2);
      assertThat(blank.err()).isEqualTo("rollgate: --reason must not be blank: say why, it is recorded in the "
          + "journal\n");
    }
    assertThat(server.journalHead()).isEqualTo(head);
    assertThat(status(id).path("phase").asText()).isEqualTo("PROGRESSING");
  }

  // ---- status --watch ----
  // --refresh 3600 where only the event stream can explain a new state within the test's timeouts

  @Test
  void watch_prints_each_new_state_and_exits_1_when_the_rollout_is_aborted() throws Exception {
    String id = startViaApi(policy(), null);
    var live = new Live();

    var watch = CompletableFuture.supplyAsync(() -> live.run(TestServer.ADMIN_TOKEN, false, "rollout", "status", id,
        "--watch", "--refresh", "3600"));
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().contains("PROGRESSING"));
    await().atMost(Duration.ofSeconds(10)).until(() -> server.server().events().connectedClients() == 1);
    act(operator, id, "pause", "hold on");
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().contains("PAUSED"));
    act(secondAdmin, id, "abort", "give up");

    int exit = watch.get(20, TimeUnit.SECONDS);
    var r = live.result(exit);
    assertThat(r.exit()).as("%s", r).isEqualTo(1);
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).contains(id + "  PROGRESSING  stage 1/5 canary 10%  last none  why: ");
    assertThat(lines.get(1)).contains(id + "  PAUSED  stage 1/5 canary 10%");
    assertThat(lines.get(2)).contains(id + "  ABORTED  ").endsWith("why: " + status(id).path("reason").asText());
    assertThat(r.err()).isEmpty();
    // the watch hangs up its event stream when it ends, not at the stream's next heartbeat
    await().atMost(Duration.ofSeconds(5)).until(() -> server.server().events().connectedClients() == 0);
  }

  @Test
  void watch_exits_0_when_a_second_admin_advances_the_rollout_to_completion() throws Exception {
    String id = startViaApi(policy(), TWO_STAGES);
    var live = new Live();

    var watch = CompletableFuture.supplyAsync(() -> live.run(TestServer.ADMIN_TOKEN, false, "rollout", "status", id,
        "--watch", "--json", "--refresh", "3600"));
    await().atMost(Duration.ofSeconds(10)).until(() -> !live.out.toString().isEmpty());
    act(secondAdmin, id, "advance", "half is fine");
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().lines().count() >= 2);
    act(secondAdmin, id, "advance", "all in");

    int exit = watch.get(20, TimeUnit.SECONDS);
    var r = live.result(exit);
    assertThat(r.exit()).as("%s", r).isZero();
    List<JsonNode> states = r.out().lines().map(l -> Json.parse(l, "line")).toList();
    assertThat(states).extracting(s -> s.path("phase").asText() + "@" + s.path("stageIndex").asInt())
        .containsExactly("PROGRESSING@0", "PROGRESSING@1", "COMPLETED@1");
    assertThat(states.get(2)).isEqualTo(status(id));
  }

  /**
   * Reports one second of outcomes — the candidate's, and at the 50% stage as many for the baseline without
   * errors, as the sequential judge compares them — moves the clock past the analysis interval and ticks the loop.
   */
  private static void second(String policy, int success, int error) {
    boolean half = server.get("/api/v1/rollouts?policy=" + policy + "&active=true", operator).json()
        .path("rollouts").path(0).path("percentage").asInt() == 50;
    var r = server.send("POST", "/api/v1/outcomes", operator, "[{\"policy\":\"" + policy
        + "\",\"variant\":\"candidate\",\"success\":" + success + ",\"error\":" + error + "}"
        + (half ? ",{\"policy\":\"" + policy + "\",\"variant\":\"baseline\",\"success\":" + (success + error) + "}" : "")
        + "]");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    server.clock().advance(Duration.ofSeconds(1));
    server.server().rollouts().tick();
  }

  private static String startMeasuredEverySecond(String policy) {
    var r = server.send("POST", "/api/v1/rollouts", TestServer.ADMIN_TOKEN, "{\"policy\":\"" + policy
        + "\",\"delta\":{\"max\":2},\"stages\":" + TWO_STAGES
        + ",\"analysis\":{\"intervalSeconds\":1,\"minSamples\":10}}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    return r.json().path("id").asText();
  }

  @Test
  void watch_follows_the_loop_through_healthy_stages_to_completion_and_exits_0() throws Exception {
    String p = policy();
    String id = startMeasuredEverySecond(p);
    var live = new Live();

    var watch = CompletableFuture.supplyAsync(() -> live.run(TestServer.ADMIN_TOKEN, false, "rollout", "status", id,
        "--watch", "--refresh", "3600"));
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().contains("PROGRESSING"));
    second(p, 100, 0);
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().contains("stage 2/2"));
    second(p, 100, 0);

    int exit = watch.get(20, TimeUnit.SECONDS);
    var r = live.result(exit);
    assertThat(r.exit()).as("%s", r).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).contains("  PROGRESSING  stage 1/2 half 50%  last none");
    assertThat(lines.get(1)).contains("  PROGRESSING  stage 2/2 all 100%");
    assertThat(lines.get(lines.size() - 1)).contains("  COMPLETED  stage 2/2 all 100%  last PASS");
    assertThat(status(id).path("phase").asText()).isEqualTo("COMPLETED");
  }

  @Test
  void watch_sees_the_loop_roll_back_on_a_high_error_rate_and_exits_1() throws Exception {
    String p = policy();
    String id = startMeasuredEverySecond(p);
    var live = new Live();

    var watch = CompletableFuture.supplyAsync(() -> live.run(TestServer.ADMIN_TOKEN, false, "rollout", "status", id,
        "--watch", "--refresh", "3600"));
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().contains("PROGRESSING"));
    second(p, 50, 50);

    int exit = watch.get(20, TimeUnit.SECONDS);
    var r = live.result(exit);
    assertThat(r.exit()).as("%s", r).isEqualTo(1);
    List<String> lines = r.out().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).contains("  ROLLED_BACK  stage 1/2 half 0%  last FAIL  why: ");
    var text = ok(rg("rollout", "status", id)).out();
    assertThat(text).contains("  analysis  FAIL at " + status(id).path("lastAnalysis").path("at").asText()
        + " (half): sequential: candidate worse than baseline: evidence ratio M = ");
    assertThat(text).contains("50 candidate errors in 100 requests vs 0 baseline errors in 100, relative risk ≈ ∞ "
        + "[0 pass, 1 fail, 0 inconclusive, 0 error]\n");
    assertThat(text).contains("  next      none (outcomes every 1s)\n");
    assertThat(text).contains(" rolled_back       reconciler ");
  }

  @Test
  void watch_on_a_terminal_redraws_and_the_refresh_moves_the_time_in_stage() throws Exception {
    String id = startViaApi(policy(), null);
    var live = new Live();

    var watch = CompletableFuture.supplyAsync(() -> live.run(TestServer.ADMIN_TOKEN, true, "rollout", "status", id,
        "--watch", "--refresh", "1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().contains("canary for 0s of at least 1d"));
    server.clock().advance(Duration.ofHours(3)); // no event: only the periodic refetch can show it
    await().atMost(Duration.ofSeconds(10)).until(() -> live.out.toString().contains("canary for 3h of at least 1d"));
    act(operator, id, "rollback", "errors up");

    int exit = watch.get(20, TimeUnit.SECONDS);
    var r = live.result(exit);
    assertThat(r.exit()).as("%s", r).isEqualTo(1);
    String[] frames = r.out().split(java.util.regex.Pattern.quote(RolloutWatch.CLEAR), -1);
    assertThat(frames[0]).isEmpty(); // every frame starts by clearing the screen
    assertThat(frames[1]).startsWith(id + "  policy ").contains("[canary 10%]")
        .endsWith("watching: redrawn on every change; Ctrl-C stops watching (the rollout goes on)\n");
    assertThat(frames[frames.length - 1]).contains("ROLLED_BACK").endsWith("\nrollout ended: ROLLED_BACK\n");
  }

  @Test
  void watch_of_a_finished_rollout_prints_it_once_and_exits_at_once() {
    String id = startViaApi(policy(), null);
    act(operator, id, "abort", "never mind");

    var r = rg("rollout", "status", id, "--watch");

    assertThat(r.exit()).as("%s", r).isEqualTo(1);
    assertThat(r.out().lines().toList()).hasSize(1);
    assertThat(r.out()).contains("ABORTED");
  }

  static Stream<List<String>> badUsage() {
    return Stream.of(
        List.of("rollout"),
        List.of("rollout", "frobnicate"),
        List.of("rollout", "start"),
        List.of("rollout", "start", "--policy", "ro-x"),
        List.of("rollout", "start", "--delta", "{}"),
        List.of("rollout", "start", "--policy", "ro-x", "--delta", "{}", "--document", "{}"),
        List.of("rollout", "start", "--policy", "ro-x", "--delta", "{not json"),
        List.of("rollout", "start", "--policy", "ro-x", "--delta-file", "/nonexistent/delta.json"),
        List.of("rollout", "start", "--policy", "Not A Name", "--delta", "{}"),
        List.of("rollout", "start", "--policy", "ro-x", "--delta", "{}", "--stages", "[oops"),
        List.of("rollout", "start", "--policy", "ro-x", "--delta", "{}", "--stages", "[]", "--stages-file", "x"),
        List.of("rollout", "start", "--policy", "ro-x", "--delta", "{}", "--interval", "soon"),
        List.of("rollout", "start", "--policy", "ro-x", "--delta", "{}", "--min-samples", "many"),
        List.of("rollout", "status"),
        List.of("rollout", "status", "../audit"),
        List.of("rollout", "status", "ro-x-1", "--refresh", "0"),
        List.of("rollout", "list", "--policy", "../x"),
        List.of("rollout", "list", "--limit", "lots"),
        List.of("rollout", "advance", "ro-x-1"),
        List.of("rollout", "rollback", "ro-x-1", "--reason", ""),
        List.of("rollout", "pause", "--reason", "r"),
        List.of("rollout", "resume", "../tokens", "--reason", "r"),
        List.of("rollout", "abort", "ro-x-1", "--reason"));
  }

  @ParameterizedTest(name = "rollgate {0}")
  @MethodSource("badUsage")
  void bad_usage_exits_2_with_one_line_and_sends_nothing(List<String> args) {
    long head = server.journalHead();

    var r = CliTest.run(Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN, "ROLLGATE_URL", server.baseUrl()),
        args.toArray(String[]::new));

    assertOneLineError(r, 2);
    assertThat(server.journalHead()).isEqualTo(head);
  }
}
