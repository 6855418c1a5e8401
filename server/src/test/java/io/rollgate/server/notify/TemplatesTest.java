package io.rollgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.json.Json;
import io.rollgate.store.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rendered bodies against golden files (src/test/resources/notify/golden), and strictness at load. */
class TemplatesTest {
  static final IncidentNotice INC = Harness.incident("inc-42", 3, "open");

  static String golden(String name) throws IOException {
    try (InputStream in = TemplatesTest.class.getResourceAsStream("/notify/golden/" + name)) {
      assertThat(in).as("golden file " + name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  final Templates t = Templates.load("rollgate.yaml", null, Set.of("github", "gitlab", "jira", "slack"));

  @Test
  void github_rollout_regression_body() throws IOException {
    assertThat(t.title(INC)).isEqualTo("[SEV1] checkout p99 regressed");
    assertThat(t.incident("github", "opened", INC)).isEqualTo(golden("github-rollout_regression.md"));
  }

  @Test
  void jira_description_is_adf() throws IOException {
    String text = t.incident("jira", "opened", INC);
    assertThat(text).isEqualTo(golden("jira-rollout_regression.txt"));
    assertThat(Json.write(JiraSink.adf(text))).isEqualTo(golden("jira-rollout_regression.adf.json").strip());
  }

  @Test
  void slack_escapes_mrkdwn_and_renders_rollouts() throws IOException {
    var tricky = new IncidentNotice("inc-1", "gate_failure", "sev2", "a <b> & c", "x", null, "k", "open", 1,
        INC.createdAt(), "http://r/i/inc-1");
    assertThat(t.incident("slack", "opened", tricky)).isEqualTo(golden("slack-gate_failure.txt"));
    assertThat(t.render("slack/rollout", java.util.Map.of("rollout", RolloutMessages.sampleContext())))
        .isEqualTo(golden("slack-rollout.txt"));
  }

  @Test
  void an_unknown_kind_uses_the_default_template() {
    var other = new IncidentNotice("inc-1", "something_new", "sev3", "t", "s", null, "k", "open", 1, INC.createdAt(), "u");
    assertThat(t.incident("gitlab", "opened", other)).startsWith("## SEV3: Incident");
  }

  @Test
  void an_override_naming_an_unknown_variable_fails_at_load_naming_file_template_and_line() throws IOException {
    Path dir = TestDatabases.newTempDir();
    Files.createDirectories(dir.resolve("github"));
    Files.writeString(dir.resolve("github/budget.mustache"), "Budget\n\n{{incident.title}}\n{{incident.owner}}\n");
    assertThatThrownBy(() -> Templates.load("/etc/rollgate.yaml", dir, Set.of("github")))
        .isInstanceOf(NotifyConfigException.class)
        .hasMessage("/etc/rollgate.yaml: template " + dir.resolve("github/budget.mustache") + " line 4: unknown variable 'incident.owner'");
  }

  @Test
  void an_override_replaces_the_shipped_template() throws IOException {
    Path dir = TestDatabases.newTempDir();
    Files.createDirectories(dir.resolve("github"));
    Files.writeString(dir.resolve("github/rollout_regression.mustache"), "Custom {{incident.id}} for {{incident.policy}}");
    var custom = Templates.load("rollgate.yaml", dir, Set.of("github"));
    assertThat(custom.incident("github", "opened", INC)).isEqualTo("Custom inc-42 for checkout");
    assertThat(custom.incident("github", "opened", new IncidentNotice("i", "budget", "sev1", "t", "s", null, "k",
        "open", 1, INC.createdAt(), "u"))).startsWith("## SEV1: Budget exceeded");
  }

  @Test
  void a_syntax_error_fails_at_load() throws IOException {
    Path dir = TestDatabases.newTempDir();
    Files.createDirectories(dir.resolve("slack"));
    Files.writeString(dir.resolve("slack/updated.mustache"), "{{#incident.policy}}unclosed");
    assertThatThrownBy(() -> Templates.load("rollgate.yaml", dir, Set.of("slack")))
        .hasMessageStartingWith("rollgate.yaml: template " + dir.resolve("slack/updated.mustache") + ": ");
  }
}
