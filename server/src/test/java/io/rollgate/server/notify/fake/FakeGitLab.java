package io.rollgate.server.notify.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitLab REST v4 issues: {@code /api/v4/projects/:id/issues} with :id numeric or the URL-encoded path;
 * {@code PRIVATE-TOKEN} or {@code Authorization: Bearer} (401 {"message":"401 Unauthorized"});
 * {@code title} required (400 {"error":"title is missing"}); {@code labels} a comma-separated string;
 * 201 with iid, web_url, references. Operations: {@code create}, {@code note}, {@code list}.
 */
public final class FakeGitLab extends FakeServer {
  private final String projectPath;
  private final String token;
  private final List<ObjectNode> issues = new CopyOnWriteArrayList<>();
  private final List<ObjectNode> notes = new CopyOnWriteArrayList<>();
  private final Pattern issuesPath;
  private final Pattern notesPath;

  public FakeGitLab(int projectId, String projectPath, String token) {
    this.projectPath = projectPath;
    this.token = token;
    String ids = "(?:" + projectId + "|" + Pattern.quote(URLEncoder.encode(projectPath, StandardCharsets.UTF_8)) + ")";
    this.issuesPath = Pattern.compile("/api/v4/projects/" + ids + "/issues");
    this.notesPath = Pattern.compile("/api/v4/projects/" + ids + "/issues/(\\d+)/notes");
  }

  public List<ObjectNode> issues() {
    return List.copyOf(issues);
  }

  public List<ObjectNode> notes() {
    return List.copyOf(notes);
  }

  @Override
  protected String operation(Request r) {
    if (issuesPath.matcher(r.path()).matches()) {
      return r.method().equals("POST") ? "create" : r.method().equals("GET") ? "list" : null;
    }
    return notesPath.matcher(r.path()).matches() && r.method().equals("POST") ? "note" : null;
  }

  @Override
  protected Response notFound(Request r) {
    return Response.json(404, Map.of("message", "404 Project Not Found"));
  }

  @Override
  protected Response handle(String op, Request r) {
    if (!token.equals(r.header("PRIVATE-TOKEN")) && !("Bearer " + token).equals(r.header("Authorization"))) {
      return Response.json(401, Map.of("message", "401 Unauthorized"));
    }
    return switch (op) {
      case "create" -> create(r);
      case "note" -> note(r);
      default -> list(r);
    };
  }

  private Response create(Request r) {
    JsonNode b = parse(r.body());
    if (b == null || !b.isObject()) {
      return Response.json(400, Map.of("error", "400 Bad request - body is not valid JSON"));
    }
    if (!b.path("title").isTextual() || b.path("title").asText().isBlank()) {
      return Response.json(400, Map.of("error", "title is missing"));
    }
    if (b.has("labels") && !b.get("labels").isTextual()) {
      return Response.json(400, Map.of("error", "labels is invalid"));
    }
    if (b.path("description").asText("").length() > 1_048_576) {
      return Response.json(400, Map.of("message", Map.of("description", List.of("is too long (maximum is 1048576 characters)"))));
    }
    ObjectNode issue;
    synchronized (issues) {
      int iid = 13 + issues.size() + 1;
      issue = Json.object().put("id", 70 + iid).put("iid", iid).put("project_id", 4).put("title", b.get("title").asText())
          .put("description", b.path("description").asText("")).put("state", "opened")
          .put("web_url", "https://gitlab.example.com/" + projectPath + "/-/issues/" + iid);
      issue.putArray("labels").addAll(
          java.util.Arrays.stream(b.path("labels").asText("").split(",")).filter(s -> !s.isBlank())
              .map(Json.mapper().getNodeFactory()::textNode).toList());
      issue.putObject("references").put("short", "#" + iid).put("full", projectPath + "#" + iid);
      issues.add(issue);
    }
    return Response.json(201, issue);
  }

  private Response note(Request r) {
    Matcher m = notesPath.matcher(r.path());
    m.matches();
    int iid = Integer.parseInt(m.group(1));
    if (issues.stream().noneMatch(i -> i.get("iid").asInt() == iid)) {
      return Response.json(404, Map.of("message", "404 Issue Not Found"));
    }
    JsonNode b = parse(r.body());
    if (b == null || !b.path("body").isTextual() || b.path("body").asText().isBlank()) {
      return Response.json(400, Map.of("error", "body is missing"));
    }
    ObjectNode n = Json.object().put("id", 500 + notes.size()).put("body", b.get("body").asText()).put("noteable_iid", iid);
    notes.add(n);
    return Response.json(201, n);
  }

  private Response list(Request r) {
    var q = query(r.query());
    String search = q.getOrDefault("search", "");
    var out = issues.stream().filter(i -> (i.get("title").asText() + " " + i.get("description").asText()).contains(search))
        .toList();
    return Response.json(200, out);
  }
}
