package io.rollgate.server.notify;

import com.samskivert.mustache.Escapers;
import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The message templates (jmustache), one per sink and incident kind, shipped under
 * {@code io/rollgate/server/notify/templates/} and overridable file by file from a directory. Strict:
 * a variable that does not exist fails — at load, where every template a configured sink can use is
 * rendered against a sample, so a typo stops the server instead of a notification.
 */
final class Templates {
  static final List<String> KINDS =
      List.of("rollout_regression", "gate_failure", "budget", "verification_failure", "attestation_failure");
  private static final String RESOURCES = "/io/rollgate/server/notify/templates/";

  private final String configFile;
  private final Path overrides;
  private final Map<String, Template> compiled = new HashMap<>();

  private Templates(String configFile, Path overrides) {
    this.configFile = configFile;
    this.overrides = overrides;
  }

  /** Compiles and test-renders every template the {@code sinkTypes} use; fails naming file, template and line. */
  static Templates load(String configFile, Path overrides, Set<String> sinkTypes) {
    var t = new Templates(configFile, overrides);
    var incident = Map.<String, Object>of("incident", IncidentNotice.sample("budget").toContext());
    for (String type : sinkTypes) {
      if (type.equals("webhook")) {
        continue; // JSON data, no template
      }
      if (!type.equals("slack")) {
        t.validate("title", incident);
      }
      for (String kind : KINDS) {
        t.validate(type + "/" + kind, incident);
      }
      t.validate(type + "/default", incident);
      t.validate(type + "/updated", incident);
      if (type.equals("slack")) {
        t.validate("slack/rollout", Map.of("rollout", RolloutMessages.sampleContext()));
      }
    }
    return t;
  }

  private void validate(String name, Map<String, Object> sample) {
    render(name, sample);
  }

  /** Renders the template for an incident message: {@code kind} for opened, {@code updated} for updates. */
  String incident(String sinkType, String message, IncidentNotice incident) {
    String name = message.equals("opened") ? (KINDS.contains(incident.kind()) ? incident.kind() : "default") : message;
    return render(sinkType + "/" + name, Map.of("incident", incident.toContext()));
  }

  String title(IncidentNotice incident) {
    return render("title", Map.of("incident", incident.toContext())).strip();
  }

  String render(String name, Map<String, Object> context) {
    Template t;
    synchronized (compiled) {
      t = compiled.get(name);
      if (t == null) {
        t = compile(name);
        compiled.put(name, t);
      }
    }
    try {
      return t.execute(context);
    } catch (MustacheException.Context e) {
      throw new NotifyConfigException(configFile + ": template " + where(name) + " line " + e.lineNo
          + ": unknown variable '" + e.key + "'");
    } catch (MustacheException e) {
      throw new NotifyConfigException(configFile + ": template " + where(name) + ": " + e.getMessage());
    }
  }

  private Template compile(String name) {
    String source = source(name);
    boolean slack = name.startsWith("slack/");
    Mustache.Compiler c = Mustache.compiler()
        .strictSections(false) // a section over a missing or null value is simply skipped …
        .nullValue("")         // … and a variable that is present but null renders empty; a missing one throws
        .withLoader(partial -> new StringReader(source(partial)));
    // Slack's mrkdwn needs & < > escaped; trackers take Markdown or plain text as written
    c = slack ? c.withEscaper(Escapers.simple(new String[][] {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}}))
        : c.escapeHTML(false);
    try {
      return c.compile(source);
    } catch (MustacheException e) {
      throw new NotifyConfigException(configFile + ": template " + where(name) + ": " + e.getMessage());
    }
  }

  private String source(String name) {
    if (overrides != null) {
      Path p = overrides.resolve(name + ".mustache");
      if (Files.isRegularFile(p)) {
        try {
          return Files.readString(p);
        } catch (IOException e) {
          throw new NotifyConfigException(configFile + ": template " + p + ": cannot read: " + e.getMessage(), e);
        }
      }
    }
    try (InputStream in = Templates.class.getResourceAsStream(RESOURCES + name + ".mustache")) {
      if (in == null) {
        throw new NotifyConfigException(configFile + ": template " + name + ".mustache does not exist"
            + (overrides == null ? "" : " in " + overrides + " nor") + " among the shipped templates");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new NotifyConfigException("template " + name + ": " + e.getMessage(), e);
    }
  }

  private String where(String name) {
    if (overrides != null && Files.isRegularFile(overrides.resolve(name + ".mustache"))) {
      return overrides.resolve(name + ".mustache").toString();
    }
    return name + ".mustache";
  }
}
