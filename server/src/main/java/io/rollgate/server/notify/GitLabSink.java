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
import java.util.ArrayList;
import java.util.List;

/**
 * GitLab REST v4: {@code POST /api/v4/projects/:id/issues} with {@code PRIVATE-TOKEN} (201 with
 * {@code iid} and {@code web_url}; {@code labels} is a comma-separated string), notes on
 * {@code /issues/:iid/notes}; the lookup searches descriptions for the marker.
 */
final class GitLabSink extends HttpSink implements Tracker {
  private final SinkSpec.GitLab spec;

  GitLabSink(SinkSpec.GitLab spec, HttpClient client, Duration timeout, InstantSource clock) {
    super(spec.id(), client, timeout, clock, List.of(spec.token().reveal()));
    this.spec = spec;
  }

  @Override
  public String type() {
    return "gitlab";
  }

  private HttpRequest.Builder gitlab(String path) {
    String project = URLEncoder.encode(spec.project(), StandardCharsets.UTF_8); // group/project → group%2Fproject
    return request(URI.create(spec.url() + "/api/v4/projects/" + project + path))
        .header("PRIVATE-TOKEN", spec.token().reveal())
        .header("Accept", "application/json");
  }

  @Override
  public Attempt create(IncidentNotice incident, String title, String body) {
    List<String> labels = new ArrayList<>(spec.labels());
    labels.add(incident.severity());
    ObjectNode req = Json.object();
    req.put("title", title);
    String description = body + "\n\n<!-- " + Tracker.marker(incident.id()) + " -->\n";
    req.put("description", description.length() > 1_048_576 ? description.substring(0, 1_000_000) : description);
    req.put("labels", String.join(",", labels));
    return send(gitlab("/issues").header("Content-Type", "application/json").POST(json(req)).build(),
        "gitlab create issue", r -> {
          JsonNode n = Json.parse(r.body(), "/");
          return new Attempt.Delivered(n.get("iid").asText(), n.get("web_url").asText());
        });
  }

  @Override
  public Attempt comment(String iid, String body) {
    return send(gitlab("/issues/" + iid + "/notes").header("Content-Type", "application/json")
        .POST(json(Json.object().put("body", body))).build(), "gitlab note on #" + iid,
        r -> new Attempt.Delivered(iid, null));
  }

  @Override
  public Attempt find(String incidentId, Instant since) {
    String marker = Tracker.marker(incidentId);
    String q = "?in=description&per_page=20&created_after=" + URLEncoder.encode(since.toString(), StandardCharsets.UTF_8)
        + "&search=" + URLEncoder.encode(marker, StandardCharsets.UTF_8);
    return send(gitlab("/issues" + q).GET().build(), "gitlab find issue", r -> {
      for (JsonNode issue : Json.parse(r.body(), "/")) {
        if (issue.path("description").asText("").contains(marker)) {
          return new Attempt.Delivered(issue.get("iid").asText(), issue.get("web_url").asText());
        }
      }
      return new Attempt.NotFound();
    });
  }
}
