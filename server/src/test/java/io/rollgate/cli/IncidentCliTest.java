package io.rollgate.cli;

import static io.rollgate.cli.CliTest.assertOneLineError;
import static io.rollgate.cli.CliTest.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code rollgate incident …} against an in-process server. */
class IncidentCliTest {
  private static TestServer server;
  private static String operator;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    operator = server.token("olga", "operator");
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

  private static long incident(String source, Severity sev) {
    return server.server().incidents().signal(new Signal(Kind.GATE_FAILURE, sev, source, "gate " + source + " failed",
        null)).incident().id();
  }

  @Test
  void list_show_and_every_lifecycle_action_with_and_without_json() {
    long id = incident("cli-checkout", Severity.SEV1);
    String sid = Long.toString(id);

    assertThat(ok(rg("incident", "list", "--state", "open")).out()).contains("gate cli-checkout failed")
        .contains("sev1").contains("gate_failure");
    assertThat(ok(rg("incident", "list", "--json", "--severity", "sev1")).json().path("incidents").get(0)
        .path("id").asLong()).isEqualTo(id);
    assertThat(ok(rg("incident", "ack", sid, "--reason", "on it")).out()).isEqualTo("incident " + id
        + " is acknowledged\n");
    assertThat(ok(rg("incident", "unack", sid, "--reason", "handing over")).out()).contains("is open");
    ok(rg("incident", "ack", sid, "--reason", "mine"));
    ok(rg("incident", "mitigate", sid, "--reason", "rolled back"));
    assertThat(ok(rg("incident", "resolve", sid, "--reason", "fixed", "--json")).json().path("state").asText())
        .isEqualTo("resolved");
    ok(rg("incident", "close", sid, "--reason", "post-mortem"));

    String shown = ok(rg("incident", "show", sid)).out();
    assertThat(shown).contains("incident " + id + "  sev1  closed  gate_failure 'cli-checkout'")
        .contains("open → acknowledged by olga: on it").contains("resolved → closed by olga: post-mortem");
    assertThat(ok(rg("incident", "show", sid, "--json")).json().path("transitions")).hasSize(7);
  }

  @Test
  void refusals_are_one_line_naming_the_states_or_the_input() {
    long id = incident("cli-refusals", Severity.SEV3);

    var illegal = rg("incident", "close", Long.toString(id), "--reason", "too early");
    assertOneLineError(illegal, 2);
    assertThat(illegal.err()).contains("cannot go from open to closed").contains("409");
    assertOneLineError(rg("incident", "show", "../policies"), 2);
    assertOneLineError(rg("incident", "show", "999999"), 2);
    var bad = rg("incident", "list", "--state", "burning");
    assertOneLineError(bad, 2);
    assertThat(bad.err()).contains("state");
    assertOneLineError(rg("incident", "ack", Long.toString(id), "--reason", " "), 2);
  }
}
