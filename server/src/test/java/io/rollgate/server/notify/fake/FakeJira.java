package io.rollgate.server.notify.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jira Cloud REST v3: basic auth email:api_token; {@code POST /rest/api/3/issue} needs
 * fields.project.key, issuetype.name, summary, and a description that is an Atlassian Document
 * (a string is refused as v3 refuses it); 400 {"errorMessages":[],"errors":{field: message}};
 * 201 {"id","key","self"}. Operations: {@code create}, {@code comment}, {@code search}.
 */
public final class FakeJira extends FakeServer {
  private final String project;
  private final String basic;
  private final List<ObjectNode> issues = new CopyOnWriteArrayList<>();
  private final List<ObjectNode> comments = new CopyOnWriteArrayList<>();
  private static final Pattern COMMENT = Pattern.compile("/rest/api/3/issue/([A-Z][A-Z0-9_]*-\\d+)/comment");
  private static final Pattern LABEL = Pattern.compile("labels = \"([^\"]+)\"");

  public FakeJira(String project, String email, String token) {
    this.project = project;
    this.basic = "Basic " + Base64.getEncoder().encodeToString((email + ":" + token).getBytes(StandardCharsets.UTF_8));
  }

  public List<ObjectNode> issues() {
    return List.copyOf(issues);
  }

  public List<ObjectNode> comments() {
    return List.copyOf(comments);
  }

  @Override
  protected String operation(Request r) {
    if (r.path().equals("/rest/api/3/issue") && r.method().equals("POST")) {
      return "create";
    }
    if (COMMENT.matcher(r.path()).matches() && r.method().equals("POST")) {
      return "comment";
    }
    return r.path().equals("/rest/api/3/search/jql") && r.method().equals("GET") ? "search" : null;
  }

  @Override
  protected Response notFound(Request r) {
    return Response.json(404, Map.of("errorMessages", List.of("Not Found"), "errors", Map.of()));
  }

  @Override
  protected Response handle(String op, Request r) {
    if (!basic.equals(r.header("Authorization"))) {
      return Response.json(401, Map.of("errorMessages", List.of("You are not authenticated. Authentication required to perform this operation."), "errors", Map.of()));
    }
    return switch (op) {
      case "create" -> create(r);
      case "comment" -> comment(r);
      default -> search(r);
    };
  }

  private static Response invalid(Map<String, String> errors) {
    return Response.json(400, Map.of("errorMessages", List.of(), "errors", errors));
  }

  static boolean isAdf(JsonNode d) {
    return d != null && d.isObject() && "doc".equals(d.path("type").asText()) && d.path("version").asInt() == 1
        && d.path("content").isArray();
  }

  private Response create(Request r) {
    JsonNode b = parse(r.body());
    if (b == null || !b.path("fields").isObject()) {
      return Response.json(400, Map.of("errorMessages", List.of("Unexpected character: the request body is not JSON"), "errors", Map.of()));
    }
    JsonNode f = b.get("fields");
    Map<String, String> errors = new LinkedHashMap<>();
    if (!project.equals(f.path("project").path("key").asText())) {
      errors.put("project", "valid project is required");
    }
    if (!f.path("issuetype").path("name").isTextual()) {
      errors.put("issuetype", "valid issue type is required");
    }
    if (!f.path("summary").isTextual() || f.path("summary").asText().isBlank()) {
      errors.put("summary", "You must specify a summary of the issue.");
    } else if (f.path("summary").asText().length() > 255) {
      errors.put("summary", "Summary must be less than 255 characters.");
    }
    if (f.has("description") && !isAdf(f.get("description"))) {
      errors.put("description", "Operation value must be an Atlassian Document (see the Atlassian Document Format)");
    }
    for (JsonNode l : f.path("labels")) {
      if (l.asText().contains(" ")) {
        errors.put("labels", "The label '" + l.asText() + "' contains spaces which is invalid.");
      }
    }
    if (!errors.isEmpty()) {
      return invalid(errors);
    }
    ObjectNode issue;
    synchronized (issues) {
      int n = 23 + issues.size() + 1;
      issue = Json.object().put("id", Integer.toString(10000 + n)).put("key", project + "-" + n)
          .put("self", baseUrl() + "/rest/api/3/issue/" + (10000 + n));
      ObjectNode stored = issue.deepCopy();
      stored.set("fields", f);
      issues.add(stored);
    }
    return Response.json(201, issue);
  }

  private Response comment(Request r) {
    Matcher m = COMMENT.matcher(r.path());
    m.matches();
    if (issues.stream().noneMatch(i -> i.get("key").asText().equals(m.group(1)))) {
      return Response.json(404, Map.of("errorMessages", List.of("Issue does not exist or you do not have permission to see it."), "errors", Map.of()));
    }
    JsonNode b = parse(r.body());
    if (b == null || !isAdf(b.get("body"))) {
      return invalid(Map.of("comment", "Comment body is not valid!"));
    }
    ObjectNode c = Json.object().put("id", Integer.toString(30000 + comments.size())).put("issue", m.group(1));
    c.set("body", b.get("body"));
    comments.add(c);
    return Response.json(201, c);
  }

  private Response search(Request r) {
    String jql = query(r.query()).getOrDefault("jql", "");
    Matcher m = LABEL.matcher(jql);
    String label = m.find() ? m.group(1) : null;
    var found = issues.stream().filter(i -> label != null
        && contains(i.path("fields").path("labels"), label))
        .map(i -> Json.object().put("id", i.get("id").asText()).put("key", i.get("key").asText())).toList();
    return Response.json(200, Map.of("issues", found, "isLast", true));
  }

  private static boolean contains(JsonNode arr, String v) {
    for (JsonNode n : arr) {
      if (n.asText().equals(v)) {
        return true;
      }
    }
    return false;
  }
}
