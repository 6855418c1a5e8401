package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The CLI's HTTP client: JSON in, JSON out, problem documents turned into one-line messages. */
final class ApiClient {
  private final URI base;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  ApiClient(String server, String token) {
    String s = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    try {
      this.base = URI.create(s);
      if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))) {
        throw new IllegalArgumentException("scheme must be http or https");
      }
    } catch (IllegalArgumentException e) {
      throw new CliException(2, "invalid --server '" + server + "': " + e.getMessage());
    }
    this.token = token;
  }

  /** One Server-Sent Events frame as received: the fields of one block up to its blank line. */
  record SseFrame(String id, String event, String data) {}

  /**
   * Opens an SSE stream and hands each frame to {@code frames} until it returns false or the stream
   * ends. Returns normally when the stream ends (the caller decides whether to reconnect); a 4xx or
   * 5xx answer is a {@link CliException} with the problem's detail, like every other request.
   */
  void stream(String path, String lastEventId, java.util.function.Predicate<SseFrame> frames) {
    var req = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/event-stream");
    if (token != null && !token.isBlank()) {
      req.header("Authorization", "Bearer " + token.strip());
    }
    if (lastEventId != null) {
      req.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<java.util.stream.Stream<String>> resp;
    try {
      resp = http.send(req.GET().build(), HttpResponse.BodyHandlers.ofLines());
    } catch (ConnectException e) {
      throw new CliException(2, "cannot reach Rollgate at " + base + " (connection refused); is `rollgate serve` "
          + "running? Set --server or ROLLGATE_URL");
    } catch (IOException e) {
      throw new CliException(2, "cannot talk to Rollgate at " + base + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(2, "interrupted");
    }
    try (var lines = resp.body()) {
      if (resp.statusCode() >= 400) {
        String body = String.join("\n", lines.toList());
        JsonNode json;
        try {
          json = Json.mapper().readTree(body);
        } catch (IOException e) {
          json = Json.object();
        }
        String field = json.path("field").asText(null);
        throw new CliException(2, "error: " + json.path("detail").asText("HTTP " + resp.statusCode())
            + (field == null ? "" : " [field: " + field + "]") + " (HTTP " + resp.statusCode() + ")",
            resp.statusCode());
      }
      String id = null;
      String event = null;
      StringBuilder data = null;
      var it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.isEmpty()) {
          if (id != null || event != null || data != null) {
            if (!frames.test(new SseFrame(id, event, data == null ? null : data.toString()))) {
              return;
            }
          }
          id = null;
          event = null;
          data = null;
        } else if (!line.startsWith(":")) {
          int colon = line.indexOf(':');
          String name = colon < 0 ? line : line.substring(0, colon);
          String value = colon < 0 ? "" : line.substring(colon + (line.startsWith(" ", colon + 1) ? 2 : 1));
          switch (name) {
            case "id" -> id = value;
            case "event" -> event = value;
            case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            default -> { } // retry: and unknown fields
          }
        }
      }
    } catch (java.io.UncheckedIOException e) {
      // the connection dropped mid-stream: the caller reconnects from the last id it saw
    }
  }

  JsonNode get(String path) {
    return send("GET", path, null);
  }

  JsonNode send(String method, String path, Object body) {
    var req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(70))
        .header("Accept", "application/json");
    if (token != null && !token.isBlank()) {
      req.header("Authorization", "Bearer " + token.strip());
    }
    if (body == null) {
      req.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      req.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (ConnectException e) {
      throw new CliException(2, "cannot reach Rollgate at " + base + " (connection refused); is `rollgate serve` "
          + "running? Set --server or ROLLGATE_URL");
    } catch (HttpTimeoutException e) {
      throw new CliException(2, "Rollgate at " + base + " did not answer in time");
    } catch (IOException e) {
      throw new CliException(2, "cannot talk to Rollgate at " + base + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(2, "interrupted");
    }
    JsonNode json;
    try {
      json = resp.body().isEmpty() ? Json.object() : Json.mapper().readTree(resp.body());
    } catch (IOException e) {
      throw new CliException(2, "unexpected non-JSON answer from " + base + path + " (HTTP " + resp.statusCode() + ")");
    }
    if (resp.statusCode() >= 400) {
      String detail = json.path("detail").asText(json.path("title").asText("HTTP " + resp.statusCode()));
      String field = json.path("field").asText(null);
      String hint = switch (resp.statusCode()) {
        case 401 -> " (set ROLLGATE_TOKEN; the first admin token is in <data-dir>/admin-token)";
        default -> "";
      };
      throw new CliException(2, "error: " + detail + (field == null ? "" : " [field: " + field + "]")
          + " (HTTP " + resp.statusCode() + ")" + hint);
    }
    return json;
  }
}
