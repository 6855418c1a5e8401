package io.rollgate.cli;

import static io.rollgate.cli.CliTest.assertOneLineError;
import static io.rollgate.cli.CliTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.server.testing.TestServer;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rollgate scenario …}, {@code rollgate promotion …} and JUnit import against an in-process server. */
class EvidenceCliTest {
  private static TestServer server;
  private static String operator;

  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    operator = server.token("cici", "operator");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static CliTest.Result rg(String... args) {
    var all = new ArrayList<>(List.of(args));
    all.add("--server");
    all.add(server.baseUrl());
    return CliTest.run(Map.of("ROLLGATE_TOKEN", operator), all.toArray(String[]::new));
  }

  static Path fixture(String name) {
    try {
      return Path.of(EvidenceCliTest.class.getResource("/junit/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The Surefire fixture is the real report this build wrote for PromotionFlowTest
   * (server/target/surefire-reports/TEST-io.rollgate.server.evidence.PromotionFlowTest.xml, copied as
   * is): five test cases, all passed, with their times.
   */
  @Test
  void importing_the_real_surefire_report_of_this_build_and_a_pytest_report() {
    ok(rg("scenario", "create", "build-suite", "--min-runs", "10", "--tag", "ci"));
    var surefire = ok(rg("scenario", "import", "--scenario", "build-suite", "--junit",
        fixture("TEST-io.rollgate.server.evidence.PromotionFlowTest.xml").toString()));
    assertThat(surefire.out()).contains("TEST-io.rollgate.server.evidence.PromotionFlowTest.xml: 5 run(s), 5 passed, "
        + "0 failed\n").contains("imported 5 run(s) into scenario build-suite from 1 file(s): 5 passed, 0 failed")
        .contains("NOT ELIGIBLE: 5 of 10 required runs");

    var pytest = ok(rg("scenario", "import", "--scenario", "build-suite", "--json", "--junit",
        fixture("pytest-report.xml").toString()));
    var j = pytest.json();
    assertThat(j.path("recorded").asInt()).isEqualTo(5); // 6 cases, 1 skipped
    assertThat(j.path("skipped").asInt()).isEqualTo(1);
    assertThat(j.at("/files/0/failed").asInt()).isEqualTo(2); // a <failure> and an <error>
    assertThat(j.at("/eligibility/runs").asInt()).isEqualTo(10);
    assertThat(j.at("/eligibility/failures").asInt()).isEqualTo(2);
    assertThat(j.at("/eligibility/eligible").asBoolean()).isFalse(); // 20% > 10%

    assertThat(ok(rg("scenario", "show", "build-suite")).out()).contains("runs recorded: 10")
        .contains("NOT ELIGIBLE: failure rate 20.0% > 10.0%").contains("tags: ci");
    assertThat(rg("scenario", "eligibility", "build-suite").exit()).isEqualTo(1);

    // the runs are the test cases: durations from time, sources naming the file and the test
    var audit = server.get("/api/v1/audit?afterSeq=0&limit=1000", TestServer.ADMIN_TOKEN).json().toString();
    assertThat(audit).contains("TEST-io.rollgate.server.evidence.PromotionFlowTest.xml:io.rollgate.server.evidence."
        + "PromotionFlowTest.a_watched_promotion");
    assertThat(audit).contains("pytest-report.xml:tests.stress.test_stress_infrastructure.TestPromotionActions."
        + "test_rollback_promotion");
  }

  @Test
  void malformed_xml_is_exit_2_naming_the_file_and_line_and_imports_nothing() throws IOException {
    ok(rg("scenario", "create", "bad-xml"));
    Path good = fixture("pytest-report.xml");
    Path broken = Files.writeString(tmp.resolve("broken.xml"), """
        <?xml version="1.0"?>
        <testsuite name="x">
          <testcase name="a" time="0.1"/>
          <testcase name="b" time="0.1">
        </testsuite>
        """);
    var r = rg("scenario", "import", "--scenario", "bad-xml", "--junit", good.toString(), broken.toString());
    assertOneLineError(r, 2);
    assertThat(r.err()).contains("malformed JUnit XML in " + broken).contains("at line 5");
    assertThat(server.get("/api/v1/scenarios/bad-xml", operator).json().path("totalRuns").asInt()).isZero();

    Path html = Files.writeString(tmp.resolve("index.xml"), "<html><body/></html>");
    var notJunit = rg("scenario", "import", "--scenario", "bad-xml", "--junit", html.toString());
    assertOneLineError(notJunit, 2);
    assertThat(notJunit.err()).contains("is not a JUnit report: the root element is <html>");
  }

  @Test
  void an_external_entity_is_refused_not_resolved() throws IOException {
    ok(rg("scenario", "create", "xxe"));
    Path secret = Files.writeString(tmp.resolve("secret.txt"), "top-secret-value");
    Path evil = Files.writeString(tmp.resolve("evil.xml"), """
        <?xml version="1.0"?>
        <!DOCTYPE testsuite [ <!ENTITY leak SYSTEM "%s"> ]>
        <testsuite name="x"><testcase name="&leak;" time="0.1"/></testsuite>
        """.formatted(secret.toUri()));
    var r = rg("scenario", "import", "--scenario", "xxe", "--junit", evil.toString());
    assertOneLineError(r, 2);
    assertThat(r.err()).contains("malformed JUnit XML in " + evil).contains("at line 2").contains("DOCTYPE")
        .doesNotContain("top-secret-value");
    assertThat(server.get("/api/v1/scenarios/xxe", operator).json().path("totalRuns").asInt()).isZero();
  }

  @Test
  void bad_input_is_exit_2_with_one_line() {
    assertOneLineError(rg("scenario", "show", "../policies"), 2);
    assertOneLineError(rg("scenario", "show", "nope"), 2); // 404
    assertOneLineError(rg("scenario", "create", "x", "--max-failure-rate", "1.5"), 2);
    assertOneLineError(rg("scenario", "import", "--scenario", "nope", "--junit",
        fixture("pytest-report.xml").toString()), 2);
    assertOneLineError(rg("scenario", "import", "--scenario", "x", "--junit", tmp.resolve("missing.xml").toString()),
        2);
    assertOneLineError(rg("scenario", "run", "nope", "--passed", "--failed"), 2);
    assertOneLineError(rg("promotion", "show", "limits-0"), 2);
    assertOneLineError(rg("promotion", "rollback", "limits-9", "--reason", " "), 2);
    assertOneLineError(rg("promotion", "create", "--scenario", "s", "--policy", "p", "--delta", "{"), 2);
    assertOneLineError(rg("promotion", "create", "--scenario", "s", "--policy", "p", "--delta", "{}",
        "--watch", "{\"provider\":\"prometheus\",\"windowSeconds\":0}"), 2);
    var noServer = CliTest.run(Map.of(), "scenario", "list", "--server", "http://127.0.0.1:1");
    assertOneLineError(noServer, 2);
  }

  @Test
  void the_promotion_loop_through_the_cli_a_regression_scenario_blocks_re_promotion_until_eligible() {
    assertThat(server.send("PUT", "/api/v1/policies/cli-limits", TestServer.ADMIN_TOKEN,
        "{\"document\":{\"standard\":{\"max_wall_time_ms\":30000}}}").status()).isEqualTo(201);
    ok(rg("scenario", "create", "cli-sweep", "--min-runs", "3"));
    for (int i = 0; i < 3; i++) {
      ok(rg("scenario", "run", "cli-sweep", "--passed", "--duration-ms", "1200", "--source", "cli"));
    }
    assertThat(ok(rg("scenario", "eligibility", "cli-sweep")).out()).contains("ELIGIBLE");
    var promoted = ok(rg("promotion", "create", "--scenario", "cli-sweep", "--policy", "cli-limits",
        "--delta", "{\"standard\":{\"max_wall_time_ms\":45000}}", "--reason", "3 of 3 passed"));
    assertThat(promoted.out()).contains("promoted cli-limits-1: policy cli-limits version 1 → 2");

    var rolled = ok(rg("promotion", "rollback", "cli-limits-1", "--reason", "timeouts", "--regression-min-runs", "5"));
    assertThat(rolled.out()).contains("learned scenario cli-sweep-learned-1 guards the next promotion of cli-limits");
    var shown = ok(rg("promotion", "show", "cli-limits-1")).out();
    assertThat(shown).contains("rolled_back").contains("learned scenario: cli-sweep-learned-1").contains("timeouts");
    assertThat(ok(rg("promotion", "list", "--policy", "cli-limits")).out()).contains("rolled back: timeouts");

    String[] again = {"promotion", "create", "--scenario", "cli-sweep", "--policy", "cli-limits",
        "--delta", "{\"standard\":{\"max_wall_time_ms\":45000}}"};
    var blocked = rg(again);
    assertOneLineError(blocked, 2);
    assertThat(blocked.err()).contains("cli-sweep-learned-1").contains("0 of 5 required runs").contains("HTTP 409");
    for (int i = 0; i < 5; i++) {
      ok(rg("scenario", "run", "cli-sweep-learned-1", "--passed"));
    }
    assertThat(ok(rg(again)).out()).contains("promoted cli-limits-2");
    assertThat(ok(rg("promotion", "show", "cli-limits-2", "--json")).json().path("eligibility")).hasSize(2);
  }
}
