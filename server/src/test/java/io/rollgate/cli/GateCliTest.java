package io.rollgate.cli;

import static io.rollgate.cli.CliTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.cli.CliTest.Result;
import io.rollgate.server.testing.PrometheusBinaries;
import io.rollgate.server.testing.TestServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rollgate gate} and {@code rollgate soak run} against an in-process server: exit codes 0/1/2,
 * the JSON shape, the text lines, the Prometheus textfile (checked by promtool), and 002's mini-soak.
 */
class GateCliTest {
  private static final AtomicInteger N = new AtomicInteger();
  private static TestServer server;
  private static String operator;
  private static String viewer;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    operator = server.token("ci", "operator");
    viewer = server.token("look", "viewer");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static Result rg(String token, String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var all = new ArrayList<>(List.of(args));
    if (!all.contains("--server")) {
      all.add("--server");
      all.add(server.baseUrl());
    }
    var env = new HashMap<String, String>();
    env.put("ROLLGATE_TOKEN", token);
    int exit = Main.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), env::get);
    return new Result(exit, out.toString(), err.toString());
  }

  private static String policy(String document) {
    String name = "cli-gate-" + N.incrementAndGet();
    assertThat(server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN, "{\"document\":" + document + "}")
        .status()).isEqualTo(201);
    return name;
  }

  /** {@code applied} distinct changes and {@code skipped} no-ops in {@code session}. */
  private static void proposals(String policy, String session, int applied, int skipped) {
    for (int i = 1; i <= applied + skipped; i++) {
      int x = Math.min(i, applied);
      var r = server.send("POST", "/api/v1/policies/" + policy + "/changes", operator,
          "{\"delta\":{\"x\":" + x + "},\"session\":\"" + session + "\"}");
      assertThat(r.status()).isEqualTo(200);
    }
  }

  @Test
  void pass_warn_and_fail_exit_0_0_and_1_and_say_why() {
    String p = policy("{\"x\":0}");
    proposals(p, "pass", 9, 1); // 90%
    proposals(p, "warn", 17, 3); // 85%, nothing stuck
    proposals(p, "fail", 7, 3); // 70%

    Result pass = rg(operator, "gate", "--policy", p, "--session", "pass");
    assertThat(pass.exit()).as("%s", pass).isZero();
    assertThat(pass.out()).startsWith("gate PASS\n")
        .contains("  PASS apply-stats:" + p + ": full apply ratio 90.0% (9 of 10 applied, 1 skipped by a guard, "
            + "0 failed) in session 'pass' ≥ 90%");

    Result warn = rg(operator, "gate", "--policy", p, "--session", "warn");
    assertThat(warn.exit()).as("%s", warn).isZero();
    assertThat(warn.out()).startsWith("gate WARN\n").contains("< 90% but ≥ 80% with no stuck signature");

    Result fail = rg(operator, "gate", "--policy", p, "--session", "fail");
    assertThat(fail.exit()).as("%s", fail).isEqualTo(1);
    assertThat(fail.out()).startsWith("gate FAIL\n").contains("full apply ratio 70.0%").contains("< 80%")
        .containsPattern("incident \\d+ \\(created\\)");

    Result strict = rg(operator, "gate", "--policy", p, "--session", "pass", "--strict");
    assertThat(strict.exit()).isEqualTo(1);
    assertThat(strict.out()).startsWith("gate FAIL (strict)\n").contains("< 95% (strict)");
  }

  @Test
  void json_has_the_verdict_every_finding_and_the_evidence() {
    String p = policy("{\"x\":0}");
    proposals(p, "j", 20, 0);
    Result r = rg(operator, "gate", "--policy", p, "--session", "j", "--strict", "--json");
    assertThat(r.exit()).as("%s", r).isZero();
    JsonNode j = r.json();
    assertThat(j.path("verdict").asText()).isEqualTo("PASS");
    assertThat(j.path("strict").asBoolean()).isTrue();
    assertThat(j.path("exitCode").asInt()).isZero();
    assertThat(j.path("incident").isNull()).isTrue();
    assertThat(j.path("findings")).singleElement().satisfies(f -> {
      assertThat(f.path("check").asText()).isEqualTo("apply-stats:" + p);
      assertThat(f.path("verdict").asText()).isEqualTo("PASS");
      assertThat(f.path("message").asText()).contains("100.0% (20 of 20 applied");
    });
    assertThat(j.path("reasons")).hasSize(1);
    JsonNode s = j.path("applyStats");
    assertThat(s.path("proposals").asInt()).isEqualTo(20);
    assertThat(s.path("applied").asInt()).isEqualTo(20);
    assertThat(s.path("partialOk").asInt()).isZero();
    assertThat(s.path("failed").asInt()).isZero();
    assertThat(s.path("signatureStuck").asInt()).isZero();
    assertThat(s.path("fullApplyRatio").asDouble()).isEqualTo(1.0);
    assertThat(s.path("stuckSignatures")).isEmpty();
  }

  @Test
  void usage_connection_not_found_and_permission_errors_exit_2_in_one_line() throws IOException {
    assertOneLineError(rg(operator, "gate"), 2);
    assertOneLineError(rg(operator, "gate", "--session", "s", "--scenario", "x"), 2);
    assertOneLineError(rg(operator, "gate", "--policy", "Bad Name"), 2);
    assertOneLineError(rg(operator, "gate", "--rollout", "../etc"), 2);
    var missing = rg(operator, "gate", "--policy", "does-not-exist");
    assertOneLineError(missing, 2);
    assertThat(missing.err()).contains("does not exist").contains("(HTTP 404)");
    var forbidden = rg(viewer, "gate", "--policy", "does-not-exist");
    assertOneLineError(forbidden, 2);
    assertThat(forbidden.err()).contains("(HTTP 403)");
    int closed;
    try (var s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    var down = rg(operator, "gate", "--policy", "p", "--server", "http://127.0.0.1:" + closed);
    assertOneLineError(down, 2);
    assertThat(down.err()).contains("cannot reach Rollgate");
  }

  @Test
  void the_prometheus_textfile_is_what_promtool_accepts_and_names_the_figures() throws Exception {
    String p = policy("{\"x\":0}");
    proposals(p, "prom", 19, 1);
    String scenario = "cli-sc-" + N.incrementAndGet();
    server.send("POST", "/api/v1/scenarios", operator, "{\"id\":\"" + scenario + "\",\"minRuns\":2}");
    Path file = tmp.resolve("gate.prom");
    Files.writeString(file, "stale\n");
    Result r = rg(operator, "gate", "--policy", p, "--session", "prom", "--scenario", scenario, "--strict",
        "--prometheus-out", file.toString());
    assertThat(r.exit()).as("%s", r).isEqualTo(1); // the scenario has no runs
    String text = Files.readString(file);
    String g = "gate=\"scenario:" + scenario + " apply-stats:" + p + "\"";
    assertThat(text)
        .contains("rollgate_gate_verdict{" + g + ",verdict=\"FAIL\"} 1\n")
        .contains("rollgate_gate_verdict{" + g + ",verdict=\"PASS\"} 0\n")
        .contains("rollgate_gate_strict{" + g + "} 1\n")
        .contains("rollgate_gate_full_apply_ratio{" + g + ",policy=\"" + p + "\",session=\"prom\"} 0.95\n")
        .contains("rollgate_gate_apply_proposals{" + g + ",policy=\"" + p + "\",session=\"prom\"} 20\n")
        .contains("rollgate_gate_apply_applied{" + g + ",policy=\"" + p + "\",session=\"prom\"} 19\n")
        .contains("rollgate_gate_apply_partial_ok{" + g + ",policy=\"" + p + "\",session=\"prom\"} 1\n")
        .contains("rollgate_gate_apply_failed{" + g + ",policy=\"" + p + "\",session=\"prom\"} 0\n")
        .contains("rollgate_gate_apply_signature_stuck{" + g + ",policy=\"" + p + "\",session=\"prom\"} 0\n")
        .contains("rollgate_gate_scenario_eligible{" + g + ",scenario=\"" + scenario + "\"} 0\n");
    try (var dir = Files.list(tmp)) {
      assertThat(dir).as("no temporary file left").containsExactly(file);
    }
    assertThat(promtool(text)).isEmpty();
  }

  /** 002's test_soak_gate_with_delta_verify: the mini-soak runs, exports its figures and passes the strict gate. */
  @Test
  void a_mock_mini_soak_on_the_given_server_passes_the_strict_gate_and_exports_its_figures() throws Exception {
    String p = "mini-soak-" + N.incrementAndGet();
    Path file = tmp.resolve("soak.prom");
    Result r = rg(operator, "soak", "run", "--policy", p, "--iterations", "10", "--mock", "--session", "mini",
        "--strict", "--prometheus-out", file.toString());
    assertThat(r.exit()).as("%s", r).isZero();
    assertThat(r.err()).contains("mock: created policy '" + p + "'");
    assertThat(r.err().lines().filter(l -> l.startsWith("soak mini ["))).hasSize(10)
        .allSatisfy(l -> assertThat(l).contains(" applied v"));
    assertThat(r.out()).contains("apply statistics: 10 of 10 applied (100.0%), 0 skipped by a guard, 0 failed, "
        + "0 stuck signatures").contains("gate PASS (strict)");
    assertThat(Files.readString(file)).contains("rollgate_gate_full_apply_ratio{gate=\"apply-stats:" + p
        + "\",policy=\"" + p + "\",session=\"mini\"} 1.0");
    assertThat(promtool(Files.readString(file))).isEmpty();
    JsonNode stats = server.get("/api/v1/policies/" + p + "/apply-stats?session=mini", viewer).json();
    assertThat(stats.path("applied").asInt()).isEqualTo(10);
  }

  @Test
  void a_tuner_command_that_fails_or_prints_no_patch_counts_as_failed_and_the_soak_fails() {
    String p = policy("{\"x\":0}");
    // odd iterations propose x=i; even ones exit 3 or print garbage
    String cmd = "i=$ROLLGATE_ITERATION; if [ $((i % 4)) -eq 0 ]; then echo 'not json'; "
        + "elif [ $((i % 2)) -eq 0 ]; then echo boom >&2; exit 3; else cat >/dev/null; echo \"{\\\"x\\\": $i}\"; fi";
    Result r = rg(operator, "soak", "run", "--policy", p, "--iterations", "8", "--session", "flaky",
        "--tuner-command", cmd, "--json");
    assertThat(r.exit()).as("%s", r).isEqualTo(1);
    assertThat(r.err()).contains("[2/8] failed: tuner exited with 3: boom")
        .contains("[4/8] failed: tuner printed no JSON merge patch: not json")
        .contains("[1/8] applied v2: /x");
    JsonNode j = r.json();
    assertThat(j.path("verdict").asText()).isEqualTo("FAIL");
    assertThat(j.path("applyStats").path("proposals").asInt()).isEqualTo(8);
    assertThat(j.path("applyStats").path("applied").asInt()).isEqualTo(4);
    assertThat(j.path("applyStats").path("failed").asInt()).isEqualTo(4);
    // "not json" twice (iterations 4 and 8): the same failed proposal, stuck
    assertThat(j.path("applyStats").path("signatureStuck").asInt()).isEqualTo(1);
    assertThat(j.path("incident").path("outcome").asText()).isEqualTo("created");
  }

  /** 002's mini-soak as a user first meets it: no server, no token, one command. */
  @Test
  void a_mock_soak_without_a_server_runs_against_an_in_process_one_and_removes_it() {
    var out = new StringWriter();
    var err = new StringWriter();
    int exit = Main.run(new String[] {"soak", "run", "--policy", "runtime-overrides", "--iterations", "5", "--mock",
        "--session", "try"}, new PrintWriter(out, true), new PrintWriter(err, true), name -> null);
    assertThat(exit).as("%s%n%s", out, err).isZero();
    String said = err.toString();
    assertThat(said).contains("mock: started an in-process server at http://127.0.0.1:")
        .contains("mock: created policy 'runtime-overrides' with " + SoakCommand.MOCK_DOCUMENT);
    assertThat(said.lines().filter(l -> l.startsWith("soak try ["))).hasSize(5);
    assertThat(out.toString()).contains("5 of 5 applied (100.0%)").contains("gate PASS\n");
    String dir = said.lines().filter(l -> l.startsWith("mock: started")).findFirst().orElseThrow()
        .replaceAll(".*\\(data in (.*), removed afterwards\\)", "$1");
    assertThat(Path.of(dir)).doesNotExist();
  }

  @Test
  void soak_usage_errors_exit_2() {
    assertOneLineError(rg(operator, "soak", "run", "--policy", "p", "--iterations", "0", "--tuner", "builtin:walk"), 2);
    assertOneLineError(rg(operator, "soak", "run", "--policy", "p", "--iterations", "3"), 2);
    assertOneLineError(rg(operator, "soak", "run", "--policy", "p", "--iterations", "3", "--tuner", "builtin:nope"), 2);
    var missing = rg(operator, "soak", "run", "--policy", "nope", "--iterations", "3", "--tuner", "builtin:walk");
    assertOneLineError(missing, 2);
    assertThat(missing.err()).contains("(HTTP 404)");
  }

  private static String promtool(String text) throws Exception {
    var promtool = PrometheusBinaries.require("promtool");
    var p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
    try (var stdin = p.getOutputStream()) {
      stdin.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(said).isZero();
    return said;
  }
}
