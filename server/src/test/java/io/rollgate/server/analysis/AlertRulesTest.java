package io.rollgate.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.rollgate.server.testing.PrometheusBinaries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The rollout alert rules shipped in {@code docs/prometheus/alerts.yml} are valid
 * ({@code promtool check rules}) and each fires when it should and not otherwise
 * ({@code promtool test rules} with {@code src/test/resources/prometheus/alerts_test.yml}).
 * Without promtool this fails rather than skips.
 */
class AlertRulesTest {
  private static final Path RULES = Path.of("docs", "prometheus", "alerts.yml");
  private static final Path UNIT_TESTS = Path.of("server", "src", "test", "resources", "prometheus", "alerts_test.yml");

  /** The repository root: Maven runs the tests in server/, an IDE may run them at the root. */
  private static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(RULES)) && Files.isRegularFile(dir.resolve(UNIT_TESTS))) {
        return dir;
      }
    }
    return fail("no " + RULES + " and " + UNIT_TESTS + " in " + Path.of("").toAbsolutePath() + " or its parents");
  }

  private record Run(int exit, String output) {}

  private static Run promtool(String... args) throws IOException, InterruptedException {
    var command = new java.util.ArrayList<String>();
    command.add(PrometheusBinaries.promtool().toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("promtool", ".out");
    try {
      Process p = new ProcessBuilder(command).directory(root().toFile())
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        fail(String.join(" ", command) + " did not finish in 120 s; output so far:\n" + Files.readString(out));
      }
      return new Run(p.exitValue(), Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  @Test
  void promtool_check_rules_accepts_the_four_rollout_alerts() throws Exception {
    Run r = promtool("check", "rules", RULES.toString());

    assertThat(r.exit()).as("promtool check rules exit code; it said:%n%s", r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: 4 rules found");
  }

  @Test
  void promtool_unit_tests_show_each_alert_firing_and_staying_quiet() throws Exception {
    Run r = promtool("test", "rules", UNIT_TESTS.toString());

    assertThat(r.exit()).as("promtool test rules exit code; it said:%n%s", r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void every_alert_in_the_rules_has_unit_tests_and_its_group_is_rollgate_rollouts() throws IOException {
    Path root = root();
    String rules = Files.readString(root.resolve(RULES));
    String tests = Files.readString(root.resolve(UNIT_TESTS));

    Set<String> alerts = names(Pattern.compile("(?m)^\\s*- alert: (\\w+)"), rules);
    assertThat(alerts).containsExactly("RollgateRolloutAwaitingApproval", "RollgateRolloutPaused",
        "RollgateRolloutRolledBack", "RollgateRolloutStuck");
    assertThat(names(Pattern.compile("(?m)^\\s*alertname: (\\w+)"), tests)).isEqualTo(alerts);
    assertThat(rules).containsPattern("(?m)^\\s*- name: rollgate-rollouts$");
  }

  private static Set<String> names(Pattern p, String text) {
    Set<String> out = new TreeSet<>();
    p.matcher(text).results().forEach(m -> out.add(m.group(1)));
    return out;
  }
}
