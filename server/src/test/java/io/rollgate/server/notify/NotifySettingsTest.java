package io.rollgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.store.testing.TestDatabases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NotifySettingsTest {
  static final Map<String, String> ENV = Map.of("GITHUB_TOKEN", "ghp_secret_value_123456",
      "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T1/B1/secretpart", "HOOK_SECRET", "0123456789abcdef0123");

  static Path file(String yaml) throws IOException {
    Path f = TestDatabases.newTempDir().resolve("rollgate.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void the_issue_example_loads_with_secrets_substituted_and_never_printed() throws IOException {
    Path f = file("""
        notifiers:
          - type: github        # also gitlab, jira, slack, webhook
            url: https://api.github.com
            owner: acme
            repo: ops
            token: ${GITHUB_TOKEN}
          - type: slack
            webhookUrl: ${SLACK_WEBHOOK_URL}
          - type: gitlab
            url: https://gitlab.example.com
            project: g/p
            token: ${GITHUB_TOKEN}
          - type: jira
            url: https://acme.atlassian.net
            email: ops@acme.com
            token: ${GITHUB_TOKEN}
            project: OPS
          - type: webhook
            url: https://hooks.example.com/rollgate
            secret: ${HOOK_SECRET}
        """);
    var s = NotifySettings.load(f, ENV::get);
    assertThat(s.sinks()).extracting(SinkSpec::id).containsExactly("github", "slack", "gitlab", "jira", "webhook");
    var gh = (SinkSpec.GitHub) s.sinks().get(0);
    assertThat(gh.token().reveal()).isEqualTo("ghp_secret_value_123456");
    assertThat(gh.labels()).containsExactly("incident");
    assertThat(s.toString()).doesNotContain("ghp_secret_value_123456").doesNotContain("secretpart")
        .doesNotContain("0123456789abcdef0123");
  }

  @Test
  void a_missing_variable_fails_naming_file_notifier_and_field() throws IOException {
    Path f = file("notifiers:\n  - type: github\n    owner: acme\n    repo: ops\n    token: ${NOPE_TOKEN}\n");
    assertThatThrownBy(() -> NotifySettings.load(f, ENV::get)).isInstanceOf(NotifyConfigException.class)
        .hasMessage(f + ": notifiers[0].token: environment variable NOPE_TOKEN is not set");
  }

  @Test
  void an_unknown_type_is_refused() throws IOException {
    Path f = file("notifiers:\n  - type: slack\n    webhookUrl: https://hooks.slack.com/x\n  - type: pagerduty\n");
    assertThatThrownBy(() -> NotifySettings.load(f, ENV::get))
        .hasMessage(f + ": notifiers[1].type: unknown notifier type 'pagerduty'; known: github, gitlab, jira, slack, webhook");
  }

  @Test
  void an_unknown_field_and_a_bad_value_name_index_and_field() throws IOException {
    Path f1 = file("notifiers:\n  - type: github\n    owner: acme\n    repo: ops\n    token: t\n    tokne: x\n");
    assertThatThrownBy(() -> NotifySettings.load(f1, ENV::get)).hasMessageStartingWith(f1 + ": notifiers[0].tokne: unknown field");
    Path f2 = file("notifiers:\n  - type: github\n    owner: 'ac me'\n    repo: ops\n    token: t\n");
    assertThatThrownBy(() -> NotifySettings.load(f2, ENV::get))
        .hasMessage(f2 + ": notifiers[0] (github): owner must be 1-100 of A-Z a-z 0-9 _ . -, got 'ac me'");
    Path f3 = file("notifiers:\n  - type: github\n    repo: ops\n    token: t\n");
    assertThatThrownBy(() -> NotifySettings.load(f3, ENV::get)).hasMessage(f3 + ": notifiers[0].owner: is required");
    Path f4 = file("notifiers:\n  - type: slack\n    webhookUrl: ${SLACK_WEBHOOK_URL}x y\n");
    assertThatThrownBy(() -> NotifySettings.load(f4, ENV::get)).hasMessageStartingWith(f4 + ": notifiers[0] (slack): webhookUrl")
        .hasMessageNotContaining("secretpart");
    Path f5 = file("notifiers:\n  - type: jira\n    url: https://a.atlassian.net\n    email: a@b.c\n    token: t\n    project: ops\n");
    assertThatThrownBy(() -> NotifySettings.load(f5, ENV::get)).hasMessageContaining("notifiers[0] (jira): project must be a Jira project key");
  }

  @Test
  void two_notifiers_of_a_type_get_distinct_ids_and_a_clash_is_refused() throws IOException {
    Path ok = file("notifiers:\n  - type: slack\n    webhookUrl: https://h/1\n  - type: slack\n    webhookUrl: https://h/2\n");
    assertThat(NotifySettings.load(ok, ENV::get).sinks()).extracting(SinkSpec::id).containsExactly("slack", "slack-2");
    Path clash = file("notifiers:\n  - type: slack\n    id: ops\n    webhookUrl: https://h/1\n  - type: github\n    id: ops\n"
        + "    owner: a\n    repo: b\n    token: t\n");
    assertThatThrownBy(() -> NotifySettings.load(clash, ENV::get)).hasMessageContaining("notifiers[1].id: 'ops' is already used");
  }

  @Test
  void broken_yaml_names_the_line() throws IOException {
    Path f = file("notifiers:\n  - type: github\n    owner: [unclosed\n");
    assertThatThrownBy(() -> NotifySettings.load(f, ENV::get)).hasMessageStartingWith(f + ": not valid YAML at line");
  }
}
