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
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.Bucketing;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Stages;
import io.rollgate.server.events.EventTypes;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.rollout.NewRollout;
import io.rollgate.store.rollout.Outcome;
import io.rollgate.store.rollout.RolloutStore;
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
import java.util.stream.IntStream;
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
    assertThat(DOC.operations().stream().filter(o -> o.requestBody() != null).count()).isEqualTo(33);
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
      // OFREP answers with its own error bodies, and its POSTs only read (served while draining: no 503)
      boolean ofrep = op.template().startsWith("/ofrep/");
      if (op.requestBody() != null) {
        need.accept("413");
        if (!ofrep) {
          need.accept("503");
        }
      }
      for (String code : statuses) {
        JsonNode response = DOC.resolve(op.node().path("responses").path(code));
        if (code.startsWith("4") && !ofrep && !response.path("content").path(Problem.MEDIA_TYPE).path("schema")
            .path("$ref").asText().equals("#/components/schemas/Problem")) {
          missing.add(op + " " + code + " is not a Problem document");
        }
        if (code.startsWith("4") && ofrep && !response.path("content").path("application/json").path("schema")
            .path("$ref").asText().startsWith("#/components/schemas/Ofrep")) {
          missing.add(op + " " + code + " is not an OFREP error body");
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

    assertThat(s.at("/CreateRolloutRequest/properties/reason/maxLength").asInt()).isEqualTo(RolloutRoutes.MAX_REASON)
        .isEqualTo(NewRollout.MAX_REASON);
    assertThat(s.at("/RolloutActionRequest/properties/reason/maxLength").asInt()).isEqualTo(RolloutRoutes.MAX_REASON);
    assertThat(s.at("/CreateRolloutRequest/properties/stages/maxItems").asInt()).isEqualTo(Stages.MAX_STAGES);
    assertThat(s.at("/StageRequest/properties/name/maxLength").asInt()).isEqualTo(64);
    assertThat(s.at("/StageRequest/properties/minDurationSeconds/maximum").asLong())
        .isEqualTo(Stage.MAX_DURATION.toSeconds());
    assertThat(s.at("/AnalysisRequest/properties/intervalSeconds/maximum").asLong())
        .isEqualTo(AnalysisSettings.MAX_INTERVAL.toSeconds());
    assertThat(s.at("/AnalysisRequest/properties/failureLimit/maximum").asInt()).isEqualTo(AnalysisSettings.MAX_LIMIT);
    assertThat(s.at("/AnalysisRequest/properties/consecutiveErrorLimit/maximum").asInt())
        .isEqualTo(AnalysisSettings.MAX_LIMIT);
    assertThat(s.at("/AnalysisRequest/properties/query/maxLength").asInt()).isEqualTo(AnalysisSettings.MAX_QUERY_LENGTH);
    assertThat(s.at("/OutcomeReport/properties/success/maximum").asLong()).isEqualTo(Outcome.MAX_COUNT);
    assertThat(s.at("/OutcomeReport/properties/error/maximum").asLong()).isEqualTo(Outcome.MAX_COUNT);
    assertThat(s.at("/OutcomeReports/oneOf/1/maxItems").asInt()).isEqualTo(RolloutStore.MAX_OUTCOME_BATCH);
    assertThat(s.at("/RolloutStatus/properties/measurements/maxItems").asInt()).isEqualTo(RolloutRoutes.MEASUREMENTS_SHOWN);
    assertThat(DOC.operation("GET", "/api/v1/rollouts").params("query").stream()
        .filter(p -> p.name().equals("limit")).findFirst().orElseThrow().schema().path("maximum").asInt())
        .isEqualTo(RolloutStore.MAX_LIST);

    Pattern documentedName = Pattern.compile(s.at("/PolicyName/pattern").asText());
    for (String name : List.of("a", "limits", "resource-limits", "a_b", "0", "x".repeat(64), "x".repeat(65), "", "-a",
        "_a", "A", "a.b", "a b", "é", "a/b", "abc-", "9lives")) {
      assertThat(documentedName.matcher(name).find()).as("document on '%s'", name).isEqualTo(acceptsPolicyName(name));
    }
  }

  /** The documented event types are the ones the stream knows, so a client's filter never surprises it. */
  @Test
  void the_documented_event_types_are_the_ones_the_server_knows() {
    JsonNode enumerated = DOC.root.at("/components/schemas/Event/properties/type/enum");
    String description = "";
    for (JsonNode p : DOC.operation("GET", "/api/v1/events").node().path("parameters")) {
      description = p.path("name").asText().equals("types") ? p.path("description").asText() : description;
    }
    var transitions = DOC.root.at("/components/schemas/Transition/properties/type/enum");

    assertThat(enumerated).extracting(JsonNode::asText).containsExactlyElementsOf(EventTypes.JOURNAL);
    assertThat(description).contains("Known types: " + String.join(", ", EventTypes.ALL) + ".");
    assertThat(transitions).extracting(JsonNode::asText)
        .containsExactlyElementsOf(EventTypes.JOURNAL.stream().filter(t -> t.startsWith("rollout.")).toList());
  }

  /** The documented id pattern is the one the router checks: a malformed id is a 400, a well-formed unknown one a 404. */
  @Test
  void the_documented_rollout_id_pattern_is_the_one_the_server_checks() {
    server.clock().advance(AuthLimits.DEFAULTS.window().plusSeconds(1)); // past the tour's failed authentications
    Pattern documented = Pattern.compile(DOC.root.at("/components/schemas/RolloutId/pattern").asText());
    String admin = "Bearer " + TestServer.ADMIN_TOKEN;
    for (String id : List.of("limits-1", "a-9999999999", "a-99999999999", "a-0", "a-01", "a-1a", "limits", "-1",
        "limits-", "Limits-1", "a_b-c-2", "x".repeat(64) + "-3", "x".repeat(65) + "-3", "%C3%A9-1", "a.b-1", "a%20b-1")) {
      var r = HttpProbe.send(HttpProbe.request(server, "GET", "/api/v1/rollouts/" + id, admin, null).build());
      String decoded = java.net.URLDecoder.decode(id, StandardCharsets.UTF_8);

      assertThat(r.status()).as("GET /api/v1/rollouts/%s: %s", id, r).isEqualTo(documented.matcher(decoded).find() ? 404 : 400);
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

    // the policy first, so that the other operations find it; then the rollouts the tour works on
    var put = DOC.operation("PUT", "/api/v1/policies/{name}");
    tour.call(put, "PUT", "/api/v1/policies/tour", admin, Json.write(put.bodyExample()));
    var rollouts = new TourRollouts(tour, admin, "Bearer " + server.token("tour-author", "operator"));
    for (var op : ops) { // every success, in document order; PUT again is a 200 (no-op)
      String auth = op.role() != null ? admin : op.template().equals("/metrics") ? "Bearer " + METRICS_TOKEN : null;
      tour.call(op, op.method(), rollouts.path(op), auth, rollouts.successBody(op));
    }
    var tokens = DOC.operation("POST", "/api/v1/tokens");
    tour.call(tokens, "POST", "/api/v1/tokens", admin, Json.write(tokens.bodyExample())); // the name is taken now
    for (var op : ops) {
      if (!op.params("path").isEmpty()) {
        tour.call(op, op.method(), concrete(op, "Not A Name"), admin, body(op));
        if (op.statuses().contains("404")) {
          tour.call(op, op.method(), concrete(op, "missing", "missing-1"), admin, body(op));
        }
      } else if (!op.params("query").isEmpty()) {
        tour.call(op, op.method(), concrete(op, "tour") + "?" + op.params("query").get(0).name() + "=abc", admin, null);
      } else if (op.requestBody() != null) {
        tour.call(op, op.method(), concrete(op, "tour"), admin, "{");
      }
      if (op.requestBody() != null) {
        tour.call(op, op.method(), rollouts.path(op), admin, "{\"reason\":\"" + "x".repeat((int) HttpApi.MAX_BODY_BYTES) + "\"}");
      }
      if (op.role() != null) {
        tour.call(op, op.method(), rollouts.path(op), null, body(op));
        if (!op.role().equals("viewer")) {
          tour.call(op, op.method(), rollouts.path(op), viewer, body(op));
        }
      }
      if (op.template().equals("/metrics")) {
        tour.call(op, "GET", "/metrics", null, null);
      }
    }
    tour.call(DOC.operation("GET", "/api/v1/policies/{name}/versions/{version}"), "GET",
        "/api/v1/policies/tour/versions/999", admin, null);
    rollouts.refusalsAndEvidence();
    rollouts.incidentRefusals();
    ofrep(tour, admin);
    for (int i = 0; i < AuthLimits.DEFAULTS.maxFailures(); i++) { // and last, limited: every protected route says 429
      tour.call(DOC.operation("GET", "/api/v1/policies"), "GET", "/api/v1/policies", "Bearer rg_guess-" + i, null);
    }
    for (var op : ops) {
      if (op.role() != null) {
        tour.call(op, op.method(), rollouts.path(op), admin, body(op));
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

  /** OFREP's answers the generic calls do not reach: a split without a targeting key, a bad body, a revalidation. */
  private static void ofrep(Tour tour, String admin) {
    var single = DOC.operation("POST", "/ofrep/v1/evaluate/flags/{key}");
    tour.expect(400, single, "POST", "/ofrep/v1/evaluate/flags/tour", admin, "{");
    var missing = tour.expect(400, single, "POST", "/ofrep/v1/evaluate/flags/tour-read.enforce", admin, "{}");
    assertThat(missing.json().path("errorCode").asText()).isEqualTo("TARGETING_KEY_MISSING");
    tour.expect(200, single, "POST", "/ofrep/v1/evaluate/flags/tour-read.enforce", admin,
        "{\"context\":{\"targetingKey\":\"user-1\"}}");
    var bulk = DOC.operation("POST", "/ofrep/v1/evaluate/flags");
    String etag = tour.expect(200, bulk, "POST", "/ofrep/v1/evaluate/flags", admin, body(bulk)).header("ETag").orElseThrow();
    var r = HttpProbe.send(HttpProbe.request(server, "POST", "/ofrep/v1/evaluate/flags", admin, body(bulk))
        .header("If-None-Match", etag).build());
    assertThat(r.status()).as("%s", r).isEqualTo(304);
    tour.observed.add(bulk.key() + " " + r.status());
    tour.problems.addAll(DOC.conformance(bulk, r.status(), r.contentType(), r.body()));
  }

  /** Sends requests, records which (operation, status) pairs it saw and every way an answer departs from the document. */
  private static final class Tour {
    final Set<String> observed = new TreeSet<>();
    final List<String> problems = new ArrayList<>();

    TestServer.Response call(OpenApiDocument.Operation op, String method, String path, String auth, String body) {
      var r = HttpProbe.send(HttpProbe.request(server, method, path, auth, body).build());
      observed.add(op.key() + " " + r.status());
      DOC.conformance(op, r.status(), r.contentType(), r.body())
          .forEach(p -> problems.add(method + " " + HttpProbe.shorten(path) + ": " + p + "\n    " + r));
      return r;
    }

    /** A call that must get {@code status}: the tour relies on it to reach a state or an answer. */
    TestServer.Response expect(int status, OpenApiDocument.Operation op, String method, String path, String auth,
        String body) {
      var r = call(op, method, path, auth, body);
      assertThat(r.status()).as("%s %s: %s", method, path, r).isEqualTo(status);
      return r;
    }
  }

  /**
   * The rollouts the tour works on: one to read, evaluate and report outcomes for, and one for each
   * action, in the phase where the action succeeds, each on its own policy (a policy under rollout
   * refuses direct changes). An operator creates them, so that the admin may approve (four-eyes).
   */
  private static final class TourRollouts {
    static final List<String> ACTIONS = List.of("advance", "rollback", "pause", "resume", "abort");
    final Tour tour;
    final String admin;
    final String author;
    /** "read" or an action → the rollout the tour uses for it. */
    final Map<String, String> ids = new LinkedHashMap<>();
    /** "read" or a lifecycle action → the incident the tour uses for it. */
    final Map<String, String> incidents = new LinkedHashMap<>();
    final OpenApiDocument.Operation create = DOC.operation("POST", "/api/v1/rollouts");
    final OpenApiDocument.Operation putPolicy = DOC.operation("PUT", "/api/v1/policies/{name}");

    TourRollouts(Tour tour, String admin, String author) {
      this.tour = tour;
      this.admin = admin;
      this.author = author;
      ids.put("read", start("tour-read", author));
      for (String action : ACTIONS) {
        ids.put(action, start("tour-" + action, author));
      }
      policy("tour-create"); // the tour's own create finds it without a rollout
      act("pause", ids.get("resume"), author, 200);
      evidence = new TourEvidence(tour, admin);
      // an incident for each lifecycle action, in the state where the action succeeds
      var store = server.server().incidents();
      for (String a : List.of("read", "acknowledge", "unacknowledge", "mitigate", "resolve", "close")) {
        long id = store.signal(new io.rollgate.incident.Signal(io.rollgate.incident.Kind.GATE_FAILURE,
            io.rollgate.incident.Severity.SEV2, "tour-" + a, "gate tour-" + a + " failed", null)).incident().id();
        if (a.equals("unacknowledge") || a.equals("mitigate")) {
          store.store().act(id, io.rollgate.incident.Action.ACKNOWLEDGE, "tour", "prepared");
        } else if (a.equals("close")) {
          store.store().act(id, io.rollgate.incident.Action.RESOLVE, "tour", "prepared");
        }
        incidents.put(a, Long.toString(id));
      }
      playbooks = new TourPlaybooks(tour, admin);
    }

    TourPlaybooks playbooks;

    /** An illegal transition and an unknown incident: what the generic calls cannot reach. */
    void incidentRefusals() {
      playbooks.refusals();
      String read = incidents.get("read");
      var close = DOC.operation("POST", "/api/v1/incidents/{id}/close");
      var refused = tour.expect(409, close, "POST", "/api/v1/incidents/" + read + "/close", admin, body(close));
      assertThat(refused.json().path("detail").asText()).contains("cannot go from open to closed");
      for (String a : List.of("acknowledge", "unacknowledge", "mitigate", "resolve", "close")) { // done already: again
        var op = DOC.operation("POST", "/api/v1/incidents/{id}/" + a);
        tour.expect(409, op, "POST", "/api/v1/incidents/" + incidents.get(a) + "/" + a, admin, body(op));
      }
      for (var op : DOC.operations()) {
        if (op.template().startsWith("/api/v1/incidents/{id}")) {
          tour.expect(404, op, op.method(), op.template().replace("{id}", "999999").replace("{execution}", "1"), admin,
              body(op));
        }
      }
      var list = DOC.operation("GET", "/api/v1/incidents");
      var filtered = tour.expect(200, list, "GET", "/api/v1/incidents?state=open&severity=sev2&kind=gate_failure&limit=5",
          admin, null);
      assertThat(filtered.json().path("incidents")).isNotEmpty();
    }

    TourEvidence evidence;

    /** A fresh policy and a rollout of the documented example on it. */
    String start(String policy, String by) {
      policy(policy);
      return tour.expect(201, create, "POST", "/api/v1/rollouts", by, createBody(policy)).json().path("id").asText();
    }

    void policy(String name) {
      tour.expect(201, putPolicy, "PUT", "/api/v1/policies/" + name, admin, "{\"document\":{\"enforce\":false}}");
    }

    static String createBody(String policy) {
      return Json.write(((ObjectNode) DOC.operation("POST", "/api/v1/rollouts").bodyExample().deepCopy()).put("policy", policy));
    }

    TestServer.Response act(String action, String id, String auth, int status) {
      var op = DOC.operation("POST", "/api/v1/rollouts/{id}/" + action);
      return tour.expect(status, op, "POST", "/api/v1/rollouts/" + id + "/" + action, auth, body(op));
    }

    /** The operation's path for a call that should get through: policy "tour", the rollout prepared for it. */
    String path(OpenApiDocument.Operation op) {
      if (evidence.handles(op)) {
        return evidence.path(op);
      }
      String action = op.template().substring(op.template().lastIndexOf('/') + 1);
      if (playbooks.handles(op)) {
        return playbooks.path(op);
      }
      if (op.template().startsWith("/api/v1/incidents/")) {
        return concrete(op, "tour", incidents.getOrDefault(action, incidents.get("read")));
      }
      return concrete(op, "tour", ids.getOrDefault(action, ids.get("read")));
    }

    /** The documented example, on a policy where it succeeds. */
    String successBody(OpenApiDocument.Operation op) {
      JsonNode example = op.bodyExample();
      if (example == null) {
        return null;
      }
      if (evidence.handles(op)) {
        return evidence.successBody(op);
      }
      if (playbooks.handles(op)) {
        return Json.write(example);
      }
      if (op.key().equals("POST /api/v1/rollouts")) {
        return createBody("tour-create");
      }
      if (op.key().equals("POST /api/v1/outcomes")) {
        return Json.write(((ObjectNode) example.deepCopy()).put("policy", "tour-read"));
      }
      return Json.write(example);
    }

    /**
     * What only a rollout's state gives: a policy under rollout refusing changes, the phase refusing
     * actions, four-eyes, unknown and idle policies for outcomes, a candidate's evaluation, and status
     * documents with measurements, every kind of transition and a completion.
     */
    void refusalsAndEvidence() {
      evidence.refusals();
      String read = ids.get("read");
      for (var op : List.of(putPolicy, DOC.operation("POST", "/api/v1/policies/{name}/changes"),
          DOC.operation("POST", "/api/v1/policies/{name}/rollback"))) {
        tour.expect(409, op, op.method(), concrete(op, "tour-read"), admin, body(op));
      }
      tour.expect(409, create, "POST", "/api/v1/rollouts", admin, createBody("tour-read"));
      tour.expect(404, create, "POST", "/api/v1/rollouts", admin, createBody("missing"));
      act("rollback", ids.get("rollback"), admin, 409); // ROLLED_BACK is final
      act("abort", ids.get("abort"), admin, 409);
      act("pause", ids.get("pause"), admin, 409); // already PAUSED
      act("advance", ids.get("pause"), admin, 409); // resume it first
      act("resume", read, admin, 409); // not PAUSED

      // four-eyes: the admin created this one without selfApproval, so the admin may not approve it
      String own = start("tour-own", admin);
      var refused = act("advance", own, admin, 403);
      assertThat(refused.json().path("detail").asText()).contains("four-eyes");

      var outcomes = DOC.operation("POST", "/api/v1/outcomes");
      tour.expect(404, outcomes, "POST", "/api/v1/outcomes", admin, "{\"policy\":\"missing\",\"variant\":\"candidate\"}");
      tour.expect(409, outcomes, "POST", "/api/v1/outcomes", admin, "{\"policy\":\"tour\",\"variant\":\"candidate\"}");
      tour.expect(200, outcomes, "POST", "/api/v1/outcomes", admin, "[{\"policy\":\"tour-read\",\"variant\":\"candidate\","
          + "\"success\":1000,\"error\":1},{\"policy\":\"tour-read\",\"variant\":\"baseline\",\"success\":9000}]");

      var list = DOC.operation("GET", "/api/v1/rollouts");
      tour.expect(400, list, "GET", "/api/v1/rollouts?limit=0", admin, null);
      tour.expect(400, list, "GET", "/api/v1/rollouts?active=maybe", admin, null);
      var active = tour.expect(200, list, "GET", "/api/v1/rollouts?policy=tour-read&active=true&limit=5", admin, null);
      assertThat(active.json().path("rollouts")).hasSize(1);

      var evaluate = DOC.operation("GET", "/api/v1/evaluate/{policy}");
      String candidate = IntStream.range(0, 1_000).mapToObj(i -> "user-" + i)
          .filter(subject -> Bucketing.inCandidate(read, subject, 1_000)).findFirst().orElseThrow();
      var e = tour.expect(200, evaluate, "GET", "/api/v1/evaluate/tour-read?subject=" + candidate, admin, null);
      assertThat(e.json().path("variant").asText()).isEqualTo("candidate");
      tour.expect(200, evaluate, "GET", "/api/v1/evaluate/tour-read", admin, null); // no subject: the baseline
      tour.expect(400, evaluate, "GET", "/api/v1/evaluate/tour-read?subject=" + "s".repeat(1_025), admin, null);

      // one interval later the loop has measured: a judge's comparison where outcomes came, no data elsewhere
      server.clock().advance(java.time.Duration.ofSeconds(900));
      server.server().rollouts().tick();
      String advanced = ids.get("advance");
      act("advance", advanced, admin, 200); // and on through the last stage: completed
      act("advance", advanced, admin, 200);
      act("advance", advanced, admin, 409); // COMPLETED is final
      var get = DOC.operation("GET", "/api/v1/rollouts/{id}");
      var types = new TreeSet<String>(); // every kind of transition, in the detail of each rollout
      for (String id : ids.values()) {
        tour.expect(200, get, "GET", "/api/v1/rollouts/" + id, admin, null).json().path("transitions")
            .forEach(t -> types.add(t.path("type").asText()));
      }
      assertThat(types).contains("rollout.started", "rollout.advanced", "rollout.completed", "rollout.rolled_back",
          "rollout.paused", "rollout.resumed", "rollout.aborted");
      JsonNode measured = tour.expect(200, get, "GET", "/api/v1/rollouts/" + read, admin, null).json();
      assertThat(measured.path("lastAnalysis").path("kind").asText()).isEqualTo("comparison");
      assertThat(tour.expect(200, get, "GET", "/api/v1/rollouts/" + own, admin, null).json()
          .path("lastAnalysis").path("kind").asText()).isEqualTo("no_data");
      JsonNode completed = tour.expect(200, get, "GET", "/api/v1/rollouts/" + advanced, admin, null).json();
      assertThat(completed.path("phase").asText()).isEqualTo("COMPLETED");
      var versions = DOC.operation("GET", "/api/v1/policies/{name}/versions");
      assertThat(tour.expect(200, versions, "GET", "/api/v1/policies/tour-advance/versions", admin, null).json()
          .at("/versions/0/kind").asText()).isEqualTo("rollout");

      // the SDK's snapshot: a bad name, and a revalidation that nothing changed
      var snapshot = DOC.operation("GET", "/api/v1/sdk/snapshot");
      tour.expect(400, snapshot, "GET", "/api/v1/sdk/snapshot?policy=Not%20A%20Name", admin, null);
      String etag = tour.expect(200, snapshot, "GET", "/api/v1/sdk/snapshot?policy=tour-read", admin, null)
          .header("ETag").orElseThrow();
      var unchanged = HttpProbe.send(HttpProbe.request(server, "GET", "/api/v1/sdk/snapshot?policy=tour-read", admin,
          null).header("If-None-Match", etag).build());
      tour.observed.add(snapshot.key() + " " + unchanged.status());
      assertThat(unchanged.status()).as("%s", unchanged).isEqualTo(304);
    }
  }

  /**
   * Scenarios and promotions: an eligible scenario on its own policy (so the documented promotion
   * succeeds), the promotion the rollback undoes, and the refusals only their state gives.
   */
  private static final class TourEvidence {
    final Tour tour;
    final String admin;

    TourEvidence(Tour tour, String admin) {
      this.tour = tour;
      this.admin = admin;
      tour.expect(201, DOC.operation("PUT", "/api/v1/policies/{name}"), "PUT", "/api/v1/policies/tour-promote", admin,
          "{\"document\":{\"standard\":{\"max_wall_time_ms\":30000}}}");
      tour.expect(201, DOC.operation("POST", "/api/v1/scenarios"), "POST", "/api/v1/scenarios", admin,
          "{\"id\":\"tour-ready\",\"minRuns\":1,\"window\":1}");
      tour.expect(200, DOC.operation("POST", "/api/v1/scenarios/{id}/runs"), "POST", "/api/v1/scenarios/tour-ready/runs",
          admin, "[{\"passed\":true},{\"passed\":true,\"durationMs\":5,\"metrics\":{\"p99\":1.5},\"source\":\"tour\"}]");
    }

    boolean handles(OpenApiDocument.Operation op) {
      return op.template().startsWith("/api/v1/scenarios") || op.template().startsWith("/api/v1/promotions");
    }

    String path(OpenApiDocument.Operation op) {
      return op.template().startsWith("/api/v1/promotions") ? concrete(op, "tour-promote", "tour-promote-1")
          : concrete(op, "tour-ready", "tour-ready");
    }

    String successBody(OpenApiDocument.Operation op) {
      ObjectNode example = (ObjectNode) op.bodyExample().deepCopy();
      return switch (op.key()) {
        case "POST /api/v1/promotions" -> Json.write(example.put("scenario", "tour-ready").put("policy", "tour-promote"));
        case "POST /api/v1/scenarios" -> Json.write(example.put("id", "tour-created"));
        default -> Json.write(example);
      };
    }

    void refusals() {
      var create = DOC.operation("POST", "/api/v1/scenarios");
      tour.expect(409, create, "POST", "/api/v1/scenarios", admin, "{\"id\":\"tour-ready\"}");
      var promote = DOC.operation("POST", "/api/v1/promotions");
      String body = successBody(promote);
      tour.expect(404, promote, "POST", "/api/v1/promotions", admin, body.replace("tour-ready", "missing"));
      // the tour rolled the promotion back: its learned scenario has no runs, so the next one is refused
      var refused = tour.expect(409, promote, "POST", "/api/v1/promotions", admin, body);
      assertThat(refused.json().path("detail").asText()).contains("tour-ready-learned-1").contains("0 of 50 required runs");
      var rollback = DOC.operation("POST", "/api/v1/promotions/{id}/rollback");
      tour.expect(409, rollback, "POST", "/api/v1/promotions/tour-promote-1/rollback", admin, "{\"reason\":\"again\"}");
      var list = DOC.operation("GET", "/api/v1/promotions");
      tour.expect(400, list, "GET", "/api/v1/promotions?policy=Not%20A%20Name", admin, null);
      var history = tour.expect(200, list, "GET", "/api/v1/promotions?policy=tour-promote&limit=5", admin, null).json();
      assertThat(history.at("/promotions/0/status").asText()).isEqualTo("rolled_back");
      tour.expect(400, DOC.operation("GET", "/api/v1/scenarios"), "GET", "/api/v1/scenarios?limit=0", admin, null);
      var show = DOC.operation("GET", "/api/v1/promotions/{id}");
      tour.expect(400, show, "GET", "/api/v1/promotions/tour-promote-0", admin, null);
      tour.expect(404, show, "GET", "/api/v1/promotions/tour-promote-9", admin, null);
      var gate = DOC.operation("POST", "/api/v1/gate");
      tour.expect(404, gate, "POST", "/api/v1/gate", admin, "{\"policy\":\"missing\"}");
      // a scenario with no runs fails the gate: the answer names the gate_failure incident it opened
      var failed = tour.expect(200, gate, "POST", "/api/v1/gate", admin, "{\"scenario\":\"tour-created\",\"strict\":true}");
      assertThat(failed.json().path("incident").path("outcome").asText()).isEqualTo("created");
    }
  }

  /**
   * Playbooks: an incident on policy tour-pb (the documented examples freeze tour-pb and dry-run a freeze of
   * tour-pb-dry), executions prepared for approve (awaiting), cancel (awaiting) and rollback (a freeze), and
   * a succeeded revert whose compensation waits for an approval.
   */
  private static final class TourPlaybooks {
    final Tour tour;
    final String admin;
    final String incident;
    final long approve;
    final long cancel;
    final long undo;
    final long reverted;

    TourPlaybooks(Tour tour, String admin) {
      this.tour = tour;
      this.admin = admin;
      var put = DOC.operation("PUT", "/api/v1/policies/{name}");
      for (String p : List.of("tour-pb", "tour-pb-dry", "tour-pb-approve", "tour-pb-cancel", "tour-pb-undo",
          "tour-pb-rev")) {
        tour.expect(201, put, "PUT", "/api/v1/policies/" + p, admin, "{\"document\":{\"level\":1}}");
        tour.expect(200, put, "PUT", "/api/v1/policies/" + p, admin, "{\"document\":{\"level\":2}}");
      }
      var service = server.server().playbooks();
      long id = server.server().incidents().signal(new io.rollgate.incident.Signal(
          io.rollgate.incident.Kind.VERIFICATION_FAILURE, io.rollgate.incident.Severity.SEV2, "tour-pb",
          "tour-pb failed its verification", null)).incident().id();
      incident = Long.toString(id);
      var revert = io.rollgate.incident.playbook.ActionType.REVERT_POLICY;
      approve = service.execute(id, revert, Json.object().put("policy", "tour-pb-approve").put("toVersion", 1), "tour",
          "tour-requester").id();
      cancel = service.execute(id, revert, Json.object().put("policy", "tour-pb-cancel").put("toVersion", 1), "tour",
          "tour-requester").id();
      undo = service.execute(id, io.rollgate.incident.playbook.ActionType.FREEZE_POLICY,
          Json.object().put("policy", "tour-pb-undo"), "tour", "tour-requester").id();
      reverted = service.execute(id, revert, Json.object().put("policy", "tour-pb-rev").put("toVersion", 1), "tour",
          "tour-requester").id();
      assertThat(service.approve(id, reverted, "tour-approver", "tour").state().wire()).isEqualTo("succeeded");
    }

    boolean handles(OpenApiDocument.Operation op) {
      return op.template().startsWith("/api/v1/incidents/{id}/actions");
    }

    String path(OpenApiDocument.Operation op) {
      String base = "/api/v1/incidents/" + incident + "/actions/";
      return switch (op.template().substring(op.template().lastIndexOf('/') + 1)) {
        case "approve" -> base + approve + "/approve";
        case "cancel" -> base + cancel + "/cancel";
        case "rollback" -> base + undo + "/rollback";
        default -> concrete(op, "tour", incident);
      };
    }

    /** What only the executions' states give: 202s, and 409s for what is done already. */
    void refusals() {
      String base = "/api/v1/incidents/" + incident + "/actions/";
      var execute = DOC.operation("POST", "/api/v1/incidents/{id}/actions/execute");
      var waiting = tour.expect(202, execute, "POST", base + "execute", admin, "{\"action\":\"revert-policy\","
          + "\"params\":{\"policy\":\"tour-pb-approve\",\"toVersion\":2},\"reason\":\"tour\"}");
      assertThat(waiting.json().path("state").asText()).isEqualTo("awaiting_approval");
      tour.expect(409, execute, "POST", base + "execute", admin, body(execute)); // tour-pb is frozen already
      var dry = DOC.operation("POST", "/api/v1/incidents/{id}/actions/dry-run");
      tour.expect(409, dry, "POST", base + "dry-run", admin, "{\"action\":\"freeze-policy\",\"params\":"
          + "{\"policy\":\"tour-pb\"}}");
      for (String a : List.of("approve", "cancel", "rollback")) { // done already
        var op = DOC.operation("POST", "/api/v1/incidents/{id}/actions/{execution}/" + a);
        tour.expect(409, op, "POST", path(op), admin, body(op));
      }
      var rollback = DOC.operation("POST", "/api/v1/incidents/{id}/actions/{execution}/rollback");
      tour.expect(202, rollback, "POST", base + reverted + "/rollback", admin, body(rollback));
      var history = DOC.operation("GET", "/api/v1/incidents/{id}/actions/history");
      tour.expect(400, history, "GET", base + "history?limit=0", admin, null);
      assertThat(tour.expect(200, history, "GET", base + "history?limit=2", admin, null).json().path("executions"))
          .hasSize(2);
    }
  }

  private static String body(OpenApiDocument.Operation op) {
    return op.bodyExample() == null ? null : Json.write(op.bodyExample());
  }

  /** The operation's path with {@code name}, {@code policy} and {@code key} → name, {@code id} → a rollout id, {@code version} → 1. */
  static String concrete(OpenApiDocument.Operation op, String name) {
    return concrete(op, name, name);
  }

  static String concrete(OpenApiDocument.Operation op, String name, String id) {
    String n = URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    return op.template().replace("{name}", n).replace("{policy}", n).replace("{key}", n)
        .replace("{id}", URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"))
        .replace("{version}", "1").replace("{execution}", "1");
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
