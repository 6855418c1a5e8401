package io.rollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What the propagation harnesses share: calling the server under test and reading the host's load. */
final class Harness {
  private Harness() {}

  static HttpClient http() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** A bearer-authenticated request with a JSON body, or none when {@code body} is null. */
  static HttpRequest request(String base, String method, String path, String token, String body) {
    var b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + token);
    if (body == null) {
      return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
    }
    return b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** Sends and checks the status: a harness that carries on after a failed call would measure nothing. */
  static JsonNode call(HttpClient http, String base, String method, String path, String token, String body,
      int expect) throws IOException, InterruptedException {
    return check(http.send(request(base, method, path, token, body), HttpResponse.BodyHandlers.ofString()), expect);
  }

  static JsonNode check(HttpResponse<String> resp, int expect) throws IOException {
    if (resp.statusCode() != expect) {
      throw new IOException(resp.request().method() + " " + resp.request().uri().getPath() + " answered "
          + resp.statusCode() + " (expected " + expect + "): " + resp.body());
    }
    return Json.mapper().readTree(resp.body());
  }

  static Duration ownCpu() {
    return ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** The 1, 5 and 15 minute load averages: a noisy machine is part of every figure's context. */
  static String loadavg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }
}
