package io.rollgate.server.playbook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The http-call action's request. Redirects are never followed (a redirect would leave the allow-list),
 * the timeout is the execution's (at most 30 s), header values are sent and never logged or returned,
 * and the answer is kept as its status and its first {@link #MAX_BODY} characters.
 */
final class HttpCaller {
  static final int MAX_BODY = 2_048;

  private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(10)).build();

  /** What the call got; {@code ok} is a 2xx. */
  record Answer(boolean ok, ObjectNode result) {}

  Answer call(ObjectNode params) {
    String url = params.get("url").asText();
    String method = params.get("method").asText();
    Duration timeout = Duration.ofSeconds(params.path("timeoutSeconds").asInt(10));
    String body = params.path("body").asText(null);
    HttpRequest.Builder b;
    try {
      b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
          .header("User-Agent", "rollgate-playbook");
      for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> h : params.path("headers").properties()) {
        b.header(h.getKey(), h.getValue().asText());
      }
    } catch (IllegalArgumentException e) { // a restricted header (Host, Content-Length, …) or a bad name
      return new Answer(false, Json.object().put("error", "the request cannot be built: " + e.getMessage()));
    }
    long started = System.nanoTime();
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      long ms = (System.nanoTime() - started) / 1_000_000;
      String text = r.body() == null ? "" : r.body();
      ObjectNode o = Json.object().put("status", r.statusCode()).put("durationMs", ms)
          .put("body", text.length() > MAX_BODY ? text.substring(0, MAX_BODY) : text)
          .put("bodyTruncated", text.length() > MAX_BODY);
      boolean ok = r.statusCode() / 100 == 2;
      if (!ok) {
        o.put("error", method + " " + url + " answered " + r.statusCode());
      }
      return new Answer(ok, o);
    } catch (IOException e) {
      return new Answer(false, Json.object().put("error", method + " " + url + " failed: " + e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(false, Json.object().put("error", method + " " + url + " was interrupted"));
    }
  }
}
