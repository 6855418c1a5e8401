package io.rollgate.server.notify.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitHub's issues REST API as reference/incidents.md §3 states it: Bearer token, a User-Agent (else 403),
 * Accept application/vnd.github+json, X-GitHub-Api-Version 2022-11-28; {@code title} required (422
 * "Validation Failed" otherwise); 201 with Location, number, html_url and x-ratelimit-* headers.
 * Operations: {@code create}, {@code comment}, {@code list}.
 */
public final class FakeGitHub extends FakeServer {
  private static final String DOCS = "https://docs.github.com/rest/issues/issues#create-an-issue";
  private final String owner;
  private final String repo;
  private final String token;
  private final List<ObjectNode> issues = new CopyOnWriteArrayList<>();
  private final List<ObjectNode> comments = new CopyOnWriteArrayList<>();
  private final Pattern issuesPath;
  private final Pattern commentsPath;

  public FakeGitHub(String owner, String repo, String token) {
    this.owner = owner;
    this.repo = repo;
    this.token = token;
    this.issuesPath = Pattern.compile("/repos/" + Pattern.quote(owner) + "/" + Pattern.quote(repo) + "/issues");
    this.commentsPath = Pattern.compile("/repos/" + Pattern.quote(owner) + "/" + Pattern.quote(repo)
        + "/issues/(\\d+)/comments");
  }

  public List<ObjectNode> issues() {
    return List.copyOf(issues);
  }

  public List<ObjectNode> comments() {
    return List.copyOf(comments);
  }

  @Override
  protected String operation(Request r) {
    if (issuesPath.matcher(r.path()).matches()) {
      return r.method().equals("POST") ? "create" : r.method().equals("GET") ? "list" : null;
    }
    if (commentsPath.matcher(r.path()).matches() && r.method().equals("POST")) {
      return "comment";
    }
    return null;
  }

  @Override
  protected Response handle(String op, Request r) {
    if (r.header("User-Agent") == null || r.header("User-Agent").isBlank()) {
      return Response.json(403, Map.of("message", "Request forbidden by administrative rules. Please make sure your "
          + "request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."));
    }
    if (!("Bearer " + token).equals(r.header("Authorization"))) {
      return Response.json(401, Map.of("message", "Bad credentials", "documentation_url", "https://docs.github.com/rest",
          "status", "401"));
    }
    if (!"application/vnd.github+json".equals(r.header("Accept"))) {
      return Response.json(415, Map.of("message", "Unsupported 'Accept' header: " + r.header("Accept")));
    }
    if (!"2022-11-28".equals(r.header("X-GitHub-Api-Version"))) {
      return Response.json(400, Map.of("message", "Unsupported API version " + r.header("X-GitHub-Api-Version")));
    }
    return switch (op) {
      case "create" -> create(r);
      case "comment" -> comment(r);
      default -> list(r);
    };
  }

  private static Map<String, String> rateHeaders() {
    return Map.of("x-ratelimit-limit", "5000", "x-ratelimit-remaining", "4990", "x-ratelimit-used", "10",
        "x-ratelimit-reset", "1735693200", "x-ratelimit-resource", "core");
  }

  private static Response invalid(String field, String code) {
    return Response.json(422, Map.of("message", "Validation Failed", "errors",
        List.of(Map.of("resource", "Issue", "code", code, "field", field)), "documentation_url", DOCS, "status", "422"));
  }

  private Response create(Request r) {
    if (!r.header("Content-Type").startsWith("application/json")) {
      return Response.json(415, Map.of("message", "Content-Type must be application/json"));
    }
    JsonNode b = parse(r.body());
    if (b == null || !b.isObject()) {
      return Response.json(400, Map.of("message", "Problems parsing JSON", "documentation_url", DOCS, "status", "400"));
    }
    if (!b.path("title").isTextual() || b.path("title").asText().isBlank()) {
      return invalid("title", "missing_field");
    }
    if (b.has("body") && !b.get("body").isTextual()) {
      return invalid("body", "invalid");
    }
    if (b.has("labels") && (!b.get("labels").isArray() || !allText(b.get("labels")))) {
      return invalid("labels", "invalid");
    }
    ObjectNode issue;
    synchronized (issues) {
      int number = 1346 + issues.size() + 1;
      issue = Json.object().put("id", 1000 + number).put("node_id", "I_" + number).put("number", number)
          .put("state", "open").put("title", b.get("title").asText()).put("body", b.path("body").asText(""))
          .put("url", baseUrl() + "/repos/" + owner + "/" + repo + "/issues/" + number)
          .put("html_url", "https://github.com/" + owner + "/" + repo + "/issues/" + number)
          .put("updated_at", java.time.Instant.now().toString());
      issue.set("labels", b.has("labels") ? b.get("labels") : Json.mapper().createArrayNode());
      issues.add(issue);
    }
    var headers = new java.util.HashMap<>(rateHeaders());
    headers.put("Location", issue.get("url").asText());
    return Response.json(201, issue, headers);
  }

  private Response comment(Request r) {
    Matcher m = commentsPath.matcher(r.path());
    m.matches();
    int number = Integer.parseInt(m.group(1));
    if (issues.stream().noneMatch(i -> i.get("number").asInt() == number)) {
      return Response.json(404, Map.of("message", "Not Found", "documentation_url", DOCS, "status", "404"));
    }
    JsonNode b = parse(r.body());
    if (b == null || !b.path("body").isTextual() || b.path("body").asText().isBlank()) {
      return Response.json(422, Map.of("message", "Validation Failed", "errors",
          List.of(Map.of("resource", "IssueComment", "code", "missing_field", "field", "body"))));
    }
    ObjectNode c = Json.object().put("id", 9000 + comments.size()).put("issue", number).put("body", b.get("body").asText())
        .put("html_url", "https://github.com/" + owner + "/" + repo + "/issues/" + number + "#issuecomment-" + (9000 + comments.size()));
    comments.add(c);
    return Response.json(201, c, rateHeaders());
  }

  private Response list(Request r) {
    List<ObjectNode> out = new ArrayList<>(issues);
    java.util.Collections.reverse(out); // sort=created&direction=desc
    int perPage = Integer.parseInt(query(r.query()).getOrDefault("per_page", "30"));
    return Response.json(200, out.subList(0, Math.min(perPage, out.size())), rateHeaders());
  }

  private static boolean allText(JsonNode a) {
    for (JsonNode n : a) {
      if (!n.isTextual()) {
        return false;
      }
    }
    return true;
  }
}
