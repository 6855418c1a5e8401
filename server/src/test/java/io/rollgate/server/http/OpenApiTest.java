package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.rollgate.json.Json;
import io.rollgate.policy.GuardConfig;
import io.rollgate.policy.PolicyName;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.token.Role;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document at {@code /openapi.json} is valid OpenAPI 3.1, lists exactly the routes the
 * router has with the roles they are registered with, states the limits the code enforces, and
 * describes what the server really answers: a tour calls every operation into every status the
 * document lists for it and checks each answer against the document's schemas.
 */
class OpenApiTest {
  private static final OpenApiDocument DOC = OpenApiDocument.load();
  private static final String METRICS_TOKEN = "metrics-scrape-token-0123456789";
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(null, cfg -> cfg.withMetricsToken(METRICS_TOKEN));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void the_document_is_served_publicly_as_json_whatever_the_authorization_header_says() {
    for (String auth : Arrays.asList(null, "Bearer rg_not-a-token", "Basic Zm9vOmJhcg==", "Bearer " + TestServer.ADMIN_TOKEN)) {
      var r = HttpProbe.send(HttpProbe.request(server, "GET", "/openapi.json", auth, null).build());

      assertThat(r.status()).as("with Authorization %s", auth).isEqualTo(200);
      assertThat(r.contentType()).startsWith("application/json");
      assertThat(r.body()).isEqualTo(DOC.text);
    }
  }

  @Test
  void swagger_parser_reads_it_as_openapi_3_1_without_a_single_message() {
    var result = parse(DOC.text);

    assertThat(result.getMessages()).isEmpty();
    assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(io.swagger.v3.oas.models.SpecVersion.V31);
    assertThat(result.getOpenAPI().getOpenapi()).startsWith("3.1.");
    assertThat(result.getOpenAPI().getPaths()).hasSize(DOC.root.path("paths").size());
  }

  @Test
  void swagger_parser_does_report_a_broken_document_so_its_silence_means_something() {
    var result = parse(broken());

    assertThat(result.getMessages()).anySatisfy(m -> assertThat(m).contains("responses"));
  }

  @Test
  void it_validates_against_the_openapi_initiatives_json_schema_for_3_1() {
    assertThat(validateAgainstOasSchema(DOC.root)).isEmpty();
    assertThat(validateAgainstOasSchema(Json.parse(broken(), "broken"))).as("a broken copy is caught").isNotEmpty();
  }

  @Test
  void every_schema_in_it_is_a_valid_json_schema_2020_12() {
    var metaFactory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    var meta = metaFactory.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    var problems = new ArrayList<String>();
    forEachSchema((where, schema) -> meta.validate(schema).forEach(m -> problems.add(where + ": " + m.getMessage())));

    assertThat(problems).isEmpty();
    var count = new int[1];
    forEachSchema((where, schema) -> count[0]++);
    assertThat(count[0]).as("schemas checked").isGreaterThan(30);
  }

  // --- the document and the router agree

  @Test
  void every_registered_route_is_documented_with_the_role_it_is_registered_with() {
    Map<String, String> live = LiveRoutes.of(server.server().app());
    Map<String, String> documented = documentedRoutes();

    assertThat(documented).as("document ⊇ router").containsAllEntriesOf(live);
  }

  /**
   * Until the events and metrics branches are merged, {@code GET /api/v1/events} and {@code GET /metrics}
   * are documented but not registered, and this test names them.
   */
  @Test
  void every_documented_operation_is_registered_with_the_role_the_document_gives_it() {
    Map<String, String> live = LiveRoutes.of(server.server().app());
    Map<String, String> documented = documentedRoutes();

    assertThat(live).as("router ⊇ document").containsAllEntriesOf(documented);
  }

  private static Map<String, String> documentedRoutes() {
    return DOC.operations().stream().collect(Collectors.toMap(OpenApiDocument.Operation::key,
        o -> o.role() == null ? "" : o.role(), (a, b) -> a, TreeMap::new));
  }

  // --- what the document promises about every operation

  @Test
  void every_request_body_refuses_unknown_fields_like_the_server_does() {
    var open = new ArrayList<String>();
    for (var op : DOC.operations()) {
      JsonNode schema = op.bodySchema(DOC);
      if (schema != null) {
        collectOpenObjects(op + " body", schema, open);
      }
    }

    assertThat(open).isEmpty();
    assertThat(DOC.operations().stream().filter(o -> o.requestBody() != null).count()).isEqualTo(7);
  }

  /** Objects whose members the server checks must say additionalProperties: false; free-form documents are exempt. */
  private void collectOpenObjects(String where, JsonNode schema, List<String> open) {
    JsonNode s = DOC.resolve(schema);
    for (JsonNode alt : s.path("oneOf")) {
      collectOpenObjects(where, alt, open);
    }
    if (!s.has("properties")) {
      return;
    }
    if (!s.path("additionalProperties").isBoolean() || s.path("additionalProperties").asBoolean()) {
      open.add(where);
    }
    s.path("properties").properties().forEach(p -> collectOpenObjects(where + "." + p.getKey(), p.getValue(), open));
  }

  @Test
  void every_operation_documents_its_refusals_as_problem_documents() {
    var missing = new ArrayList<String>();
    for (var op : DOC.operations()) {
      Set<String> statuses = op.statuses();
      Consumer<String> need = code -> {
        if (!statuses.contains(code)) {
          missing.add(op + " lacks " + code);
        }
      };
      if (op.role() != null) {
        need.accept("401");
        need.accept("429");
        if (!op.role().equals("viewer")) {
          need.accept("403");
        }
      }
      if (!op.params().isEmpty() || op.requestBody() != null) {
        need.accept("400");
      }
      if (op.requestBody() != null) {
        need.accept("413");
        need.accept("503");
      }
      for (String code : statuses) {
        JsonNode response = DOC.resolve(op.node().path("responses").path(code));
        if (code.startsWith("4") && !response.path("content").path(Problem.MEDIA_TYPE).path("schema").path("$ref")
            .asText().equals("#/components/schemas/Problem")) {
          missing.add(op + " " + code + " is not a Problem document");
        }
      }
    }
    JsonNode unauthorized = DOC.root.at("/components/responses/Unauthorized/headers");
    JsonNode limited = DOC.root.at("/components/responses/TooManyFailedAuthentications/headers");

    assertThat(missing).isEmpty();
    assertThat(unauthorized.has("WWW-Authenticate")).isTrue();
    assertThat(limited.has("Retry-After")).isTrue();
  }

  @Test
  void every_documented_example_request_body_is_valid_against_its_own_schema() {
    var problems = new ArrayList<String>();
    for (var op : DOC.operations()) {
      if (op.requestBody() == null) {
        continue;
      }
      assertThat(op.bodyExample()).as("%s has an example body", op).isNotNull();
      String pointer = op.node().path("requestBody").path("content").path("application/json").path("schema")
          .path("$ref").asText().substring(1);
      DOC.validate(pointer, op.bodyExample()).forEach(m -> problems.add(op + ": " + m));
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void the_documented_limits_are_the_ones_the_code_enforces() {
    JsonNode s = DOC.root.path("components").path("schemas");
    assertThat(s.at("/PutPolicyRequest/properties/reason/maxLength").asInt()).isEqualTo(PolicyRoutes.MAX_REASON);
    assertThat(s.at("/GuardsRequest/properties/cooldownSeconds/maximum").asLong()).isEqualTo(GuardConfig.MAX_SECONDS);
    assertThat(s.at("/Velocity/properties/windowSeconds/maximum").asLong()).isEqualTo(GuardConfig.MAX_SECONDS);
    assertThat(DOC.operation("GET", "/api/v1/audit").params("query").stream()
        .filter(p -> p.name().equals("limit")).findFirst().orElseThrow().schema().path("maximum").asInt())
        .isEqualTo(JournalReader.MAX_PAGE);
    assertThat(DOC.operation("GET", "/api/v1/policies/{name}/versions").params("query").get(0).schema()
        .path("maximum").asInt()).isEqualTo(PolicyStore.MAX_HISTORY);
    assertThat(s.at("/TokenRequest/properties/role/enum")).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(Role.values()).map(Role::wire).toList());
    assertThat(DOC.root.at("/info/description").asText()).contains(HttpApi.MAX_BODY_BYTES / (1024 * 1024) + " MiB");

    Pattern documentedName = Pattern.compile(s.at("/PolicyName/pattern").asText());
    for (String name : List.of("a", "limits", "resource-limits", "a_b", "0", "x".repeat(64), "x".repeat(65), "", "-a",
        "_a", "A", "a.b", "a b", "é", "a/b", "abc-", "9lives")) {
      assertThat(documentedName.matcher(name).find()).as("document on '%s'", name).isEqualTo(acceptsPolicyName(name));
    }
  }

  private static boolean acceptsPolicyName(String name) {
    try {
      PolicyName.of(name);
      return true;
    } catch (io.rollgate.error.InvalidInputException e) {
      return false;
    }
  }

  // --- the server answers as documented

  /**
   * Calls every registered operation into every status its document entry lists (except 500 and 503,
   * which need a broken store), and checks every answer: a listed status, a listed media type, and a
   * JSON body its schema accepts.
   */
  @Test
  void a_tour_of_every_operation_gets_every_documented_answer_and_each_matches_its_schema() {
    Set<String> live = LiveRoutes.of(server.server().app()).keySet();
    var ops = DOC.operations().stream().filter(o -> live.contains(o.key())).toList();
    String viewer = "Bearer " + server.token("tour-viewer", "viewer");
    String admin = "Bearer " + TestServer.ADMIN_TOKEN;
    var tour = new Tour();

    // the policy first, so that the other operations find it
    var put = DOC.operation("PUT", "/api/v1/policies/{name}");
    tour.call(put, "PUT", "/api/v1/policies/tour", admin, Json.write(put.bodyExample()));
    for (var op : ops) { // every success, in document order; PUT again is a 200 (no-op)
      String auth = op.role() != null ? admin : op.template().equals("/metrics") ? "Bearer " + METRICS_TOKEN : null;
      tour.call(op, op.method(), concrete(op, "tour"), auth, op.bodyExample() == null ? null : Json.write(op.bodyExample()));
    }
    var tokens = DOC.operation("POST", "/api/v1/tokens");
    tour.call(tokens, "POST", "/api/v1/tokens", admin, Json.write(tokens.bodyExample())); // the name is taken now
    for (var op : ops) {
      if (op.params("path").stream().anyMatch(p -> p.name().equals("name"))) {
        tour.call(op, op.method(), concrete(op, "Not A Name"), admin, body(op));
        if (op.statuses().contains("404")) {
          tour.call(op, op.method(), concrete(op, "missing"), admin, body(op));
        }
      } else if (!op.params("query").isEmpty()) {
        tour.call(op, op.method(), concrete(op, "tour") + "?" + op.params("query").get(0).name() + "=abc", admin, null);
      } else if (op.requestBody() != null) {
        tour.call(op, op.method(), concrete(op, "tour"), admin, "{");
      }
      if (op.requestBody() != null) {
        tour.call(op, op.method(), concrete(op, "tour"), admin, "{\"reason\":\"" + "x".repeat((int) HttpApi.MAX_BODY_BYTES) + "\"}");
      }
      if (op.role() != null) {
        tour.call(op, op.method(), concrete(op, "tour"), null, body(op));
        if (!op.role().equals("viewer")) {
          tour.call(op, op.method(), concrete(op, "tour"), viewer, body(op));
        }
      }
      if (op.template().equals("/metrics")) {
        tour.call(op, "GET", "/metrics", null, null);
      }
    }
    tour.call(DOC.operation("GET", "/api/v1/policies/{name}/versions/{version}"), "GET",
        "/api/v1/policies/tour/versions/999", admin, null);
    for (int i = 0; i < AuthLimits.DEFAULTS.maxFailures(); i++) { // and last, limited: every protected route says 429
      tour.call(DOC.operation("GET", "/api/v1/policies"), "GET", "/api/v1/policies", "Bearer rg_guess-" + i, null);
    }
    for (var op : ops) {
      if (op.role() != null) {
        tour.call(op, op.method(), concrete(op, "tour"), admin, body(op));
      }
    }

    assertThat(tour.problems).isEmpty();
    var unobserved = new TreeSet<String>();
    for (var op : ops) {
      for (String code : op.statuses()) {
        if (!code.equals("500") && !code.equals("503") && !tour.observed.contains(op.key() + " " + code)) {
          unobserved.add(op.key() + " " + code);
        }
      }
    }
    assertThat(unobserved).as("documented answers the tour never got").isEmpty();
  }

  /** Sends requests, records which (operation, status) pairs it saw and every way an answer departs from the document. */
  private static final class Tour {
    final Set<String> observed = new TreeSet<>();
    final List<String> problems = new ArrayList<>();

    void call(OpenApiDocument.Operation op, String method, String path, String auth, String body) {
      var r = HttpProbe.send(HttpProbe.request(server, method, path, auth, body).build());
      observed.add(op.key() + " " + r.status());
      DOC.conformance(op, r.status(), r.contentType(), r.body())
          .forEach(p -> problems.add(method + " " + HttpProbe.shorten(path) + ": " + p + "\n    " + r));
    }
  }

  private static String body(OpenApiDocument.Operation op) {
    return op.bodyExample() == null ? null : Json.write(op.bodyExample());
  }

  /** The operation's path with {@code name} and {@code version} filled in. */
  static String concrete(OpenApiDocument.Operation op, String name) {
    return op.template().replace("{name}", URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
        .replace("{version}", "1");
  }

  // --- helpers

  private static io.swagger.v3.parser.core.models.SwaggerParseResult parse(String text) {
    var options = new ParseOptions();
    options.setResolve(true);
    return new OpenAPIV3Parser().readContents(text, null, options);
  }

  /** A copy of the document with one operation's responses removed and an unknown member added. */
  private static String broken() {
    ObjectNode copy = (ObjectNode) DOC.root.deepCopy();
    ((ObjectNode) copy.at("/paths/~1api~1v1~1audit/get")).remove("responses");
    copy.put("pathz", "typo");
    return Json.write(copy);
  }

  private static List<String> validateAgainstOasSchema(JsonNode document) {
    String id = "https://spec.openapis.org/oas/3.1/schema/2021-04-15";
    var factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
        b -> b.schemaLoaders(l -> l.schemas(Map.of(id, resource("/openapi/oas-3.1-schema-2021-04-15.json")))));
    Set<ValidationMessage> errors = factory.getSchema(SchemaLocation.of(id)).validate(document);
    return errors.stream().map(ValidationMessage::getMessage).toList();
  }

  private static String resource(String name) {
    try (var in = OpenApiTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.io.IOException | NullPointerException e) {
      throw new IllegalStateException("test resource " + name + " is missing", e);
    }
  }

  /** Every Schema Object in the document: component schemas, parameter, header and media-type schemas. */
  private static void forEachSchema(java.util.function.BiConsumer<String, JsonNode> each) {
    DOC.root.at("/components/schemas").properties().forEach(e -> each.accept("#/components/schemas/" + e.getKey(), e.getValue()));
    var found = new LinkedHashMap<String, JsonNode>();
    collectSchemas("#/paths", DOC.root.path("paths"), found);
    collectSchemas("#/components/parameters", DOC.root.at("/components/parameters"), found);
    collectSchemas("#/components/responses", DOC.root.at("/components/responses"), found);
    found.forEach(each);
  }

  private static void collectSchemas(String where, JsonNode node, Map<String, JsonNode> found) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        String at = where + "/" + OpenApiDocument.escape(e.getKey());
        if (e.getKey().equals("schema") && e.getValue().isObject()) {
          found.put(at, e.getValue());
        } else {
          collectSchemas(at, e.getValue(), found);
        }
      });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectSchemas(where + "/" + i, node.get(i), found);
      }
    }
  }
}
