package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi31;
import io.rollgate.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI document as tests read it: its operations, which one a concrete request hits, and
 * whether an answer matches what the document says about that operation (status, media type,
 * JSON Schema of the body, validated with networknt's 2020-12 validator, formats asserted).
 */
final class OpenApiDocument {
  /** The base URI the document is registered under, so {@code $ref: "#/components/…"} resolves within it. */
  static final String BASE = "https://rollgate.dev/openapi.json";
  static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
  private static final List<String> DOCUMENT_MEMBERS = List.of("openapi", "info", "jsonSchemaDialect", "servers",
      "paths", "webhooks", "components", "security", "tags", "externalDocs");
  private static final Pattern PARAM = Pattern.compile("\\{([^}/]+)}");

  private static OpenApiDocument instance;

  final String text;
  final JsonNode root;
  private final List<Operation> operations;
  private final JsonSchemaFactory factory;
  private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
  private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

  /** A parameter, with {@code $ref}s resolved. */
  record Param(String name, String in, boolean required, JsonNode schema) {}

  /** One operation: method (upper case), path template, role ({@code x-rollgate-role}, null = public). */
  record Operation(String method, String template, String role, JsonNode node, String pointer, List<Param> params,
      JsonNode requestBody, Pattern pathPattern) {
    String key() {
      return method + " " + template;
    }

    /** Could change state if accepted: every method but GET, except OFREP's evaluations, POSTs that only read. */
    boolean mutating() {
      return !method.equals("GET") && !template.startsWith("/ofrep/");
    }

    Set<String> statuses() {
      var s = new TreeSet<String>();
      node.path("responses").fieldNames().forEachRemaining(s::add);
      return s;
    }

    List<Param> params(String in) {
      return params.stream().filter(p -> p.in().equals(in)).toList();
    }

    /** The request body's JSON schema ({@code $ref} resolved), or null when the operation takes none. */
    JsonNode bodySchema(OpenApiDocument doc) {
      return requestBody == null ? null : doc.resolve(requestBody.path("content").path("application/json").path("schema"));
    }

    /** The documented example request body: a valid one. */
    JsonNode bodyExample() {
      return requestBody == null ? null : requestBody.path("content").path("application/json").get("example");
    }

    boolean bodyRequired() {
      return requestBody != null && requestBody.path("required").asBoolean(false);
    }

    @Override
    public String toString() {
      return key();
    }
  }

  private OpenApiDocument(String text) {
    this.text = text;
    this.root = Json.parse(text, "openapi.json");
    // schemas in an OpenAPI 3.1 document use the OAS base dialect (2020-12 plus example, discriminator, …);
    // the document's own members are not schema keywords, and saying so keeps the validator quiet about them
    JsonMetaSchema dialect = JsonMetaSchema.builder(OpenApi31.getInstance())
        .keywords(DOCUMENT_MEMBERS.stream().map(NonValidationKeyword::new).toList())
        .build();
    this.factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012, b -> b
        .metaSchema(dialect).defaultMetaSchemaIri(dialect.getIri())
        .schemaLoaders(l -> l.schemas(Map.of(BASE, text))));
    this.operations = readOperations();
  }

  static synchronized OpenApiDocument load() {
    if (instance == null) {
      instance = new OpenApiDocument(resourceText());
    }
    return instance;
  }

  static String resourceText() {
    try (InputStream in = OpenApiRoutes.class.getResourceAsStream(OpenApiRoutes.RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OpenApiRoutes.RESOURCE + " is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  List<Operation> operations() {
    return operations;
  }

  Operation operation(String method, String template) {
    return operations.stream().filter(o -> o.method().equals(method) && o.template().equals(template)).findFirst()
        .orElseThrow(() -> new AssertionError("the document has no operation " + method + " " + template));
  }

  /** The operation a concrete request path (no query) hits, if any. */
  Optional<Operation> match(String method, String path) {
    return operations.stream()
        .filter(o -> o.method().equals(method) && o.pathPattern().matcher(path).matches())
        .findFirst();
  }

  /** Follows a local {@code $ref} (repeatedly); other nodes are returned as they are. */
  JsonNode resolve(JsonNode node) {
    JsonNode n = node;
    for (int i = 0; i < 10 && n != null && n.has("$ref"); i++) {
      String ref = n.get("$ref").asText();
      if (!ref.startsWith("#/")) {
        throw new AssertionError("only local $refs are expected, got " + ref);
      }
      n = root.at(ref.substring(1));
      if (n.isMissingNode()) {
        throw new AssertionError("dangling $ref " + ref);
      }
    }
    return n;
  }

  /** Validates {@code instance} against the schema at a JSON pointer into the document. */
  List<String> validate(String schemaPointer, JsonNode instance) {
    JsonSchema schema = schemas.computeIfAbsent(schemaPointer,
        p -> factory.getSchema(SchemaLocation.of(BASE + "#" + p), config));
    Set<ValidationMessage> errors = schema.validate(instance);
    return errors.stream().map(ValidationMessage::getMessage).sorted().toList();
  }

  /**
   * What is wrong with an answer to {@code op}, judged by the document: a status it does not list, a
   * media type it does not list for that status, or a JSON body its schema rejects. Empty when it conforms.
   */
  List<String> conformance(Operation op, int status, String contentType, String body) {
    var problems = new ArrayList<String>();
    String code = Integer.toString(status);
    JsonNode response = op.node().path("responses").get(code);
    if (response == null) {
      problems.add(op + " answered " + status + ", which the document does not list (it lists " + op.statuses() + ")");
      return problems;
    }
    response = resolve(response);
    JsonNode content = response.get("content");
    if (content == null) {
      return problems;
    }
    String essence = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    String matched = null;
    for (var it = content.fieldNames(); it.hasNext(); ) {
      String documented = it.next();
      String[] parts = documented.split(";");
      boolean paramsPresent = true;
      for (int i = 1; i < parts.length; i++) {
        paramsPresent &= contentType != null && contentType.replace(" ", "").contains(parts[i].replace(" ", ""));
      }
      if (parts[0].trim().equals(essence) && paramsPresent) {
        matched = documented;
      }
    }
    if (matched == null) {
      problems.add(op + " " + status + " came as '" + contentType + "', the document lists " + content.properties()
          .stream().map(Map.Entry::getKey).toList());
      return problems;
    }
    if (essence.equals("application/json") || essence.endsWith("+json")) {
      JsonNode parsed;
      try {
        parsed = Json.mapper().readTree(body);
      } catch (IOException e) {
        problems.add(op + " " + status + " body is not JSON: " + e.getMessage());
        return problems;
      }
      String pointer = schemaPointer(op, code, matched, response);
      if (pointer != null) {
        validate(pointer, parsed).forEach(m -> problems.add(op + " " + status + ": " + m));
      }
    }
    return problems;
  }

  /** Where the schema of a response's media type sits, following a response {@code $ref} if there is one. */
  private String schemaPointer(Operation op, String code, String mediaType, JsonNode response) {
    if (!response.path("content").path(mediaType).has("schema")) {
      return null;
    }
    JsonNode raw = op.node().path("responses").get(code);
    String base = raw.has("$ref") ? raw.get("$ref").asText().substring(1) : op.pointer() + "/responses/" + code;
    return base + "/content/" + escape(mediaType) + "/schema";
  }

  static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private List<Operation> readOperations() {
    var ops = new ArrayList<Operation>();
    for (var path : root.path("paths").properties()) {
      String template = path.getKey();
      JsonNode item = path.getValue();
      for (String m : METHODS) {
        JsonNode op = item.get(m);
        if (op == null) {
          continue;
        }
        var params = new ArrayList<Param>();
        for (JsonNode p : concat(item.path("parameters"), op.path("parameters"))) {
          JsonNode r = resolve(p);
          params.add(new Param(r.path("name").asText(), r.path("in").asText(), r.path("required").asBoolean(false),
              resolve(r.path("schema"))));
        }
        JsonNode role = op.get("x-rollgate-role");
        JsonNode body = op.has("requestBody") ? resolve(op.get("requestBody")) : null;
        ops.add(new Operation(m.toUpperCase(java.util.Locale.ROOT), template, role == null ? null : role.asText(), op,
            "/paths/" + escape(template) + "/" + m, List.copyOf(params), body, pathPattern(template)));
      }
    }
    return List.copyOf(ops);
  }

  private static List<JsonNode> concat(JsonNode a, JsonNode b) {
    var l = new ArrayList<JsonNode>();
    a.forEach(l::add);
    b.forEach(l::add);
    return l;
  }

  private static Pattern pathPattern(String template) {
    Matcher m = PARAM.matcher(template);
    var regex = new StringBuilder("^");
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(template.substring(last, m.start()))).append("[^/]+");
      last = m.end();
    }
    regex.append(Pattern.quote(template.substring(last))).append("$");
    return Pattern.compile(regex.toString());
  }
}
