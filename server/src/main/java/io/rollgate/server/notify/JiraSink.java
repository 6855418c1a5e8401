package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;

/**
 * Jira Cloud REST v3: {@code POST /rest/api/3/issue} with basic auth {@code email:token} and the
 * description as an Atlassian Document (the rendered text split into paragraphs, lines joined by
 * hard breaks); comments on {@code /issue/{key}/comment}. The marker is a label
 * {@code rollgate-<incident id>}, found again with JQL on {@code /rest/api/3/search/jql}.
 */
final class JiraSink extends HttpSink implements Tracker {
  private final SinkSpec.Jira spec;
  private final String basic;

  JiraSink(SinkSpec.Jira spec, HttpClient client, Duration timeout, InstantSource clock) {
    super(spec.id(), client, timeout, clock, List.of(spec.token().reveal()));
    this.spec = spec;
    this.basic = "Basic " + Base64.getEncoder()
        .encodeToString((spec.email() + ":" + spec.token().reveal()).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String type() {
    return "jira";
  }

  static String label(String incidentId) {
    return "rollgate-" + incidentId;
  }

  private HttpRequest.Builder jira(String path) {
    return request(URI.create(spec.url() + "/rest/api/3" + path))
        .header("Authorization", basic)
        .header("Accept", "application/json");
  }

  /** Plain text as ADF: blank lines separate paragraphs, single newlines become hard breaks. */
  static ObjectNode adf(String text) {
    ObjectNode doc = Json.object().put("type", "doc").put("version", 1);
    ArrayNode content = doc.putArray("content");
    for (String para : text.strip().split("\\n\\s*\\n")) {
      ObjectNode p = content.addObject().put("type", "paragraph");
      ArrayNode inline = p.putArray("content");
      String[] lines = para.split("\\n");
      for (int i = 0; i < lines.length; i++) {
        if (i > 0) {
          inline.addObject().put("type", "hardBreak");
        }
        if (!lines[i].isEmpty()) {
          inline.addObject().put("type", "text").put("text", lines[i]);
        }
      }
    }
    return doc;
  }

  @Override
  public Attempt create(IncidentNotice incident, String title, String body) {
    ObjectNode req = Json.object();
    ObjectNode f = req.putObject("fields");
    f.putObject("project").put("key", spec.project());
    f.putObject("issuetype").put("name", spec.issueType());
    f.put("summary", title.length() > 255 ? title.substring(0, 254) + "…" : title);
    ArrayNode labels = f.putArray("labels");
    spec.labels().forEach(labels::add);
    labels.add(incident.severity());
    labels.add(label(incident.id()));
    f.set("description", adf(body));
    return send(jira("/issue").header("Content-Type", "application/json").POST(json(req)).build(),
        "jira create issue", r -> {
          JsonNode n = Json.parse(r.body(), "/");
          String key = n.get("key").asText();
          return new Attempt.Delivered(key, spec.url() + "/browse/" + key);
        });
  }

  @Override
  public Attempt comment(String key, String body) {
    ObjectNode req = Json.object();
    req.set("body", adf(body));
    return send(jira("/issue/" + key + "/comment").header("Content-Type", "application/json").POST(json(req)).build(),
        "jira comment on " + key, r -> new Attempt.Delivered(key, spec.url() + "/browse/" + key));
  }

  @Override
  public Attempt find(String incidentId, Instant since) {
    String jql = "project = \"" + spec.project() + "\" AND labels = \"" + label(incidentId) + "\"";
    String q = "?fields=key&maxResults=1&jql=" + URLEncoder.encode(jql, StandardCharsets.UTF_8);
    return send(jira("/search/jql" + q).GET().build(), "jira find issue", r -> {
      for (JsonNode issue : Json.parse(r.body(), "/").path("issues")) {
        String key = issue.get("key").asText();
        return new Attempt.Delivered(key, spec.url() + "/browse/" + key);
      }
      return new Attempt.NotFound();
    });
  }
}
