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
    stream(path, lastEventId, frames, handle -> { });
  }

  /**
   * As {@link #stream(String, String, java.util.function.Predicate)}; {@code opened} gets a handle
   * that ends the stream from another thread (this call then returns), for a reader that would
   * otherwise wait for the next frame.
   */
  void stream(String path, String lastEventId, java.util.function.Predicate<SseFrame> frames,
      java.util.function.Consumer<AutoCloseable> opened) {
    var req = request(path, "text/event-stream");
    if (lastEventId != null) {
      req.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<java.util.stream.Stream<String>> resp = exchange(req.GET().build(), HttpResponse.BodyHandlers.ofLines());
    try (var lines = resp.body()) {
      opened.accept(lines::close);
      if (resp.statusCode() >= 400) {
        JsonNode json;
        try {
          json = Json.mapper().readTree(String.join("\n", lines.toList()));
        } catch (IOException e) {
          json = Json.object();
        }
        throw refusal(resp.statusCode(), json);
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
    var req = request(path, "application/json").timeout(Duration.ofSeconds(70));
    if (body == null) {
      req.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      req.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
    }
    HttpResponse<String> resp = exchange(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    JsonNode json;
    try {
      json = resp.body().isEmpty() ? Json.object() : Json.mapper().readTree(resp.body());
    } catch (IOException e) {
      throw new CliException(2, "unexpected non-JSON answer from " + base + path + " (HTTP " + resp.statusCode() + ")");
    }
    if (resp.statusCode() >= 400) {
      throw refusal(resp.statusCode(), json);
    }
    return json;
  }

  private HttpRequest.Builder request(String path, String accept) {
    var req = HttpRequest.newBuilder(URI.create(base + path)).header("Accept", accept);
    if (token != null && !token.isBlank()) {
      req.header("Authorization", "Bearer " + token.strip());
    }
    return req;
  }

  /** Sends, turning every way of not getting an answer into a one-line CLI error (exit 2). */
  private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> body) {
    try {
      return http.send(request, body);
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
  }

  /** A 4xx/5xx answer as a one-line error: the problem's detail, the field it names, and a hint for 401. */
  private static CliException refusal(int status, JsonNode problem) {
    String detail = problem.path("detail").asText(problem.path("title").asText("HTTP " + status));
    String field = problem.path("field").asText(null);
    String hint = status == 401 ? " (set ROLLGATE_TOKEN; the first admin token is in <data-dir>/admin-token)" : "";
    return new CliException(2, "error: " + detail + (field == null ? "" : " [field: " + field + "]")
        + " (HTTP " + status + ")" + hint, status);
  }
}
