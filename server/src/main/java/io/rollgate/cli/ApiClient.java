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
