package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.rollout.RolloutStore;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Invariant 8: bad input of any shape gets a 4xx RFC 9457 problem document, never a 5xx, and changes
 * nothing. Each try sends one generated malformed request to an in-process server holding one policy,
 * and checks the status (exactly, where the category fixes it), the problem document, the field it
 * names, that the journal head has not moved, and that /health still answers 200.
 *
 * <p>The second property is route-wide and reads the OpenAPI document: for every operation in it, it
 * breaks path parameters, query parameters, bodies (from the documented schema: types, ranges,
 * patterns, required and unknown fields), headers and credentials, and checks that no answer is a
 * 5xx, that every 4xx is a problem document the document's Problem schema accepts, that the status
 * is one the document lists for the operation, and that the journal never moves.
 */
class BadInputProperties {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final String P = "/api/v1/policies/existing";
  private static final Pattern POLICY_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static TestServer server;
  private static String viewer;
  private static long headAtStart;

  /**
   * One malformed request.
   *
   * @param expectedStatus the exact status, or 0 when any 4xx will do
   * @param expectedField the problem's {@code field}, or null when the category does not fix it
   */
  record Bad(String category, String method, String path, byte[] body, boolean chunked, Map<String, String> headers,
      int expectedStatus, String expectedField) {
    static Bad of(String category, String method, String path, String body, int status, String field) {
      return new Bad(category, method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), false,
          Map.of(), status, field);
    }

    @Override
    public String toString() {
      String b = body == null ? "(no body)" : new String(body, StandardCharsets.UTF_8);
      return category + ": " + method + " " + (path.length() > 200 ? path.substring(0, 200) + "…" : path) + " "
          + (b.length() > 300 ? b.substring(0, 300) + "… (" + body.length + " bytes)" : b)
          + (chunked ? " [chunked]" : "") + (headers.isEmpty() ? "" : " +headers " + headers.keySet())
          + " -> expect " + (expectedStatus == 0 ? "4xx" : expectedStatus) + (expectedField == null ? "" : " field " + expectedField);
    }
  }

  /** A body-taking route with a valid body; the generators break exactly one thing in it. */
  record BodyRoute(String method, String path, Supplier<ObjectNode> valid, List<FieldSpec> fields) {}

  enum Kind { OBJECT, OBJECT_OR_NULL, STRING, OPTIONAL_STRING, INTEGER, OPTIONAL_INTEGER }

  /** A field of a body: where it is (dotted for velocity's members) and what type it must have. */
  record FieldSpec(String name, Kind kind) {}

  static final List<BodyRoute> BODY_ROUTES = List.of(
      new BodyRoute("PUT", P, () -> obj("{\"document\":{\"max\":2},\"reason\":\"r\"}"),
          List.of(new FieldSpec("document", Kind.OBJECT), new FieldSpec("reason", Kind.OPTIONAL_STRING))),
      new BodyRoute("POST", P + "/changes", () -> obj("{\"delta\":{\"max\":2},\"reason\":\"r\"}"),
          List.of(new FieldSpec("delta", Kind.OBJECT), new FieldSpec("reason", Kind.OPTIONAL_STRING))),
      new BodyRoute("POST", P + "/rollback", () -> obj("{\"toVersion\":1,\"reason\":\"r\"}"),
          List.of(new FieldSpec("toVersion", Kind.INTEGER), new FieldSpec("reason", Kind.OPTIONAL_STRING))),
      new BodyRoute("PUT", P + "/guards",
          () -> obj("{\"cooldownSeconds\":10,\"velocity\":{\"maxChanges\":3,\"windowSeconds\":60},\"oscillationWindowSeconds\":10}"),
          List.of(new FieldSpec("cooldownSeconds", Kind.OPTIONAL_INTEGER), new FieldSpec("velocity", Kind.OBJECT_OR_NULL),
              new FieldSpec("velocity.maxChanges", Kind.INTEGER), new FieldSpec("velocity.windowSeconds", Kind.INTEGER),
              new FieldSpec("oscillationWindowSeconds", Kind.OPTIONAL_INTEGER))),
      new BodyRoute("POST", P + "/freeze", () -> obj("{\"reason\":\"r\"}"),
          List.of(new FieldSpec("reason", Kind.OPTIONAL_STRING))),
      new BodyRoute("POST", P + "/unfreeze", () -> obj("{\"reason\":\"r\"}"),
          List.of(new FieldSpec("reason", Kind.OPTIONAL_STRING))),
      new BodyRoute("POST", "/api/v1/tokens", () -> obj("{\"name\":\"new-token\",\"role\":\"viewer\"}"),
          List.of(new FieldSpec("name", Kind.STRING), new FieldSpec("role", Kind.STRING))));

  /** Every policy route below {@code /api/v1/policies/{name}}, as suffix, method and a valid body. */
  static final List<String[]> NAMED_ROUTES = List.of(
      new String[] {"GET", "", null},
      new String[] {"PUT", "", "{\"document\":{\"max\":2}}"},
      new String[] {"POST", "/changes", "{\"delta\":{\"max\":2}}"},
      new String[] {"POST", "/rollback", "{\"toVersion\":1}"},
      new String[] {"GET", "/versions", null},
      new String[] {"GET", "/versions/1", null},
      new String[] {"PUT", "/guards", "{\"cooldownSeconds\":1}"},
      new String[] {"POST", "/freeze", "{}"},
      new String[] {"POST", "/unfreeze", "{}"});

  /** Every path and the methods it has; anything else is a 405. */
  static final Map<String, Set<String>> PATHS = Map.ofEntries(
      Map.entry("/health", Set.of("GET")),
      Map.entry("/api/v1/tokens", Set.of("POST")),
      Map.entry("/api/v1/policies", Set.of("GET")),
      Map.entry(P, Set.of("GET", "PUT")),
      Map.entry(P + "/changes", Set.of("POST")),
      Map.entry(P + "/rollback", Set.of("POST")),
      Map.entry(P + "/versions", Set.of("GET")),
      Map.entry(P + "/versions/1", Set.of("GET")),
      Map.entry(P + "/guards", Set.of("PUT")),
      Map.entry(P + "/freeze", Set.of("POST")),
      Map.entry(P + "/unfreeze", Set.of("POST")),
      Map.entry("/api/v1/audit", Set.of("GET")),
      Map.entry("/api/v1/audit/verify", Set.of("GET")),
      Map.entry("/api/v1/rollouts", Set.of("GET", "POST")),
      Map.entry("/api/v1/rollouts/existing-1", Set.of("GET")),
      Map.entry("/api/v1/rollouts/existing-1/advance", Set.of("POST")),
      Map.entry("/api/v1/rollouts/existing-1/pause", Set.of("POST")),
      Map.entry("/api/v1/outcomes", Set.of("POST")),
      Map.entry("/api/v1/evaluate/existing", Set.of("GET")),
      Map.entry("/api/v1/sdk/snapshot", Set.of("GET")),
      Map.entry("/api/v1/sdk/report", Set.of("POST")));

  static ObjectNode obj(String json) {
    return (ObjectNode) Json.parse(json, "test");
  }

  /** Writes JSON with every non-ASCII character escaped, so unpaired surrogates reach the server as sent. */
  static String write(JsonNode n) {
    try {
      return ESCAPING.writeValueAsString(n);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectWriter ESCAPING =
      Json.mapper().writer().with(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII);

  @BeforeContainer
  static void start() {
    server = TestServer.start();
    var r = server.send("PUT", P, ADMIN, "{\"document\":{\"max\":1,\"nested\":{\"a\":true}}}");
    assertThat(r.status()).isEqualTo(201);
    viewer = server.token("fuzz-viewer", "viewer");
    headAtStart = server.journalHead();
  }

  /**
   * Every try starts in a fresh failed-authentication window: the tries that send unknown tokens
   * would otherwise soon turn every later answer into a 429 (that limit has its own tests).
   */
  static void freshRateLimitWindow() {
    server.clock().advance(AuthLimits.DEFAULTS.window().plusSeconds(1));
  }

  @AfterContainer
  static void stop() {
    try {
      assertThat(server.get("/health", null).status()).isEqualTo(200);
      var verify = server.get("/api/v1/audit/verify", ADMIN).json();
      assertThat(verify.path("ok").asBoolean()).isTrue();
      assertThat(verify.path("entries").asLong()).isEqualTo(headAtStart);
    } finally {
      server.close();
    }
  }

  @Property(tries = 300)
  void bad_input_of_any_shape_gets_a_4xx_problem_document_naming_the_field_and_changes_nothing(
      @ForAll("badRequests") Bad bad) {
    Statistics.label("category").collect(bad.category());
    freshRateLimitWindow();
    long head = server.journalHead();

    var r = server.send(request(bad));

    assertThat(r.status()).as("%s%n-> %s", bad, r).isBetween(400, 499);
    if (bad.expectedStatus() != 0) {
      assertThat(r.status()).as("%s%n-> %s", bad, r).isEqualTo(bad.expectedStatus());
    }
    assertThat(r.contentType()).as("%s%n-> %s", bad, r).startsWith(Problem.MEDIA_TYPE);
    JsonNode p = r.json();
    assertThat(p.path("type").isTextual() && p.path("type").asText().startsWith(Problem.BASE)).as("type in %s", r).isTrue();
    assertThat(p.path("title").asText()).as("title in %s", r).isNotBlank();
    assertThat(p.path("status").isInt() && p.path("status").asInt() == r.status()).as("status in %s", r).isTrue();
    assertThat(p.path("detail").asText()).as("detail in %s", r).isNotBlank();
    if (r.status() == 400) {
      assertThat(p.path("field").asText()).as("a 400 names the field: %s%n-> %s", bad, r).isNotBlank();
    }
    if (bad.expectedField() != null) {
      assertThat(p.path("field").asText()).as("%s%n-> %s", bad, r).isEqualTo(bad.expectedField());
    }
    if (r.status() == 405) {
      assertThat(r.header("Allow")).as("%s", r).isPresent();
    }
    assertThat(server.journalHead()).as("journal head after %s", bad).isEqualTo(head);
    assertThat(server.get("/health", null).status()).as("health after %s", bad).isEqualTo(200);

    Statistics.label("category").coverage(c -> {
      for (String category : CATEGORIES) {
        c.check(category).count(n -> n > 0);
      }
    });
  }

  static HttpRequest request(Bad bad) {
    var b = HttpRequest.newBuilder(URI.create(server.baseUrl() + bad.path())).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + ADMIN);
    bad.headers().forEach(b::header);
    if (bad.expectedStatus() == 413) {
      b.expectContinue(true); // the server refuses before reading, so do not send the body unasked
    }
    if (bad.body() == null) {
      b.method(bad.method(), HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(bad.method(), bad.chunked()
          ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bad.body()))
          : HttpRequest.BodyPublishers.ofByteArray(bad.body()));
    }
    return b.build();
  }

  static final List<String> CATEGORIES = List.of("malformed-json", "not-an-object", "wrong-type", "missing-field",
      "invalid-name", "unknown-policy", "bad-version", "guard-range", "unknown-field", "huge-number", "bad-text",
      "bad-query", "wrong-method", "too-large", "jetty-limits", "rollout-input");

  @Provide
  Arbitrary<Bad> badRequests() {
    return Arbitraries.oneOf(List.of(malformedJson(), notAnObject(), wrongType(), missingField(), invalidName(),
        unknownPolicy(), badVersion(), guardRange(), unknownField(), hugeNumber(), badText(), badQuery(),
        wrongMethod(), tooLarge(), jettyLimits(), rolloutInput()));
  }

  Arbitrary<BodyRoute> bodyRoutes() {
    return Arbitraries.of(BODY_ROUTES);
  }

  // --- malformed JSON: truncated valid bodies, syntax errors, duplicate keys, trailing tokens, garbage

  static final List<String> MALFORMED = List.of(
      "", " ", "{", "}", "[", "{\"document\":", "{\"document\":{}", "{'document':{}}", "{document:{}}",
      "{\"document\":{},}", "{\"reason\":\"a\",\"reason\":\"b\"}", "{\"document\":{\"a\":1,\"a\":2}}",
      "{} {}", "{\"reason\":\"r\"} x", "{\"document\":{\"a\":01}}", "{\"document\":{\"a\":NaN}}",
      "{\"document\":{\"a\":-Infinity}}", "{\"document\":{\"a\":.5}}", "{\"document\":{\"a\":\"\\x\"}}",
      "{\"document\":{\"a\":\"unterminated}}", "{\"document\":{\"a\":\"tab\there\"}}", "\uFEFF{",
      "{\"document\":{/*c*/}}", "{\"document\":{}}//", "nul", "tru", "{\"\":}", "[" .repeat(2000) + "]".repeat(2000),
      "{\"document\":" + "{\"a\":".repeat(1500) + "1" + "}".repeat(1500) + "}");

  Arbitrary<Bad> malformedJson() {
    Arbitrary<Bad> fixed = Combinators.combine(bodyRoutes(), Arbitraries.of(MALFORMED))
        .as((route, body) -> Bad.of("malformed-json", route.method(), route.path(), body, 400, "body"))
        // freeze and unfreeze take an optional body: an empty one means {} there, not malformed JSON
        .filter(bad -> !(bad.body() != null && new String(bad.body(), java.nio.charset.StandardCharsets.UTF_8).isBlank()
            && (bad.path().endsWith("/freeze") || bad.path().endsWith("/unfreeze"))));
    Arbitrary<Bad> truncated = bodyRoutes().flatMap(route -> {
      String valid = write(route.valid().get());
      return Arbitraries.integers().between(1, valid.length() - 1)
          .map(n -> Bad.of("malformed-json", route.method(), route.path(), valid.substring(0, n), 400, "body"));
    });
    Arbitrary<Bad> garbage = Combinators.combine(bodyRoutes(), Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(200))
        .as((route, bytes) -> {
          byte[] body = new byte[bytes.length + 1];
          body[0] = 0x01; // a control character: never the start of a JSON text
          System.arraycopy(bytes, 0, body, 1, bytes.length);
          return new Bad("malformed-json", route.method(), route.path(), body, false, Map.of(), 400, "body");
        });
    return Arbitraries.oneOf(fixed, truncated, garbage);
  }

  // --- JSON that is not an object where an object is expected

  Arbitrary<String> nonObjectJson() {
    return Arbitraries.oneOf(
        Arbitraries.integers().map(String::valueOf),
        Arbitraries.doubles().between(-1e9, 1e9).map(String::valueOf),
        Arbitraries.strings().ofMaxLength(30).map(s -> write(F.textNode(s))),
        Arbitraries.of("true", "false", "null", "[]", "[{}]", "[{\"document\":{}}]", "\"{}\""),
        Arbitraries.integers().list().ofMaxSize(5).map(l -> write(Json.mapper().valueToTree(l))));
  }

  Arbitrary<Bad> notAnObject() {
    Arbitrary<Bad> wholeBody = Combinators.combine(bodyRoutes(), nonObjectJson())
        .as((route, body) -> Bad.of("not-an-object", route.method(), route.path(), body, 400, "body"));
    Arbitrary<Bad> mergePatch = nonObjectJson().filter(s -> !s.equals("null"))
        .map(v -> Bad.of("not-an-object", "POST", P + "/changes", "{\"delta\":" + v + "}", 400, "delta"));
    Arbitrary<Bad> document = nonObjectJson().filter(s -> !s.equals("null"))
        .map(v -> Bad.of("not-an-object", "PUT", P, "{\"document\":" + v + "}", 400, "document"));
    return Arbitraries.oneOf(wholeBody, mergePatch, document);
  }

  // --- every field with a value of the wrong type

  static Arbitrary<JsonNode> wrongValue(Kind kind) {
    Arbitrary<JsonNode> array = Arbitraries.integers().list().ofMaxSize(3).map(l -> (JsonNode) Json.mapper().valueToTree(l));
    Arbitrary<JsonNode> string = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(10),
        Arbitraries.of("1", "60", "true", "{}", "viewer")).map(F::textNode);
    Arbitrary<JsonNode> integer = Arbitraries.integers().map(F::numberNode);
    Arbitrary<JsonNode> fraction = Arbitraries.oneOf(
        Arbitraries.doubles().between(-1e6, 1e6).filter(d -> d != Math.rint(d)).map(d -> (JsonNode) F.numberNode(d)),
        Arbitraries.of(1.0, 60.0, 1e2).map(d -> (JsonNode) F.numberNode(d)));
    Arbitrary<JsonNode> bool = Arbitraries.of(true, false).map(F::booleanNode);
    Arbitrary<JsonNode> object = Arbitraries.of((JsonNode) obj("{\"k\":1}"), obj("{}"));
    Arbitrary<JsonNode> nul = Arbitraries.just(F.nullNode());
    return switch (kind) {
      case OBJECT -> Arbitraries.oneOf(array, string, integer, fraction, bool, nul);
      case OBJECT_OR_NULL -> Arbitraries.oneOf(array, string, integer, fraction, bool);
      case STRING -> Arbitraries.oneOf(integer, fraction, bool, array, object, nul);
      case OPTIONAL_STRING -> Arbitraries.oneOf(integer, fraction, bool, array, object);
      case INTEGER -> Arbitraries.oneOf(string, fraction, bool, array, object, nul);
      case OPTIONAL_INTEGER -> Arbitraries.oneOf(string, fraction, bool, array, object);
    };
  }

  /** Sets {@code field} (dotted for a member of velocity) in {@code body}. */
  static ObjectNode with(ObjectNode body, String field, JsonNode value) {
    int dot = field.indexOf('.');
    if (dot < 0) {
      body.set(field, value);
    } else {
      ((ObjectNode) body.get(field.substring(0, dot))).set(field.substring(dot + 1), value);
    }
    return body;
  }

  static ObjectNode without(ObjectNode body, String field) {
    int dot = field.indexOf('.');
    if (dot < 0) {
      body.remove(field);
    } else {
      ((ObjectNode) body.get(field.substring(0, dot))).remove(field.substring(dot + 1));
    }
    return body;
  }

  Arbitrary<Bad> wrongType() {
    return bodyRoutes().flatMap(route -> Arbitraries.of(route.fields()).flatMap(field ->
        wrongValue(field.kind()).map(v -> Bad.of("wrong-type", route.method(), route.path(),
            write(with(route.valid().get(), field.name(), v)), 400, field.name()))));
  }

  Arbitrary<Bad> missingField() {
    List<Bad> all = new ArrayList<>();
    for (BodyRoute route : BODY_ROUTES) {
      for (FieldSpec field : route.fields()) {
        if (field.kind() == Kind.OBJECT || field.kind() == Kind.STRING || field.kind() == Kind.INTEGER) {
          all.add(Bad.of("missing-field", route.method(), route.path(),
              write(without(route.valid().get(), field.name())), 400, field.name()));
        }
      }
    }
    all.add(Bad.of("missing-field", "PUT", P, "{}", 400, "document"));
    all.add(Bad.of("missing-field", "PUT", P + "/guards", "{\"velocity\":{}}", 400, "velocity.maxChanges"));
    all.add(Bad.of("missing-field", "POST", "/api/v1/tokens", "{}", 400, "name"));
    all.add(Bad.of("missing-field", "POST", P + "/changes", null, 400, "body"));
    return Arbitraries.of(all);
  }

  // --- invalid policy names in the path

  Arbitrary<String> invalidPolicyName() {
    Arbitrary<String> random = Arbitraries.strings()
        .withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
        .withChars('-', '_', '.', ' ', '/', '~', '%', '?', '#', ';', '+', '"', '\'', '\\', 'é', 'ß', '\u00a0', '\u0000', '\n', '\u4e2d')
        .ofMinLength(1).ofMaxLength(80)
        .filter(s -> !POLICY_NAME.matcher(s).matches() && !s.equals(".") && !s.equals(".."));
    Arbitrary<String> tooLong = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(65).ofMaxLength(200);
    Arbitrary<String> typical = Arbitraries.of("Limits", "-limits", "_limits", "limits.max", "a b", "a/b", "é",
        "...", "%", "a%2Fb", "x".repeat(65), "../existing", "existing/..");
    return Arbitraries.oneOf(random, tooLong, typical);
  }

  static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  Arbitrary<Bad> invalidName() {
    return Combinators.combine(Arbitraries.of(NAMED_ROUTES), invalidPolicyName()).as((route, name) ->
        Bad.of("invalid-name", route[0], "/api/v1/policies/" + encode(name) + route[1], route[2], 400, null));
  }

  // --- unknown policies and versions

  Arbitrary<Bad> unknownPolicy() {
    Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('-', '_')
        .ofMinLength(1).ofMaxLength(50).map(s -> "missing-" + s);
    return Combinators.combine(Arbitraries.of(NAMED_ROUTES.stream().filter(r -> !r[0].equals("PUT") || !r[1].isEmpty())
            .toList()), names)
        .as((route, name) -> Bad.of("unknown-policy", route[0], "/api/v1/policies/" + name + route[1], route[2], 404, null));
  }

  Arbitrary<Bad> badVersion() {
    Arbitrary<Bad> missingVersion = Arbitraries.integers().between(2, Integer.MAX_VALUE)
        .map(v -> Bad.of("bad-version", "GET", P + "/versions/" + v, null, 404, null));
    Arbitrary<Bad> missingRollback = Arbitraries.integers().between(2, Integer.MAX_VALUE)
        .map(v -> Bad.of("bad-version", "POST", P + "/rollback", "{\"toVersion\":" + v + "}", 404, null));
    Arbitrary<Bad> invalidVersion = Arbitraries.oneOf(
            Arbitraries.longs().lessOrEqual(0).map(String::valueOf),
            Arbitraries.longs().greaterOrEqual((long) Integer.MAX_VALUE + 1).map(String::valueOf),
            Arbitraries.of("abc", "1.5", "1e3", "0x1", "99999999999999999999999", "%20", "-", "v1"))
        .map(v -> Bad.of("bad-version", "GET", P + "/versions/" + v, null, 400, "version"));
    Arbitrary<Bad> invalidRollback = Arbitraries.oneOf(
            Arbitraries.longs().lessOrEqual(0).map(String::valueOf),
            Arbitraries.longs().greaterOrEqual((long) Integer.MAX_VALUE + 1).map(String::valueOf))
        .map(v -> Bad.of("bad-version", "POST", P + "/rollback", "{\"toVersion\":" + v + "}", 400, "toVersion"));
    return Arbitraries.oneOf(missingVersion, missingRollback, invalidVersion, invalidRollback);
  }

  // --- guard values out of range

  Arbitrary<Bad> guardRange() {
    long week = 604_800;
    Arbitrary<Long> badSeconds = Arbitraries.oneOf(Arbitraries.longs().lessOrEqual(-1),
        Arbitraries.longs().greaterOrEqual(week + 1), Arbitraries.of(-1L, week + 1, Long.MIN_VALUE, Long.MAX_VALUE));
    Arbitrary<Long> badMaxChanges = Arbitraries.oneOf(Arbitraries.longs().between(Integer.MIN_VALUE, 0),
        Arbitraries.longs().between(10_001, Integer.MAX_VALUE), Arbitraries.of(0L, 10_001L, Long.MAX_VALUE));
    Arbitrary<Long> badWindow = Arbitraries.oneOf(Arbitraries.longs().between(Integer.MIN_VALUE, 0),
        Arbitraries.longs().between(week + 1, Long.MAX_VALUE), Arbitraries.of(0L, week + 1));
    Supplier<ObjectNode> valid = BODY_ROUTES.get(3).valid();
    return Arbitraries.oneOf(
        badSeconds.map(v -> guards(with(valid.get(), "cooldownSeconds", F.numberNode(v)), "cooldownSeconds")),
        badSeconds.map(v -> guards(with(valid.get(), "oscillationWindowSeconds", F.numberNode(v)), "oscillationWindowSeconds")),
        badMaxChanges.map(v -> guards(with(valid.get(), "velocity.maxChanges", F.numberNode(v)), "velocity.maxChanges")),
        badWindow.map(v -> guards(with(valid.get(), "velocity.windowSeconds", F.numberNode(v)), "velocity.windowSeconds")));
  }

  static Bad guards(ObjectNode body, String field) {
    return Bad.of("guard-range", "PUT", P + "/guards", write(body), 400, field);
  }

  // --- unknown fields, at the top and inside velocity

  Arbitrary<Bad> unknownField() {
    Arbitrary<String> keys = Arbitraries.strings().alpha().numeric().withChars('_', '-', '.', '$', ' ', 'é')
        .ofMinLength(1).ofMaxLength(20);
    Arbitrary<Bad> top = bodyRoutes().flatMap(route -> Combinators.combine(
            keys.filter(key -> route.fields().stream().noneMatch(f -> f.name().equals(key))),
            wrongValue(Kind.OPTIONAL_STRING))
        .as((key, v) -> Bad.of("unknown-field", route.method(), route.path(),
            write(route.valid().get().set(key, v)), 400, key)));
    Arbitrary<Bad> inVelocity = keys.filter(k -> !k.equals("maxChanges") && !k.equals("windowSeconds"))
        .map(key -> Bad.of("unknown-field", "PUT", P + "/guards",
            write(with(BODY_ROUTES.get(3).valid().get(), "velocity." + key, F.numberNode(1))), 400, "velocity." + key));
    return Arbitraries.oneOf(top, inVelocity);
  }

  // --- integers beyond ±(2^53 - 1) and numbers beyond a double, in documents, deltas and integer fields

  Arbitrary<Bad> hugeNumber() {
    Arbitrary<BigInteger> beyondSafe = Arbitraries.bigIntegers()
        .between(BigInteger.TWO.pow(53), BigInteger.TWO.pow(200))
        .flatMap(b -> Arbitraries.of(b, b.negate()));
    Arbitrary<List<String>> paths = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6)
        .list().ofMinSize(1).ofMaxSize(4);
    Arbitrary<Bad> inDocument = Combinators.combine(Arbitraries.of("document", "delta"), paths, beyondSafe, Arbitraries.of(true, false))
        .as((field, path, number, inArray) -> {
          String literal = inArray ? "[0," + number + "]" : number.toString();
          String json = "{\"" + field + "\":" + nest(path, literal) + "}";
          String pointer = "/" + field + "/" + String.join("/", path) + (inArray ? "/1" : "");
          return field.equals("document")
              ? Bad.of("huge-number", "PUT", P, json, 400, pointer)
              : Bad.of("huge-number", "POST", P + "/changes", json, 400, pointer);
        });
    Arbitrary<Bad> nonFinite = Arbitraries.of("1e400", "-1e400", "1.7976931348623157e309")
        .map(n -> Bad.of("huge-number", "PUT", P, "{\"document\":{\"x\":" + n + "}}", 400, "/document/x"));
    Arbitrary<BigInteger> beyondLong = Arbitraries.bigIntegers()
        .between(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE), BigInteger.TWO.pow(100));
    Arbitrary<Bad> inFields = Combinators.combine(Arbitraries.of(
            new String[] {"POST", P + "/rollback", "{\"toVersion\":%s}", "toVersion"},
            new String[] {"PUT", P + "/guards", "{\"cooldownSeconds\":%s}", "cooldownSeconds"},
            new String[] {"PUT", P + "/guards", "{\"oscillationWindowSeconds\":%s}", "oscillationWindowSeconds"},
            new String[] {"PUT", P + "/guards", "{\"velocity\":{\"maxChanges\":%s,\"windowSeconds\":60}}", "velocity.maxChanges"},
            new String[] {"PUT", P + "/guards", "{\"velocity\":{\"maxChanges\":1,\"windowSeconds\":%s}}", "velocity.windowSeconds"}),
            beyondLong)
        .as((r, n) -> Bad.of("huge-number", r[0], r[1], r[2].formatted(n), 400, r[3]));
    return Arbitraries.oneOf(inDocument, nonFinite, inFields);
  }

  static String nest(List<String> path, String leaf) {
    String s = leaf;
    for (int i = path.size() - 1; i >= 0; i--) {
      s = "{\"" + path.get(i) + "\":" + s + "}";
    }
    return s;
  }

  // --- text fields: NUL, unpaired surrogates, over-long reasons, invalid token names and roles, a taken name

  Arbitrary<Bad> badText() {
    Arbitrary<String> badReason = Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(10).map(s -> s + "\u0000"),
        Arbitraries.chars().range('\ud800', '\udfff').map(c -> "x" + c),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(2001).ofMaxLength(3000));
    Arbitrary<Bad> reasons = Combinators.combine(Arbitraries.of(BODY_ROUTES.stream()
            .filter(r -> r.fields().stream().anyMatch(f -> f.name().equals("reason"))).toList()), badReason)
        .as((route, reason) -> Bad.of("bad-text", route.method(), route.path(),
            write(route.valid().get().put("reason", reason)), 400, "reason"));
    Arbitrary<Bad> tokenNames = Arbitraries.oneOf(
            Arbitraries.strings().ofMinLength(0).ofMaxLength(80).filter(s -> !TOKEN_NAME.matcher(s).matches()),
            Arbitraries.strings().alpha().ofMinLength(65).ofMaxLength(300))
        .map(name -> Bad.of("bad-text", "POST", "/api/v1/tokens",
            write(obj("{\"role\":\"viewer\"}").put("name", name)), 400, "name"));
    Arbitrary<Bad> roles = Arbitraries.strings().ofMaxLength(20)
        .filter(s -> !Set.of("viewer", "operator", "admin").contains(s))
        .map(role -> Bad.of("bad-text", "POST", "/api/v1/tokens",
            write(obj("{\"name\":\"ok-name\"}").put("role", role)), 400, "role"));
    Arbitrary<Bad> taken = Arbitraries.of("viewer", "operator", "admin").map(role -> Bad.of("bad-text", "POST",
        "/api/v1/tokens", "{\"name\":\"admin\",\"role\":\"" + role + "\"}", 409, null));
    return Arbitraries.oneOf(reasons, tokenNames, roles, taken);
  }

  // --- query parameters

  Arbitrary<Bad> badQuery() {
    Arbitrary<String> badLimit = Arbitraries.oneOf(Arbitraries.longs().lessOrEqual(0).map(String::valueOf),
        Arbitraries.longs().greaterOrEqual(1001).map(String::valueOf),
        Arbitraries.of("abc", "1.5", "1e3", "0x10", "99999999999999999999", "%20", "-", "ten"));
    Arbitrary<String> badAfter = Arbitraries.oneOf(Arbitraries.longs().lessOrEqual(-1).map(String::valueOf),
        Arbitraries.of("-1", "abc", "1.5", "99999999999999999999", "%2B", "0x1"));
    Arbitrary<String> goodLimit = Arbitraries.of("", "&limit=1", "&limit=1000");
    return Arbitraries.oneOf(
        Combinators.combine(badAfter, goodLimit).as((a, l) ->
            Bad.of("bad-query", "GET", "/api/v1/audit?afterSeq=" + a + l, null, 400, "afterSeq")),
        badLimit.map(l -> Bad.of("bad-query", "GET", "/api/v1/audit?afterSeq=0&limit=" + l, null, 400, "limit")),
        badLimit.map(l -> Bad.of("bad-query", "GET", P + "/versions?limit=" + l, null, 400, "limit")));
  }

  // --- methods a path does not have, and paths that do not exist

  Arbitrary<Bad> wrongMethod() {
    List<String[]> pairs = new ArrayList<>();
    PATHS.forEach((path, methods) -> {
      for (String m : List.of("GET", "PUT", "POST", "DELETE", "PATCH")) {
        if (!methods.contains(m)) {
          pairs.add(new String[] {m, path});
        }
      }
    });
    Arbitrary<Bad> wrong = Arbitraries.of(pairs).map(p -> Bad.of("wrong-method", p[0], p[1],
        p[0].equals("GET") || p[0].equals("DELETE") ? null : "{}", 405, null));
    Arbitrary<Bad> nowhere = Combinators.combine(Arbitraries.of("GET", "POST", "PUT", "DELETE"),
            Arbitraries.of("/api/v1/nothing", "/api/v2/policies", "/api/v1/policies/existing/nothing",
                "/api/v1/policies/existing/versions/1/extra", "/", "/api", "/api/v1/audit/verify/now"))
        .as((m, path) -> Bad.of("wrong-method", m, path, m.equals("GET") ? null : "{}", 404, null));
    return Arbitraries.oneOf(wrong, nowhere);
  }

  // --- bodies over 1 MiB, declared or chunked

  Arbitrary<Bad> tooLarge() {
    return Combinators.combine(bodyRoutes(), Arbitraries.integers().between(1, 64 * 1024), Arbitraries.of(true, false))
        .as((route, extra, chunked) -> {
          String prefix = "{\"reason\":\"";
          byte[] body = new byte[(int) HttpApi.MAX_BODY_BYTES + extra];
          Arrays.fill(body, (byte) 'x');
          System.arraycopy(prefix.getBytes(StandardCharsets.US_ASCII), 0, body, 0, prefix.length());
          body[body.length - 2] = '"';
          body[body.length - 1] = '}';
          return new Bad("too-large", route.method(), route.path(), body, chunked, Map.of(), 413, "body");
        });
  }

  // --- rollouts: what the generated route-wide cases cannot reach (inside stages, across a batch)

  static final String STAGE = "{\"policy\":\"existing\",\"delta\":{\"max\":2},\"stages\":[{\"name\":%s,"
      + "\"percentage\":%s,\"maxErrorRate\":0.1}]}";
  static final String REPORT = "{\"policy\":\"existing\",\"variant\":\"candidate\",\"success\":1}";

  Arbitrary<Bad> rolloutInput() {
    String rollouts = "/api/v1/rollouts";
    List<Bad> all = new ArrayList<>(List.of(
        Bad.of("rollout-input", "POST", rollouts, "{\"policy\":\"Existing\",\"delta\":{\"max\":2}}", 400, "policy"),
        Bad.of("rollout-input", "POST", rollouts, "{\"policy\":\"existing\",\"document\":{\"max\":1},"
            + "\"delta\":{\"max\":2}}", 400, "document"),
        Bad.of("rollout-input", "POST", rollouts, "{\"policy\":\"existing\",\"delta\":{\"x\":" + BigInteger.TWO.pow(60)
            + "}}", 400, "/delta/x"),
        Bad.of("rollout-input", "POST", rollouts, "{\"policy\":\"existing\",\"delta\":{\"max\":2},\"analysis\":"
            + "{\"provider\":\"prometheus\",\"prometheusUrl\":\"http://127.0.0.1:9\",\"query\":\"up\\u0000\"}}",
            400, "analysis.query"),
        Bad.of("rollout-input", "GET", rollouts + "?policy=Existing", null, 400, "policy"),
        Bad.of("rollout-input", "GET", rollouts + "?active=yes", null, 400, "active"),
        Bad.of("rollout-input", "GET", "/api/v1/evaluate/Existing", null, 400, "policy"),
        Bad.of("rollout-input", "GET", "/api/v1/evaluate/existing?subject=" + "s".repeat(1_025), null, 400, "subject"),
        Bad.of("rollout-input", "POST", rollouts + "/existing-0/pause", "{\"reason\":\"r\"}", 400, "id"),
        Bad.of("rollout-input", "POST", rollouts + "/existing-1/pause", "{\"reason\":\" \\t \"}", 400, "reason"),
        Bad.of("rollout-input", "POST", "/api/v1/outcomes", "[" + REPORT + ",{\"policy\":\"Existing\",\"variant\":"
            + "\"candidate\"}]", 400, "[1].policy"),
        Bad.of("rollout-input", "POST", "/api/v1/outcomes", "[" + REPORT + "," + REPORT.replace("1}", "-1}") + "]", 400,
            "[1].success"),
        Bad.of("rollout-input", "POST", "/api/v1/outcomes", "[" + REPORT + ",7]", 400, "[1]"),
        Bad.of("rollout-input", "POST", "/api/v1/outcomes", "[" + String.join(",", java.util.Collections.nCopies(
            RolloutStore.MAX_OUTCOME_BATCH + 1, REPORT)) + "]", 400, "body")));
    // a percentage beyond a double, and stage names that could not be stored as sent
    for (String pct : List.of("1e400", "-1e400", "1e2147483647", "100.001", "\"100\"")) {
      all.add(Bad.of("rollout-input", "POST", rollouts, STAGE.formatted("\"all\"", pct), 400, "stages[0].percentage"));
    }
    for (String name : List.of("\"a\\u0000b\"", "\"\\ud800\"", "\"\"", "\"  \"", "\"" + "n".repeat(65) + "\"", "7")) {
      all.add(Bad.of("rollout-input", "POST", rollouts, STAGE.formatted(name, "100"), 400, "stages[0].name"));
    }
    return Arbitraries.of(all);
  }

  // --- what Jetty refuses on its own: headers or a URI over its limits

  Arbitrary<Bad> jettyLimits() {
    Arbitrary<Bad> header = Arbitraries.integers().between(9_000, 20_000).map(n ->
        new Bad("jetty-limits", "GET", "/api/v1/policies", null, false, Map.of("X-Padding", "p".repeat(n)), 431, "headers"));
    Arbitrary<Bad> uri = Arbitraries.integers().between(9_000, 20_000).map(n ->
        Bad.of("jetty-limits", "GET", "/api/v1/policies/" + "a".repeat(n), null, 414, "uri"));
    return Arbitraries.oneOf(header, uri);
  }

  // ===================================================================================================
  // Route-wide: every operation of the OpenAPI document, broken in one way or another

  private static final OpenApiDocument DOC = OpenApiDocument.load();

  /**
   * One request generated from the document.
   *
   * @param kind what is broken (or "valid" for a well-formed read with noise)
   * @param mustBeRefused the request would change something if accepted, so it must be a 4xx
   * @param onTemplate the path still has the operation's shape, so the status must be one it documents
   * @param expectedStatus the exact status, or 0 when the kind does not fix it
   * @param expectedField the problem's {@code field} when the answer is a 400, or null
   */
  record RouteCase(String kind, OpenApiDocument.Operation op, String path, String authorization,
      Map<String, String> headers, byte[] body, boolean chunked, boolean mustBeRefused, boolean onTemplate,
      int expectedStatus, String expectedField) {
    RouteCase with(String kind, int status, String field) {
      return new RouteCase(kind, op, path, authorization, headers, body, chunked, mustBeRefused, onTemplate, status, field);
    }

    RouteCase path(String p, boolean stillOnTemplate) {
      return new RouteCase(kind, op, p, authorization, headers, body, chunked, mustBeRefused, stillOnTemplate,
          expectedStatus, expectedField);
    }

    RouteCase auth(String a) {
      return new RouteCase(kind, op, path, a, headers, body, chunked, mustBeRefused, onTemplate, expectedStatus,
          expectedField);
    }

    RouteCase header(String name, String value) {
      var h = new java.util.LinkedHashMap<>(headers);
      h.put(name, value);
      return new RouteCase(kind, op, path, authorization, Map.copyOf(h), body, chunked, mustBeRefused, onTemplate,
          expectedStatus, expectedField);
    }

    RouteCase body(byte[] b, boolean isChunked) {
      return new RouteCase(kind, op, path, authorization, headers, b, isChunked, mustBeRefused, onTemplate,
          expectedStatus, expectedField);
    }

    RouteCase body(String b) {
      return body(b == null ? null : b.getBytes(StandardCharsets.UTF_8), false);
    }

    @Override
    public String toString() {
      String b = body == null ? "(no body)" : new String(body, StandardCharsets.UTF_8);
      return kind + ": " + op.method() + " " + HttpProbe.shorten(path) + " "
          + (b.length() > 300 ? b.substring(0, 300) + "… (" + body.length + " bytes)" : b)
          + (chunked ? " [chunked]" : "") + " auth=" + (authorization == null ? "none" : HttpProbe.shorten(authorization))
          + (headers.isEmpty() ? "" : " +headers " + headers.keySet())
          + " -> expect " + (expectedStatus == 0 ? mustBeRefused ? "4xx" : "<500" : expectedStatus)
          + (expectedField == null ? "" : " field " + expectedField);
    }
  }

  static final List<String> ROUTE_KINDS = List.of("path-param", "path-huge", "path-unicode", "path-traversal",
      "query", "query-huge", "body-malformed", "body-not-object", "body-wrong-type", "body-range", "body-unknown-field",
      "body-missing", "body-too-large", "auth-none", "auth-unknown", "auth-scheme", "auth-role", "auth-huge",
      "header-huge", "header-param", "valid");

  @Property(tries = 2000)
  void every_documented_operation_refuses_broken_requests_with_a_documented_problem_and_changes_nothing(
      @ForAll("documentedRequests") RouteCase c) {
    Statistics.label("operation").collect(c.op().key());
    Statistics.label("kind").collect(c.kind());
    freshRateLimitWindow();
    long head = server.journalHead();

    var r = HttpProbe.send(routeRequest(c));


    assertThat(r.status()).as("%s%n-> %s", c, r).isLessThan(500);
    if (c.mustBeRefused()) {
      assertThat(r.status()).as("%s%n-> %s", c, r).isBetween(400, 499);
    }
    // an operation documented but not registered on this build (until its branch is merged) is a 404:
    // only the generic checks apply to it
    boolean registered = LIVE.contains(c.op().key());
    boolean beforeRouting = c.expectedStatus() == 414 || c.expectedStatus() == 431;
    if (c.expectedStatus() != 0 && (registered || beforeRouting)) {
      assertThat(r.status()).as("%s%n-> %s", c, r).isEqualTo(c.expectedStatus());
    }
    if (r.status() >= 400 && c.op().template().startsWith("/ofrep/") && !r.contentType().startsWith(Problem.MEDIA_TYPE)) {
      // OFREP's own error body; on the template, conformance() below checks it against the document
      assertThat(r.contentType()).as("%s%n-> %s", c, r).startsWith("application/json");
      assertThat(r.json().path("errorCode").asText()).as("%s%n-> %s", c, r)
          .isIn("PARSE_ERROR", "TARGETING_KEY_MISSING", "INVALID_CONTEXT", "FLAG_NOT_FOUND", "GENERAL");
      assertThat(r.json().path("errorDetails").asText()).as("%s%n-> %s", c, r).isNotBlank();
    } else if (r.status() >= 400) {
      assertThat(r.contentType()).as("%s%n-> %s", c, r).startsWith(Problem.MEDIA_TYPE);
      JsonNode p = r.json();
      assertThat(DOC.validate("/components/schemas/Problem", p)).as("%s%n-> %s", c, r).isEmpty();
      assertThat(p.path("status").asInt()).as("%s", r).isEqualTo(r.status());
      if (r.status() == 400 && c.expectedField() != null && registered) {
        assertThat(p.path("field").asText()).as("%s%n-> %s", c, r).isEqualTo(c.expectedField());
      }
    }
    if (c.onTemplate() && registered && r.status() != 414 && r.status() != 431) {
      assertThat(DOC.conformance(c.op(), r.status(), r.contentType(), r.body())).as("%s%n-> %s", c, r).isEmpty();
    }
    assertThat(server.journalHead()).as("journal head after %s%n-> %s", c, r).isEqualTo(head);

    Statistics.label("operation").coverage(cov -> DOC.operations().forEach(op -> cov.check(op.key()).count(n -> n > 0)));
    Statistics.label("kind").coverage(cov -> ROUTE_KINDS.forEach(k -> cov.check(k).count(n -> n > 0)));
  }

  private static final Set<String> LIVE = new java.util.concurrent.CopyOnWriteArraySet<>();

  static HttpRequest routeRequest(RouteCase c) {
    if (LIVE.isEmpty()) {
      LIVE.addAll(LiveRoutes.of(server.server().app()).keySet());
    }
    var b = HttpRequest.newBuilder(URI.create(server.baseUrl() + c.path())).timeout(HttpProbe.TIMEOUT);
    if (c.authorization() != null) {
      b.header("Authorization", c.authorization());
    }
    c.headers().forEach(b::header);
    if (c.expectedStatus() == 413) {
      b.expectContinue(true); // the server refuses before reading, so do not send the body unasked
    }
    if (c.body() == null) {
      b.method(c.op().method(), HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json").method(c.op().method(), c.chunked()
          ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(c.body()))
          : HttpRequest.BodyPublishers.ofByteArray(c.body()));
    }
    return b.build();
  }

  @Provide
  Arbitrary<RouteCase> documentedRequests() {
    return Arbitraries.of(DOC.operations()).flatMap(op -> Arbitraries.oneOf(breakages(op)));
  }

  /** A well-formed request for {@code op}: the policy that exists, version 1, the admin token, the documented example body. */
  static RouteCase base(OpenApiDocument.Operation op) {
    String path = fill(op.template());
    String auth = op.role() == null ? null : "Bearer " + ADMIN;
    JsonNode example = op.bodyExample();
    return new RouteCase("valid", op, path, auth, Map.of(), example == null ? null : write(example).getBytes(StandardCharsets.UTF_8),
        false, op.mutating(), true, 0, null);
  }

  /** Every way this operation can be broken; a mutating operation is always broken in a way that must refuse it. */
  List<Arbitrary<RouteCase>> breakages(OpenApiDocument.Operation op) {
    RouteCase base = base(op);
    var all = new ArrayList<Arbitrary<RouteCase>>();
    for (var param : op.params("path")) {
      all.add(pathParam(base, param));
      all.add(Arbitraries.integers().between(9_000, 12_000)
          .map(n -> base.path(replaceParam(base, param.name(), "a".repeat(n)), false).with("path-huge", 414, null)));
      all.add(Arbitraries.of("中文", "😀", "é", "%ED%A0%80", "%FF", "%00", "%C0%AF", "a%0Ab", "%E2%80%AE", "ß".repeat(40))
          .map(v -> base.path(replaceParam(base, param.name(), v.startsWith("%") || v.contains("%") ? v : encode(v)), false)
              .with("path-unicode", 0, null)));
      if (!op.mutating()) { // a traversal may resolve to another valid route: only where that changes nothing
        all.add(Arbitraries.of("..", ".", "../..", "./existing", "existing/..", "%2e%2e", "..%2F..", "..;", "", "existing/../existing",
                "../../../../etc/passwd", "..%5C..", "%2E%2E%2F%2E%2E%2F")
            .map(v -> base.path(replaceParam(base, param.name(), v), false).with("path-traversal", 0, null)));
      }
    }
    for (var param : op.params("query")) {
      all.add(queryParam(base, param));
    }
    all.add(Arbitraries.integers().between(9_000, 12_000)
        .map(n -> base.path(base.path() + "?pad=" + "q".repeat(n), false).with("query-huge", 414, null)));
    if (op.requestBody() != null) {
      all.addAll(bodyBreakages(op, base));
    }
    if (op.role() != null) {
      all.add(Arbitraries.just(base.auth(null).with("auth-none", 401, "Authorization")));
      all.add(Arbitraries.strings().alpha().numeric().withChars('-', '_').ofMinLength(1).ofMaxLength(600)
          .map(t -> base.auth("Bearer rg_" + t).with("auth-unknown", 401, "Authorization")));
      all.add(Arbitraries.of("Basic " + ADMIN, "Token " + ADMIN, "Bearer", "bearer", ADMIN, "Digest x")
          .map(a -> base.auth(a).with("auth-scheme", 401, "Authorization")));
      if (!op.role().equals("viewer")) {
        all.add(Arbitraries.just(base.auth("Bearer " + viewer).with("auth-role", 403, null)));
      }
      all.add(Arbitraries.integers().between(9_000, 12_000)
          .map(n -> base.auth("Bearer rg_" + "t".repeat(n)).with("auth-huge", 431, "headers")));
    }
    all.add(Arbitraries.integers().between(9_000, 12_000)
        .map(n -> base.header("X-Padding", "p".repeat(n)).with("header-huge", 431, "headers")));
    for (var param : op.params("header")) {
      // few operations take a header parameter: weight these cases so that 2,000 tries spread over every
      // operation still reach them (the coverage check below fails a run that never does)
      Arbitrary<RouteCase> broken = Arbitraries.oneOf(
          Arbitraries.integers().between(9_000, 12_000).map(n -> base.header(param.name(), "9".repeat(n))
              .with("header-param", 431, "headers")),
          Arbitraries.of("abc", "-1", "1.5", "99999999999999999999999", "", "0x10", "1,2")
              .map(v -> base.header(param.name(), v).with("header-param", 0, null)));
      for (int weight = 0; weight < 6; weight++) {
        all.add(broken);
      }
    }
    if (!op.mutating()) { // reads: well-formed, with noise the server must ignore
      Arbitrary<String> noise = Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8);
      all.add(Combinators.combine(noise, noise).as((k, v) -> {
        RouteCase valid = base.path(base.path() + (base.path().contains("?") ? "&" : "?") + "x" + k + "=" + v, true);
        return op.role() == null ? valid.auth("Bearer rg_public-routes-ignore-" + k) : valid;
      }));
    }
    return all;
  }

  static String replaceParam(RouteCase base, String param, String value) {
    String template = base.op().template();
    String other = template.replace("{" + param + "}", "\u0000");
    return fill(other).replace("\u0000", value);
  }

  /** Path parameters that name something well-formed: the policy that exists, version 1, a rollout id (none exists). */
  static String fill(String template) {
    return template.replace("{name}", "existing").replace("{policy}", "existing").replace("{key}", "existing")
        .replace("{id}", template.startsWith("/api/v1/incidents/") ? "1" : "existing-1")
        .replace("{version}", "1").replace("{execution}", "1");
  }

  /** A path parameter that breaks its schema: a pattern it fails, or an integer out of range or not one. */
  Arbitrary<RouteCase> pathParam(RouteCase base, OpenApiDocument.Param param) {
    JsonNode schema = param.schema();
    Arbitrary<String> values;
    if (schema.has("pattern")) {
      Pattern pattern = Pattern.compile(schema.get("pattern").asText());
      values = Arbitraries.oneOf(
              Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                  .withChars('-', '_', '.', ' ', '~', '+', 'é', '中').ofMinLength(1).ofMaxLength(80),
              Arbitraries.strings().withCharRange('a', 'z').ofMinLength(65).ofMaxLength(300),
              Arbitraries.of("Existing", "-existing", "_existing", "existing.x", "a b", "EXISTING", "existing~"))
          .filter(v -> !pattern.matcher(v).find() && !v.chars().allMatch(ch -> ch == '.'));
    } else {
      values = integerOutside(schema);
    }
    // an OFREP flag key that cannot name a value is FLAG_NOT_FOUND (404), as the protocol has it
    int status = base.op().template().startsWith("/ofrep/") ? 404 : 400;
    return values.map(v -> base.path(replaceParam(base, param.name(), encode(v)), true)
        .with("path-param", status, param.name()));
  }

  /** Integers the schema refuses: below its minimum, above its maximum, and text that is no integer. */
  static Arbitrary<String> integerOutside(JsonNode schema) {
    var parts = new ArrayList<Arbitrary<String>>();
    if (schema.has("minimum")) {
      long min = schema.get("minimum").asLong();
      parts.add(Arbitraries.longs().between(Long.MIN_VALUE + 1, min - 1).map(String::valueOf));
      parts.add(Arbitraries.just(String.valueOf(min - 1)));
    }
    if (schema.has("maximum")) {
      long max = schema.get("maximum").asLong();
      parts.add(Arbitraries.longs().between(max + 1, Long.MAX_VALUE).map(String::valueOf));
      parts.add(Arbitraries.just(String.valueOf(max + 1)));
    }
    parts.add(Arbitraries.of("abc", "1.5", "1e3", "0x10", "99999999999999999999999", "-", "+", "ten", "1 ", "½"));
    return Arbitraries.oneOf(parts);
  }

  /** A query parameter with a value its schema refuses, or one that is merely odd (reads only). */
  Arbitrary<RouteCase> queryParam(RouteCase base, OpenApiDocument.Param param) {
    String sep = base.path().contains("?") ? "&" : "?";
    JsonNode schema = param.schema();
    Arbitrary<RouteCase> refused = schema.path("type").asText().equals("integer")
        ? integerOutside(schema).map(v -> base.path(base.path() + sep + param.name() + "=" + encode(v), true)
            .with("query", 400, param.name()))
        : Arbitraries.strings().ofMaxLength(200).map(v -> base.path(base.path() + sep + param.name() + "=" + encode(v), true)
            .with("query", 0, null));
    Arbitrary<RouteCase> odd = Arbitraries.of("%C3%28", "%FF", "%ED%A0%80", "%00", "", "%20", "1&" + param.name() + "=2",
            "１", "*", "a,b,,c", "policy.*", ".*", "x".repeat(3000))
        .map(v -> base.path(base.path() + sep + param.name() + "=" + v, true).with("query", 0, null));
    return Arbitraries.oneOf(refused, odd);
  }

  /** Bodies broken against the documented request schema; every one must be refused. */
  List<Arbitrary<RouteCase>> bodyBreakages(OpenApiDocument.Operation op, RouteCase base) {
    JsonNode schema = op.bodySchema(DOC);
    ObjectNode example = (ObjectNode) op.bodyExample();
    var all = new ArrayList<Arbitrary<RouteCase>>();
    Arbitrary<String> malformed = Arbitraries.of(MALFORMED)
        .filter(m -> op.bodyRequired() || !m.isBlank()); // an optional body may be empty
    String valid = write(example);
    all.add(Arbitraries.oneOf(malformed,
            Arbitraries.integers().between(1, valid.length() - 1).map(n -> valid.substring(0, n)),
            Arbitraries.strings().ofMinLength(1).ofMaxLength(100).map(g -> "\u0001" + g))
        .map(m -> base.body(m).with("body-malformed", 400, "body")));
    // where an array of reports is a valid shape, an array is refused for what is in it, named by index
    boolean arrays = types(schema).contains("array");
    all.add(nonObjectJson().map(j -> base.body(j)
        .with("body-not-object", 400, arrays && j.startsWith("[") && !j.equals("[]") ? null : "body")));
    var fields = new ArrayList<String[]>(); // {dotted name, pointer into the schema's properties}
    collectFields(schema, "", fields);
    // not the fields of an optional object the example leaves out (a promotion's rollout or watch)
    fields.removeIf(f -> f[0].contains(".")
        && !example.at("/" + f[0].substring(0, f[0].lastIndexOf('.')).replace('.', '/')).isObject());
    for (String[] f : fields) {
      JsonNode fieldSchema = fieldSchema(schema, f[0]);
      Set<String> types = types(fieldSchema);
      all.add(Arbitraries.of(wrongTypedValues(types))
          .map(v -> base.body(write(with(example.deepCopy(), f[0], v))).with("body-wrong-type", 400, f[0])));
      List<JsonNode> outside = outsideValues(fieldSchema);
      if (!outside.isEmpty()) {
        all.add(Arbitraries.of(outside)
            .map(v -> base.body(write(with(example.deepCopy(), f[0], v))).with("body-range", 400, outsideField(f[0], v))));
      }
      if (required(schema, f[0])) {
        all.add(Arbitraries.just(base.body(write(without(example.deepCopy(), f[0]))).with("body-missing", 400, f[0])));
      }
    }
    Arbitrary<String> keys = Arbitraries.strings().alpha().numeric().withChars('_', '-', '.', '$', ' ', 'é').ofMinLength(1).ofMaxLength(20);
    all.add(Combinators.combine(keys, nonObjectJson()).as((k, v) -> {
      ObjectNode b = example.deepCopy();
      if (b.has(k)) {
        k = k + "_unknown";
      }
      b.set(k, Json.parse(v, "test"));
      return base.body(write(b)).with("body-unknown-field", 400, k);
    }));
    for (String[] f : fields) {
      if (f[0].contains(".")) { // an unknown member inside a nested object names it with its parent
        String parent = f[0].substring(0, f[0].indexOf('.'));
        JsonNode members = objectAlternative(fieldSchema(schema, parent)).path("properties");
        all.add(keys.filter(k -> !members.has(k)).map(k -> {
          ObjectNode b = example.deepCopy();
          ((ObjectNode) b.get(parent)).put(k, 1);
          return base.body(write(b)).with("body-unknown-field", 400, parent + "." + k);
        }));
      }
    }
    all.add(Combinators.combine(Arbitraries.integers().between(1, 64 * 1024), Arbitraries.of(true, false)).as((extra, chunked) -> {
      String prefix = "{\"reason\":\"";
      byte[] body = new byte[(int) HttpApi.MAX_BODY_BYTES + extra];
      Arrays.fill(body, (byte) 'x');
      System.arraycopy(prefix.getBytes(StandardCharsets.US_ASCII), 0, body, 0, prefix.length());
      body[body.length - 2] = '"';
      body[body.length - 1] = '}';
      return base.body(body, chunked).with("body-too-large", 413, "body");
    }));
    return all;
  }

  /**
   * Dotted names of the fields a body schema declares, nested objects included (velocity.maxChanges);
   * for a body that is an object or an array of them (outcome reports), the object's.
   */
  void collectFields(JsonNode schema, String prefix, List<String[]> out) {
    JsonNode s = objectAlternative(schema);
    if (s == null) {
      return;
    }
    for (var p : s.path("properties").properties()) {
      String name = prefix + p.getKey();
      out.add(new String[] {name});
      JsonNode nested = objectAlternative(p.getValue());
      if (nested != null && nested.has("properties")) {
        collectFields(nested, name + ".", out);
      }
    }
  }

  JsonNode fieldSchema(JsonNode schema, String dotted) {
    JsonNode s = objectAlternative(schema);
    String[] parts = dotted.split("\\.");
    for (int i = 0; i < parts.length; i++) {
      s = DOC.resolve(s.path("properties").path(parts[i]));
      if (i < parts.length - 1) {
        s = objectAlternative(s);
      }
    }
    return s;
  }

  boolean required(JsonNode schema, String dotted) {
    int dot = dotted.lastIndexOf('.');
    JsonNode parent = objectAlternative(dot < 0 ? schema : fieldSchema(schema, dotted.substring(0, dot)));
    String leaf = dotted.substring(dot + 1);
    for (JsonNode r : parent.path("required")) {
      if (r.asText().equals(leaf)) {
        return true;
      }
    }
    return false;
  }

  /** The object schema among a field's alternatives (velocity is null or a Velocity object), or null. */
  JsonNode objectAlternative(JsonNode schema) {
    JsonNode s = DOC.resolve(schema);
    if (types(s).contains("object") && s.has("properties")) {
      return s;
    }
    for (JsonNode alt : s.path("oneOf")) {
      JsonNode a = DOC.resolve(alt);
      if (a.path("type").asText().equals("object")) {
        return a;
      }
    }
    return null;
  }

  /** The JSON types a schema allows, across {@code type} and {@code oneOf}. */
  Set<String> types(JsonNode schema) {
    JsonNode s = DOC.resolve(schema);
    var t = new java.util.TreeSet<String>();
    if (s.path("type").isTextual()) {
      t.add(s.get("type").asText());
    }
    s.path("type").forEach(x -> t.add(x.asText()));
    s.path("oneOf").forEach(alt -> t.addAll(types(alt)));
    if (t.contains("integer")) {
      t.remove("number"); // never listed together here; an integer field refuses fractions
    }
    return t;
  }

  static List<JsonNode> wrongTypedValues(Set<String> allowed) {
    var values = new ArrayList<JsonNode>();
    if (!allowed.contains("integer") && !allowed.contains("number")) {
      values.add(F.numberNode(1));
      values.add(F.numberNode(-7));
    }
    if (!allowed.contains("number")) {
      values.add(F.numberNode(1.5));
      values.add(F.numberNode(60.0));
    }
    if (!allowed.contains("string")) {
      values.add(F.textNode("1"));
      values.add(F.textNode(""));
    }
    if (!allowed.contains("boolean")) {
      values.add(F.booleanNode(true));
    }
    if (!allowed.contains("array")) {
      values.add(Json.parse("[1]", "test"));
      values.add(Json.parse("[]", "test"));
    }
    if (!allowed.contains("object")) {
      values.add(obj("{\"k\":1}"));
    }
    if (!allowed.contains("null")) {
      values.add(F.nullNode());
    }
    return values;
  }

  /** Values of the right type that break the schema's other keywords: bounds, length, pattern, enum, I-JSON. */
  static List<JsonNode> outsideValues(JsonNode schema) {
    var v = new ArrayList<JsonNode>();
    if (schema.has("minimum")) {
      long min = schema.get("minimum").asLong();
      v.add(F.numberNode(min - 1));
      v.add(F.numberNode(Long.MIN_VALUE));
    }
    if (schema.has("maximum")) {
      long max = schema.get("maximum").asLong();
      v.add(F.numberNode(max + 1));
      v.add(F.numberNode(Long.MAX_VALUE));
      v.add(F.numberNode(BigInteger.TWO.pow(70)));
    }
    if (schema.has("maxLength")) {
      v.add(F.textNode("x".repeat(schema.get("maxLength").asInt() + 1)));
    }
    if (schema.has("pattern")) {
      Pattern pattern = Pattern.compile(schema.get("pattern").asText());
      for (String s : List.of("a\u0000b", "-dash-first", "has space", "", "é", "x".repeat(65), "a/b")) {
        if (!pattern.matcher(s).find()) {
          v.add(F.textNode(s));
        }
      }
    }
    if (schema.has("enum")) {
      for (String s : List.of("root", "ADMIN", "", "viewer ")) {
        v.add(F.textNode(s));
      }
    }
    if (schema.path("type").asText().equals("object") && !schema.has("properties")) { // free-form: I-JSON applies
      v.add(obj("{\"x\":" + BigInteger.TWO.pow(60) + "}"));
    }
    return v;
  }

  /** The field a 400 names for a value outside a field's schema: a free-form object names the JSON pointer inside it. */
  static String outsideField(String field, JsonNode value) {
    return value.isObject() && value.has("x") ? "/" + field + "/x" : field;
  }
}
