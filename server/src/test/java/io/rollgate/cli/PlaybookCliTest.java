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

/** {@code rollgate incident actions|dry-run|execute|approve|cancel|undo|history} against an in-process server. */
class PlaybookCliTest {
  private static TestServer server;
  private static String operator;
  private static String admin;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    operator = server.token("olga", "operator");
    admin = server.token("ada", "admin");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static CliTest.Result rg(String token, String... args) {
    var all = new ArrayList<>(List.of(args));
    all.add("--server");
    all.add(server.baseUrl());
    return CliTest.run(Map.of("ROLLGATE_TOKEN", token), all.toArray(String[]::new));
  }

  /** A policy with two versions and an incident on it. */
  private static String incident(String policy) {
    for (String doc : List.of("{\"level\":1}", "{\"level\":2}")) {
      assertThat(server.send("PUT", "/api/v1/policies/" + policy, TestServer.ADMIN_TOKEN, "{\"document\":" + doc + "}")
          .status()).isBetween(200, 201);
    }
    return Long.toString(server.server().incidents().signal(new Signal(Kind.VERIFICATION_FAILURE, Severity.SEV2,
        policy, policy + " failed", null)).incident().id());
  }

  @Test
  void list_dry_run_execute_approve_undo_and_history_with_and_without_json() {
    String id = incident("cli-pb");
    long head = server.journalHead();

    assertThat(ok(rg(operator, "incident", "actions", id)).out()).contains("freeze-policy").contains("revert-policy")
        .contains("{\"policy\":\"cli-pb\",\"toVersion\":1}");
    String dry = ok(rg(operator, "incident", "dry-run", id, "revert-policy", "-p", "policy=cli-pb", "-p",
        "toVersion=1")).out();
    assertThat(dry).startsWith("revert-policy on policy:cli-pb: risk high, needs an approval by another admin")
        .contains("  - policy 'cli-pb': version 2 → 3 with the content of version 1");
    assertThat(server.journalHead()).isEqualTo(head);

    var requested = ok(rg(operator, "incident", "execute", id, "revert-policy", "--params",
        "{\"policy\":\"cli-pb\",\"toVersion\":1}", "--reason", "level 2 broke it", "--json")).json();
    assertThat(requested.path("state").asText()).isEqualTo("awaiting_approval");
    String exec = requested.path("id").asText();
    var own = rg(operator, "incident", "approve", id, exec, "--reason", "mine");
    assertOneLineError(own, 2);
    assertThat(own.err()).contains("403");
    assertThat(ok(rg(admin, "incident", "approve", id, exec, "--reason", "agreed")).out())
        .startsWith("execution " + exec + " (revert-policy on policy:cli-pb): succeeded; undo with `rollgate incident undo "
            + id + " " + exec);

    String freeze = ok(rg(operator, "incident", "execute", id, "freeze-policy", "-p", "policy=cli-pb", "--reason",
        "hold", "--json")).json().path("id").asText();
    assertThat(ok(rg(operator, "incident", "undo", id, freeze, "--reason", "over")).out())
        .contains("(unfreeze-policy on policy:cli-pb): succeeded");
    String history = ok(rg(operator, "incident", "history", id)).out();
    assertThat(history).contains("revert-policy on policy:cli-pb): succeeded")
        .contains("awaiting_approval → running by ada: agreed");
    assertThat(ok(rg(operator, "incident", "history", id, "--json")).json().path("executions")).hasSize(3);
  }

  @Test
  void bad_input_exits_2_with_one_line_and_sends_nothing() {
    String id = incident("cli-pb-bad");
    long head = server.journalHead();

    for (List<String> args : List.of(
        List.of("incident", "actions", "../x"),
        List.of("incident", "dry-run", id, "reboot-prod", "-p", "policy=cli-pb-bad"),
        List.of("incident", "dry-run", id, "Not An Action"),
        List.of("incident", "dry-run", id, "freeze-policy", "--params", "{not json"),
        List.of("incident", "dry-run", id, "freeze-policy", "--params", "[1]"),
        List.of("incident", "dry-run", id, "set-percentage", "-p", "rollout=x-1", "-p", "percentage=300"),
        List.of("incident", "execute", id, "freeze-policy", "-p", "policy=cli-pb-bad"),
        List.of("incident", "execute", id, "freeze-policy", "-p", "policy=cli-pb-bad", "--reason", " "),
        List.of("incident", "approve", id, "abc", "--reason", "x"),
        List.of("incident", "approve", id, "999", "--reason", "x"),
        List.of("incident", "history", "999999"))) {
      assertOneLineError(rg(admin, args.toArray(String[]::new)), 2);
    }
    var schema = rg(operator, "incident", "dry-run", id, "freeze-policy");
    assertThat(schema.err()).contains("params.policy");
    assertThat(server.journalHead()).isEqualTo(head);
  }
}
