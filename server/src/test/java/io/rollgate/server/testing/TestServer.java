package io.rollgate.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.server.RollgateServer;
import io.rollgate.server.http.AuthLimits;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.testing.MutableClock;
import io.rollgate.store.testing.TestDatabases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A Rollgate server started in-process on a free port, on a fresh SQLite data directory, with a
 * {@link MutableClock}, and a small HTTP client for it. Close it after use.
 */
public final class TestServer implements AutoCloseable {
  public static final String ADMIN_TOKEN = "test-admin-token-0123456789";

  private final RollgateServer server;
  private final MutableClock clock;
  private final Path dataDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private TestServer(RollgateServer server, MutableClock clock, Path dataDir) {
    this.server = server;
    this.clock = clock;
    this.dataDir = dataDir;
  }

  public static TestServer start() {
    return start(null);
  }

  /** @param dbUrl null for SQLite in a temp directory, or a PostgreSQL JDBC URL */
  public static TestServer start(String dbUrl) {
    return start(dbUrl, UnaryOperator.identity());
  }

  /** @param customize adjusts the test configuration (metrics token, attest interval, …) before start */
  public static TestServer start(String dbUrl, UnaryOperator<RollgateServer.Config> customize) {
    return start(dbUrl, customize, io.rollgate.server.notify.NotifySettings.NONE);
  }

  /** @param notifiers as rollgate.yaml would configure them */
  public static TestServer start(String dbUrl, UnaryOperator<RollgateServer.Config> customize,
      io.rollgate.server.notify.NotifySettings notifiers) {
    return start(dbUrl, customize, notifiers, io.rollgate.incident.playbook.PlaybookSettings.DEFAULTS);
  }

  /** @param playbooks as rollgate.yaml's playbooks section would configure them */
  public static TestServer start(String dbUrl, UnaryOperator<RollgateServer.Config> customize,
      io.rollgate.server.notify.NotifySettings notifiers, io.rollgate.incident.playbook.PlaybookSettings playbooks) {
    var clock = MutableClock.at("2025-01-01T00:00:00Z");
    Path dir = TestDatabases.newTempDir();
    var server = RollgateServer.start(customize.apply(new RollgateServer.Config("127.0.0.1", 0, dir, dbUrl, null,
        null, ADMIN_TOKEN, clock, JournalConfig.DEFAULTS, null,
        new RollgateServer.Loops(RollgateServer.Loops.DEFAULT_ATTEST_INTERVAL, java.time.Duration.ZERO),
        java.time.Duration.ZERO, AuthLimits.DEFAULTS, io.rollgate.server.events.EventsConfig.DEFAULTS)), notifiers,
        "rollgate.yaml", playbooks);
    return new TestServer(server, clock, dir);
  }

  public RollgateServer server() {
    return server;
  }

  public MutableClock clock() {
    return clock;
  }

  public Path dataDir() {
    return dataDir;
  }

  public int port() {
    return server.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /**
   * The journal head sequence number, read straight from the store, once the incident bridge has
   * committed the signals of earlier entries (it does so right after their commit, on its own thread).
   */
  public long journalHead() {
    if (!server.incidentBridge().awaitIdle(java.time.Duration.ofSeconds(30))) {
      throw new AssertionError("the incident bridge still has signals to commit after 30 s");
    }
    return server.journalReader().head().seq();
  }

  /** Creates a token of {@code role} directly in the store and returns its secret. */
  public String token(String name, String role) {
    return server.tokens().create(name, io.rollgate.store.token.Role.parse(role, "role"), "test").token();
  }

  public Response get(String path, String token) {
    return send("GET", path, token, (byte[]) null);
  }

  /**
   * Reports one interval's outcomes for {@code policy}'s active rollout as the SDKs would: the
   * candidate's counts, and the baseline's scaled to the current split (none at 100%), so that the
   * sample-ratio check sees a healthy split. A 409 means no rollout is active any more.
   */
  public Response reportOutcomes(String token, String policy, int success, int error) {
    var active = get("/api/v1/rollouts?policy=" + policy + "&active=true", token).json().path("rollouts");
    double pct = active.isEmpty() ? 100 : active.get(0).path("percentage").asDouble();
    double scale = (100 - pct) / pct;
    String candidate = "{\"policy\":\"" + policy + "\",\"variant\":\"candidate\",\"success\":" + success
        + ",\"error\":" + error + "}";
    String body = scale == 0 ? "[" + candidate + "]"
        : "[" + candidate + ",{\"policy\":\"" + policy + "\",\"variant\":\"baseline\",\"success\":"
            + Math.round(success * scale) + ",\"error\":" + Math.round(error * scale) + "}]";
    return send("POST", "/api/v1/outcomes", token, body);
  }

  public Response send(String method, String path, String token, String body) {
    return send(method, path, token, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  public Response send(String method, String path, String token, byte[] body) {
    var req = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    if (body == null) {
      req.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      req.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    }
    return send(req.build());
  }

  public Response send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A response with its body parsed lazily as JSON. */
  public record Response(int status, java.net.http.HttpHeaders headers, String body) {
    public JsonNode json() {
      try {
        return Json.mapper().readTree(body);
      } catch (IOException e) {
        throw new AssertionError("HTTP " + status + " body is not JSON: " + body, e);
      }
    }

    public Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    public String contentType() {
      return header("Content-Type").orElse("");
    }

    @Override
    public String toString() {
      return "HTTP " + status + " " + contentType() + " " + (body.length() > 500 ? body.substring(0, 500) + "…" : body);
    }
  }

  /** Stops the server and deletes its data directory. */
  @Override
  public void close() {
    server.close();
    try (var paths = java.nio.file.Files.walk(dataDir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }
}
