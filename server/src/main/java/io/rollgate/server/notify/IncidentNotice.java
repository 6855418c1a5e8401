package io.rollgate.server.notify;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a notifier needs to know about an incident: the incident code builds one from its own model.
 *
 * @param severity sev1..sev4
 * @param policy the policy concerned, or null
 * @param url the incident's page or API resource in Rollgate
 */
public record IncidentNotice(String id, String kind, String severity, String title, String summary, String policy,
    String dedupKey, String state, long occurrences, Instant createdAt, String url) {
  public IncidentNotice {
    if (id == null || !id.matches("[A-Za-z0-9_.:-]{1,100}")) {
      throw new IllegalArgumentException("incident id must be 1-100 of A-Z a-z 0-9 _ . : -, got '" + id + "'");
    }
    Objects.requireNonNull(kind, "kind");
    if (severity == null || !severity.matches("sev[1-4]")) {
      throw new IllegalArgumentException("severity must be sev1..sev4, got '" + severity + "'");
    }
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(dedupKey, "dedupKey");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(url, "url");
  }

  /** The template variables under {@code incident.}; the names are documented in docs/operations/notifiers.md. */
  Map<String, Object> toContext() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("kind", kind);
    m.put("severity", severity);
    m.put("severityUpper", severity.toUpperCase(java.util.Locale.ROOT));
    m.put("title", title);
    m.put("summary", summary);
    m.put("policy", policy);
    m.put("dedupKey", dedupKey);
    m.put("state", state);
    m.put("occurrences", occurrences);
    m.put("createdAt", createdAt.toString());
    m.put("url", url);
    return m;
  }

  /** A plausible incident, for validating templates at load. */
  static IncidentNotice sample(String kind) {
    return new IncidentNotice("inc-1", kind, "sev2", "Sample incident", "A sample summary.", "checkout",
        "0123abcd", "open", 1, Instant.parse("2025-01-01T00:00:00Z"), "http://rollgate.example/api/v1/incidents/inc-1");
  }
}
