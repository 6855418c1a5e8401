package io.rollgate.server.notify;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code notifiers:} part of rollgate.yaml, validated. Secrets are written {@code ${ENV_VAR}} and
 * substituted at load; a missing variable, an unknown type or field, or a bad value fails the load
 * with a message naming the file, the notifier's index and the field (never the secret's value).
 *
 * @param templatesDir a directory whose {@code {sink}/{kind}.mustache} files replace the shipped ones; null for none
 */
public record NotifySettings(List<SinkSpec> sinks, Path templatesDir, Delivery delivery) {
  public static final NotifySettings NONE = new NotifySettings(List.of(), null, Delivery.DEFAULTS);

  public NotifySettings {
    sinks = List.copyOf(sinks);
    Objects.requireNonNull(delivery, "delivery");
    Set<String> ids = new HashSet<>();
    for (SinkSpec s : sinks) {
      if (!ids.add(s.id())) {
        throw new IllegalArgumentException("notifier id '" + s.id() + "' is used twice");
      }
    }
  }

  /**
   * How the delivery loop retries.
   *
   * @param requestTimeout per HTTP request (1 s to 5 min); a timeout is retried
   * @param maxAttempts attempts before a message is marked failed (1 to 1,000)
   * @param baseBackoff the first retry delay; doubled per attempt, with jitter, up to {@code maxBackoff}
   */
  public record Delivery(Duration requestTimeout, int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
    public static final Delivery DEFAULTS =
        new Delivery(Duration.ofSeconds(10), 20, Duration.ofSeconds(2), Duration.ofMinutes(10));

    public Delivery {
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      Objects.requireNonNull(baseBackoff, "baseBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      if (requestTimeout.toMillis() < 100 || requestTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException("requestTimeout must be between 100 ms and 5 min, got "
            + requestTimeout.toMillis() + " ms");
      }
      if (maxAttempts < 1 || maxAttempts > 1_000) {
        throw new IllegalArgumentException("maxAttempts must be between 1 and 1000, got " + maxAttempts);
      }
      if (baseBackoff.toMillis() < 1 || maxBackoff.compareTo(baseBackoff) < 0 || maxBackoff.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("backoff must satisfy 1 ms <= baseBackoff <= maxBackoff <= 1 day, got "
            + baseBackoff.toMillis() + " ms and " + maxBackoff.toMillis() + " ms");
      }
    }
  }

  private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  /** Loads {@code file} with variables from the process environment. */
  public static NotifySettings load(Path file) {
    return load(file, System::getenv);
  }

  /**
   * Loads {@code file}; {@code env} resolves {@code ${NAME}} (null when unset). Other top-level keys are
   * left to their own readers.
   */
  public static NotifySettings load(Path file, Function<String, String> env) {
    String name = file.toString();
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(Files.readString(file));
    } catch (JacksonException e) {
      throw new NotifyConfigException(name + ": not valid YAML at line " + e.getLocation().getLineNr() + ": "
          + e.getOriginalMessage());
    } catch (IOException e) {
      throw new NotifyConfigException(name + ": cannot read: " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return NONE;
    }
    if (!root.isObject()) {
      throw new NotifyConfigException(name + ": the document must be a mapping with a 'notifiers' list");
    }
    var ctx = new Reader(name, env);
    Path templates = null;
    if (root.hasNonNull("templates")) {
      String dir = ctx.text(root, "templates", "templates", true);
      Path base = file.toAbsolutePath().getParent();
      templates = base == null ? Path.of(dir) : base.resolve(dir);
      if (!Files.isDirectory(templates)) {
        throw new NotifyConfigException(name + ": templates: '" + dir + "' is not a directory");
      }
    }
    Delivery delivery = Delivery.DEFAULTS;
    if (root.hasNonNull("delivery")) {
      delivery = ctx.delivery(root.get("delivery"));
    }
    List<SinkSpec> sinks = new ArrayList<>();
    JsonNode list = root.get("notifiers");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new NotifyConfigException(name + ": notifiers must be a list");
      }
      Map<String, Integer> perType = new java.util.HashMap<>();
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        SinkSpec s = ctx.sink(list.get(i), i, perType);
        if (!ids.add(s.id())) {
          throw new NotifyConfigException(name + ": notifiers[" + i + "].id: '" + s.id()
              + "' is already used by another notifier; give each an id");
        }
        sinks.add(s);
      }
    }
    return new NotifySettings(sinks, templates, delivery);
  }

  /** Reads fields of one YAML node, naming file and path in every error. */
  private record Reader(String file, Function<String, String> env) {
    SinkSpec sink(JsonNode n, int index, Map<String, Integer> perType) {
      String at = "notifiers[" + index + "]";
      if (n == null || !n.isObject()) {
        throw fail(at, "must be a mapping with a 'type'");
      }
      String type = text(n, "type", at + ".type", true);
      Set<String> allowed = switch (type) {
        case "github" -> Set.of("type", "id", "url", "owner", "repo", "token", "labels");
        case "gitlab" -> Set.of("type", "id", "url", "project", "token", "labels");
        case "jira" -> Set.of("type", "id", "url", "email", "token", "project", "issueType", "labels");
        case "slack" -> Set.of("type", "id", "webhookUrl", "incidents", "rollouts");
        case "webhook" -> Set.of("type", "id", "url", "secret", "rollouts");
        default -> throw fail(at + ".type", "unknown notifier type '" + type
            + "'; known: github, gitlab, jira, slack, webhook");
      };
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!allowed.contains(f)) {
          throw fail(at + "." + f, "unknown field for a " + type + " notifier; allowed: " + new java.util.TreeSet<>(allowed));
        }
      }
      int nth = perType.merge(type, 1, Integer::sum);
      String id = n.has("id") ? text(n, "id", at + ".id", false) : (nth == 1 ? type : type + "-" + nth);
      if (!id.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
        throw fail(at + ".id", "must be 1-63 of a-z 0-9 _ - (it is stored with every message), got '" + id + "'");
      }
      try {
        return switch (type) {
          case "github" -> new SinkSpec.GitHub(id, url(n, at, "url", "https://api.github.com"),
              text(n, "owner", at + ".owner", false), text(n, "repo", at + ".repo", false),
              secret(n, "token", at), labels(n, at));
          case "gitlab" -> new SinkSpec.GitLab(id, url(n, at, "url", "https://gitlab.com"),
              text(n, "project", at + ".project", false), secret(n, "token", at), labels(n, at));
          case "jira" -> new SinkSpec.Jira(id, url(n, at, "url", null), text(n, "email", at + ".email", false),
              secret(n, "token", at), text(n, "project", at + ".project", false),
              n.has("issueType") ? text(n, "issueType", at + ".issueType", false) : "Bug", labels(n, at));
          case "slack" -> new SinkSpec.Slack(id, secret(n, "webhookUrl", at), bool(n, "incidents", at, true),
              bool(n, "rollouts", at, true));
          case "webhook" -> new SinkSpec.Webhook(id, url(n, at, "url", null), secret(n, "secret", at),
              bool(n, "rollouts", at, false));
          default -> throw new AssertionError(type);
        };
      } catch (IllegalArgumentException e) { // a record's own check: name the notifier
        throw fail(at + " (" + type + ")", e.getMessage());
      }
    }

    Delivery delivery(JsonNode n) {
      if (!n.isObject()) {
        throw fail("delivery", "must be a mapping");
      }
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("timeoutSeconds", "maxAttempts", "baseBackoffSeconds", "maxBackoffSeconds").contains(f)) {
          throw fail("delivery." + f, "unknown field; allowed: timeoutSeconds, maxAttempts, baseBackoffSeconds, maxBackoffSeconds");
        }
      }
      var d = Delivery.DEFAULTS;
      try {
        return new Delivery(Duration.ofMillis((long) (number(n, "timeoutSeconds", d.requestTimeout().toMillis() / 1000.0) * 1000)),
            (int) number(n, "maxAttempts", d.maxAttempts()),
            Duration.ofMillis((long) (number(n, "baseBackoffSeconds", d.baseBackoff().toMillis() / 1000.0) * 1000)),
            Duration.ofMillis((long) (number(n, "maxBackoffSeconds", d.maxBackoff().toMillis() / 1000.0) * 1000)));
      } catch (IllegalArgumentException e) {
        throw fail("delivery", e.getMessage());
      }
    }

    private double number(JsonNode n, String field, double dflt) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isNumber()) {
        throw fail("delivery." + field, "must be a number");
      }
      return v.asDouble();
    }

    String text(JsonNode n, String field, String at, boolean substitute) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        throw fail(at, "is required");
      }
      if (!v.isTextual() && !v.isNumber()) {
        throw fail(at, "must be a string");
      }
      String s = substitute ? substitute(v.asText(), at) : substitute(v.asText(), at);
      if (s.isBlank()) {
        throw fail(at, "must not be blank");
      }
      return s;
    }

    private Secret secret(JsonNode n, String field, String at) {
      return new Secret(text(n, field, at + "." + field, true));
    }

    private URI url(JsonNode n, String at, String field, String dflt) {
      String s = n.has(field) ? text(n, field, at + "." + field, true) : dflt;
      if (s == null) {
        throw fail(at + "." + field, "is required");
      }
      try {
        URI u = SinkSpec.requireHttp(field, s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        return u;
      } catch (IllegalArgumentException e) {
        throw fail(at + "." + field, e.getMessage());
      }
    }

    private boolean bool(JsonNode n, String field, String at, boolean dflt) {
      JsonNode v = n.get(field);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw fail(at + "." + field, "must be true or false");
      }
      return v.asBoolean();
    }

    private List<String> labels(JsonNode n, String at) {
      JsonNode v = n.get("labels");
      if (v == null || v.isNull()) {
        return List.of("incident");
      }
      if (!v.isArray()) {
        throw fail(at + ".labels", "must be a list of strings");
      }
      List<String> out = new ArrayList<>();
      for (int i = 0; i < v.size(); i++) {
        if (!v.get(i).isTextual() || v.get(i).asText().isBlank() || v.get(i).asText().contains(",")) {
          throw fail(at + ".labels[" + i + "]", "must be a non-blank string without commas");
        }
        out.add(v.get(i).asText());
      }
      return out;
    }

    /** Replaces every ${NAME}; a missing variable fails, naming it and where it is used. */
    private String substitute(String raw, String at) {
      Matcher m = ENV.matcher(raw);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = env.apply(m.group(1));
        if (value == null) {
          throw fail(at, "environment variable " + m.group(1) + " is not set");
        }
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
      return out.toString();
    }

    NotifyConfigException fail(String at, String message) {
      return new NotifyConfigException(file + ": " + at + ": " + message);
    }
  }
}
