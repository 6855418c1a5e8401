package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
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
 */
class BadInputProperties {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static final String P = "/api/v1/policies/existing";
  private static final Pattern POLICY_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Pattern TOKEN_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private static TestServer server;
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
      Map.entry("/api/v1/audit/verify", Set.of("GET")));

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
    headAtStart = server.journalHead();
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
      "bad-query", "wrong-method", "too-large", "jetty-limits");

  @Provide
  Arbitrary<Bad> badRequests() {
    return Arbitraries.oneOf(List.of(malformedJson(), notAnObject(), wrongType(), missingField(), invalidName(),
        unknownPolicy(), badVersion(), guardRange(), unknownField(), hugeNumber(), badText(), badQuery(),
        wrongMethod(), tooLarge(), jettyLimits()));
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

  // --- what Jetty refuses on its own: headers or a URI over its limits

  Arbitrary<Bad> jettyLimits() {
    Arbitrary<Bad> header = Arbitraries.integers().between(9_000, 20_000).map(n ->
        new Bad("jetty-limits", "GET", "/api/v1/policies", null, false, Map.of("X-Padding", "p".repeat(n)), 431, "headers"));
    Arbitrary<Bad> uri = Arbitraries.integers().between(9_000, 20_000).map(n ->
        Bad.of("jetty-limits", "GET", "/api/v1/policies/" + "a".repeat(n), null, 414, "uri"));
    return Arbitraries.oneOf(header, uri);
  }
}
