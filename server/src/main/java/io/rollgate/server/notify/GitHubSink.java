package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.List;

/**
 * GitHub REST: {@code POST /repos/{owner}/{repo}/issues} (201 with {@code number} and
 * {@code html_url}), comments on {@code /issues/{number}/comments}; the lookup lists the repository's
 * issues updated since the first attempt and looks for the marker, an HTML comment in the body.
 */
final class GitHubSink extends HttpSink implements Tracker {
  static final String API_VERSION = "2022-11-28";
  private final SinkSpec.GitHub spec;

  GitHubSink(SinkSpec.GitHub spec, HttpClient client, Duration timeout, InstantSource clock) {
    super(spec.id(), client, timeout, clock, List.of(spec.token().reveal()));
    this.spec = spec;
  }

  @Override
  public String type() {
    return "github";
  }

  private HttpRequest.Builder github(String path) {
    return request(URI.create(spec.url() + "/repos/" + spec.owner() + "/" + spec.repo() + path))
        .header("Authorization", "Bearer " + spec.token().reveal())
        .header("Accept", "application/vnd.github+json")
        .header("X-GitHub-Api-Version", API_VERSION);
  }

  @Override
  public Attempt create(IncidentNotice incident, String title, String body) {
    ObjectNode req = Json.object();
    req.put("title", title);
    req.put("body", body + "\n\n<!-- " + Tracker.marker(incident.id()) + " -->\n");
    var labels = req.putArray("labels");
    spec.labels().forEach(labels::add);
    labels.add(incident.severity());
    return send(github("/issues").header("Content-Type", "application/json").POST(json(req)).build(),
        "github create issue", r -> {
          JsonNode n = Json.parse(r.body(), "/");
          return new Attempt.Delivered(n.get("number").asText(), n.get("html_url").asText());
        });
  }

  @Override
  public Attempt comment(String number, String body) {
    ObjectNode req = Json.object().put("body", body);
    return send(github("/issues/" + number + "/comments").header("Content-Type", "application/json")
        .POST(json(req)).build(), "github comment on #" + number, r -> {
          JsonNode n = Json.parse(r.body(), "/");
          return new Attempt.Delivered(number, n.path("html_url").asText(null));
        });
  }

  @Override
  public Attempt find(String incidentId, Instant since) {
    String marker = Tracker.marker(incidentId);
    String q = "?state=all&sort=created&direction=desc&per_page=100&since="
        + URLEncoder.encode(since.toString(), StandardCharsets.UTF_8);
    return send(github("/issues" + q).GET().build(), "github find issue", r -> {
      for (JsonNode issue : Json.parse(r.body(), "/")) {
        if (!issue.has("pull_request") && issue.path("body").asText("").contains(marker)) {
          return new Attempt.Delivered(issue.get("number").asText(), issue.get("html_url").asText());
        }
      }
      return new Attempt.NotFound();
    });
  }
}
