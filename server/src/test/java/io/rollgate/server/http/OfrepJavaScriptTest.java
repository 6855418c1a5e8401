package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A JavaScript application on the official OpenFeature server SDK with the official OFREP provider
 * (npm packages pinned in src/test/js/ofrep/package-lock.json, installed with {@code npm ci} into
 * target/) evaluates boolean, string, number and object flags for several subjects, and gets what
 * {@code /api/v1/evaluate} gives the same subjects, with reason SPLIT under a rollout and STATIC
 * outside one, and the caller's default with the error code when there is no value. Node.js and npm
 * missing: skipped on a developer machine, failed in CI (where .ci/run installs them).
 */
class OfrepJavaScriptTest {
  private static final Path SOURCE = Path.of("src/test/js/ofrep");
  private static final Path WORK = Path.of("target/ofrep-js");
  private static final String CHECKOUT = "{\"enabled\":false,\"theme\":\"light\",\"limits\":{\"max\":5}}";
  private static final String CANDIDATE = "{\"enabled\":true,\"theme\":\"dark\",\"limits\":{\"max\":9}}";
  private static final int SUBJECTS = 12;
  private static TestServer server;
  private static String viewer;
  private static String rolloutId;

  @BeforeAll
  static void start() throws Exception {
    executable("node");
    install(executable("npm"));
    server = TestServer.start();
    viewer = server.token("js-app", "viewer");
    put("checkout", CHECKOUT);
    put("banner", "{\"text\":\"hello\",\"weight\":1.5}");
    var r = server.send("POST", "/api/v1/rollouts", TestServer.ADMIN_TOKEN, "{\"policy\":\"checkout\",\"document\":"
        + CANDIDATE + ",\"stages\":[{\"name\":\"half\",\"percentage\":50,\"minDurationSeconds\":3600,"
        + "\"maxErrorRate\":0.01},{\"name\":\"full\",\"percentage\":100,\"maxErrorRate\":0.01}],\"reason\":\"js\"}");
    assertThat(r.status()).as("%s", r).isEqualTo(201);
    rolloutId = r.json().path("id").asText();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void the_official_javascript_provider_gets_what_api_v1_evaluate_gives_each_subject() throws Exception {
    ArrayNode evaluations = Json.mapper().createArrayNode();
    for (int i = 0; i < SUBJECTS; i++) {
      ObjectNode context = Json.object().put("targetingKey", "user-" + i).put("plan", "gold");
      evaluations.add(evaluation("boolean", "checkout.enabled", Json.mapper().getNodeFactory().booleanNode(false), context));
      evaluations.add(evaluation("string", "checkout.theme", Json.mapper().getNodeFactory().textNode("none"), context));
      evaluations.add(evaluation("number", "checkout.limits.max", Json.mapper().getNodeFactory().numberNode(-1), context));
      evaluations.add(evaluation("object", "checkout", Json.object(), context));
      evaluations.add(evaluation("string", "banner.text", Json.mapper().getNodeFactory().textNode("none"), context));
    }
    JsonNode out = run(plan(evaluations, Json.object().put("targetingKey", "user-3")));
    for (JsonNode e : out.path("evaluations")) { // what the application saw, one line per evaluation
      System.out.printf("js: %-20s %-8s -> %-28s %-9s %s%n", e.path("key").asText(), e.path("targetingKey").asText(),
          e.path("value"), e.path("variant").asText(), e.path("reason").asText());
    }
    System.out.println("js: bulk " + out.path("bulk").path("status") + " ETag " + out.path("bulk").path("etag").asText()
        + ", revalidated " + out.path("bulk").path("revalidated"));

    Set<String> variants = new HashSet<>();
    for (JsonNode e : out.path("evaluations")) {
      String subject = e.path("targetingKey").asText();
      String key = e.path("key").asText();
      String policy = key.substring(0, key.indexOf('.') < 0 ? key.length() : key.indexOf('.'));
      JsonNode api = server.get("/api/v1/evaluate/" + policy + "?subject=" + subject, viewer).json();
      JsonNode expected = key.equals(policy) ? api.path("value") : api.path("value").at("/" + key.substring(policy.length() + 1).replace('.', '/'));

      assertThat(e.path("errorCode").isNull()).as("%s", e).isTrue();
      assertThat(e.path("value")).as("%s for %s", key, subject).isEqualTo(expected);
      assertThat(e.path("variant").asText()).as("%s for %s", key, subject).isEqualTo(api.path("variant").asText());
      assertThat(e.path("flagMetadata").path("stateHash").asText()).isEqualTo(api.path("stateHash").asText());
      if (policy.equals("checkout")) {
        assertThat(e.path("reason").asText()).isEqualTo("SPLIT");
        assertThat(e.path("flagMetadata").path("rolloutId").asText()).isEqualTo(rolloutId);
        assertThat(e.path("flagMetadata").path("percentage").asInt()).isEqualTo(50);
        variants.add(e.path("variant").asText());
      } else {
        assertThat(e.path("reason").asText()).isEqualTo("STATIC");
        assertThat(e.path("flagMetadata").path("version").asInt()).isEqualTo(1);
      }
    }
    assertThat(out.path("evaluations")).hasSize(SUBJECTS * 5);
    assertThat(variants).as("%s subjects at 50%% land on both sides", SUBJECTS)
        .containsExactlyInAnyOrder("baseline", "candidate");

    // the bulk endpoint through the OFREP core library: both flags, then 304 with the ETag it sent
    JsonNode bulk = out.path("bulk");
    assertThat(bulk.path("status").asInt()).isEqualTo(200);
    assertThat(bulk.path("revalidated").asInt()).isEqualTo(304);
    assertThat(bulk.path("flags")).extracting(f -> f.path("key").asText()).containsExactly("banner", "checkout");
    assertThat(bulk.path("flags").get(1).path("value"))
        .isEqualTo(server.get("/api/v1/evaluate/checkout?subject=user-3", viewer).json().path("value"));
  }

  @Test
  void without_a_value_the_application_gets_its_own_default_and_the_ofrep_error_code() throws Exception {
    ArrayNode evaluations = Json.mapper().createArrayNode();
    ObjectNode subject = Json.object().put("targetingKey", "user-1");
    evaluations.add(evaluation("boolean", "no-such-policy", Json.mapper().getNodeFactory().booleanNode(true), subject));
    evaluations.add(evaluation("number", "banner.missing", Json.mapper().getNodeFactory().numberNode(42), subject));
    evaluations.add(evaluation("boolean", "checkout.enabled", Json.mapper().getNodeFactory().booleanNode(true),
        Json.object().put("plan", "gold")));
    evaluations.add(evaluation("boolean", "checkout.theme", Json.mapper().getNodeFactory().booleanNode(true), subject));
    JsonNode out = run(plan(evaluations, null)).path("evaluations");
    for (JsonNode e : out) {
      System.out.printf("js: %-20s -> default %-5s %s %s: %s%n", e.path("key").asText(), e.path("value"),
          e.path("reason").asText(), e.path("errorCode").asText(), e.path("errorMessage").asText());
    }

    assertThat(out.get(0).path("errorCode").asText()).isEqualTo("FLAG_NOT_FOUND");
    assertThat(out.get(0).path("value").asBoolean()).isTrue();
    assertThat(out.get(0).path("errorMessage").asText()).isEqualTo("policy 'no-such-policy' does not exist");
    assertThat(out.get(1).path("errorCode").asText()).isEqualTo("FLAG_NOT_FOUND");
    assertThat(out.get(1).path("value").asInt()).isEqualTo(42);
    assertThat(out.get(2).path("errorCode").asText()).isEqualTo("TARGETING_KEY_MISSING");
    assertThat(out.get(2).path("value").asBoolean()).isTrue();
    // the provider checks the type itself: a string where the application asked for a boolean
    assertThat(out.get(3).path("errorCode").asText()).isEqualTo("TYPE_MISMATCH");
    assertThat(out.get(3).path("value").asBoolean()).isTrue();
    for (JsonNode e : out) {
      assertThat(e.path("reason").asText()).as("%s", e).isEqualTo("ERROR");
    }
  }

  // --- the plan, and running node

  private static ObjectNode evaluation(String type, String key, JsonNode dflt, ObjectNode context) {
    ObjectNode e = Json.object().put("type", type).put("key", key);
    e.set("default", dflt);
    e.set("context", context);
    return e;
  }

  /** The application authenticates with X-API-Key, as OFREP providers are usually configured. */
  private static ObjectNode plan(ArrayNode evaluations, ObjectNode bulkContext) {
    ObjectNode plan = Json.object().put("baseUrl", server.baseUrl());
    plan.putArray("headers").addArray().add("X-API-Key").add(viewer);
    plan.set("evaluations", evaluations);
    if (bulkContext != null) {
      plan.putObject("bulk").set("context", bulkContext);
    }
    return plan;
  }

  private static JsonNode run(ObjectNode plan) throws IOException, InterruptedException {
    Path file = Files.createTempFile(WORK, "plan-", ".json");
    try {
      Files.writeString(file, Json.write(plan));
      Path stdout = Files.createTempFile(WORK, "out-", ".txt");
      Path stderr = Files.createTempFile(WORK, "err-", ".txt");
      Process p = new ProcessBuilder(executable("node").toString(), "evaluate.mjs", file.toAbsolutePath().toString())
          .directory(WORK.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("node evaluate.mjs did not finish within 2 minutes; stderr: " + Files.readString(stderr));
      }
      String out = Files.readString(stdout);
      String err = Files.readString(stderr);
      Files.delete(stdout);
      Files.delete(stderr);
      assertThat(p.exitValue()).as("node exit; stderr:\n%s\nstdout:\n%s", err, out).isZero();
      return Json.parse(out, "node stdout");
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * {@code npm ci} into target/ofrep-js, once per lock file: a marker holds the lock's hash, so a
   * second run (or a second test class) does not reinstall.
   */
  private static void install(Path npm) throws IOException, InterruptedException {
    Files.createDirectories(WORK);
    for (String f : List.of("package.json", "package-lock.json", "evaluate.mjs")) {
      Files.copy(SOURCE.resolve(f), WORK.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    String lock = Canonical.sha256Hex(Files.readAllBytes(SOURCE.resolve("package-lock.json")));
    Path marker = WORK.resolve("node_modules/.rollgate-lock-sha256");
    if (Files.exists(marker) && Files.readString(marker).equals(lock)) {
      return;
    }
    Path log = WORK.resolve("npm-ci.log");
    Process p = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund", "--ignore-scripts")
        .directory(WORK.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("npm ci did not finish within 5 minutes; " + Files.readString(log));
    }
    if (p.exitValue() != 0) {
      fail("npm ci failed (exit " + p.exitValue() + "); is the npm registry reachable?\n" + Files.readString(log));
    }
    Files.writeString(marker, lock, StandardCharsets.UTF_8);
  }

  private static Path executable(String name) {
    Optional<Path> found = Optional.empty();
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          found = Optional.of(candidate);
          break;
        }
      }
    }
    if (found.isPresent()) {
      return found.get();
    }
    String message = name + " is not on the PATH; install Node.js and npm (Debian: apt-get install nodejs npm)";
    if (System.getenv("CI") != null) {
      fail(message + "; CI is set, so this test must run");
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  private static void put(String name, String document) {
    var r = server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN, "{\"document\":" + document + "}");
    assertThat(r.status()).as("%s", r).isIn(200, 201);
  }
}
