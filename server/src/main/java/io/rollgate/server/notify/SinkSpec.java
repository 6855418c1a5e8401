package io.rollgate.server.notify;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/** One notifier from rollgate.yaml. Every record validates itself and never prints its secret. */
public sealed interface SinkSpec {
  /** Unique among the notifiers; defaults to the type (then type-2, type-3, …). Stored in the outbox. */
  String id();

  String type();

  /** An issue tracker: one external issue per incident, updates as comments. */
  default boolean tracker() {
    return true;
  }

  /** {@code POST {url}/repos/{owner}/{repo}/issues}. {@code url} is https://api.github.com or a GitHub Enterprise API root. */
  record GitHub(String id, URI url, String owner, String repo, Secret token, List<String> labels) implements SinkSpec {
    public GitHub {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(url, "url");
      requireName("owner", owner);
      requireName("repo", repo);
      Objects.requireNonNull(token, "token");
      labels = List.copyOf(labels);
    }

    @Override
    public String type() {
      return "github";
    }
  }

  /** {@code POST {url}/api/v4/projects/{project}/issues}; {@code project} is a numeric id or a path like group/project. */
  record GitLab(String id, URI url, String project, Secret token, List<String> labels) implements SinkSpec {
    public GitLab {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(url, "url");
      if (project == null || project.isBlank()) {
        throw new IllegalArgumentException("project must be a numeric id or a path like group/project");
      }
      Objects.requireNonNull(token, "token");
      labels = List.copyOf(labels);
    }

    @Override
    public String type() {
      return "gitlab";
    }
  }

  /** {@code POST {url}/rest/api/3/issue} with basic auth {@code email:token}. */
  record Jira(String id, URI url, String email, Secret token, String project, String issueType, List<String> labels)
      implements SinkSpec {
    public Jira {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(url, "url");
      if (email == null || !email.contains("@")) {
        throw new IllegalArgumentException("email must be the Atlassian account's e-mail address");
      }
      Objects.requireNonNull(token, "token");
      if (project == null || !project.matches("[A-Z][A-Z0-9_]{0,9}")) {
        throw new IllegalArgumentException("project must be a Jira project key like OPS, got '" + project + "'");
      }
      if (issueType == null || issueType.isBlank()) {
        throw new IllegalArgumentException("issueType must not be blank");
      }
      for (String l : labels) {
        if (l.isBlank() || l.chars().anyMatch(Character::isWhitespace)) {
          throw new IllegalArgumentException("Jira labels cannot contain spaces, got '" + l + "'");
        }
      }
      labels = List.copyOf(labels);
    }

    @Override
    public String type() {
      return "jira";
    }
  }

  /** A Slack incoming webhook; the URL is the secret. {@code rollouts}: also post rollout stage changes and approval requests. */
  record Slack(String id, Secret webhookUrl, boolean incidents, boolean rollouts) implements SinkSpec {
    public Slack {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(webhookUrl, "webhookUrl");
      requireHttp("webhookUrl", webhookUrl.reveal());
    }

    @Override
    public String type() {
      return "slack";
    }

    @Override
    public boolean tracker() {
      return false;
    }
  }

  /** A generic JSON POST signed with HMAC-SHA256 of the body under {@code secret} (header X-Rollgate-Signature). */
  record Webhook(String id, URI url, Secret secret, boolean rollouts) implements SinkSpec {
    public Webhook {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(secret, "secret");
      if (secret.reveal().length() < 16) {
        throw new IllegalArgumentException("secret must be at least 16 characters, got " + secret.reveal().length());
      }
    }

    @Override
    public String type() {
      return "webhook";
    }

    @Override
    public boolean tracker() {
      return false;
    }
  }

  private static void requireName(String field, String value) {
    if (value == null || !value.matches("[A-Za-z0-9_.-]{1,100}")) {
      throw new IllegalArgumentException(field + " must be 1-100 of A-Z a-z 0-9 _ . -, got '" + value + "'");
    }
  }

  /** Validates an http(s) URL; the message never repeats a URL that may be a secret. */
  static URI requireHttp(String field, String value) {
    URI uri;
    try {
      uri = URI.create(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + " is not a valid URL");
    }
    if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException(field + " must be an absolute http(s) URL");
    }
    return uri;
  }
}
