package io.rollgate.incident.playbook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Json;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An action's parameters as a JSON Schema, and the small subset of JSON Schema (2020-12) that checks
 * them: {@code type} (object, string, integer, number, boolean), {@code properties}, {@code required},
 * {@code additionalProperties} (false or a schema), {@code maxProperties}, {@code enum}, {@code minimum},
 * {@code maximum}, {@code minLength}, {@code maxLength}, {@code pattern} (searched, as JSON Schema does:
 * anchor it). The schemas are ours and fixed, so a subset we can read in one page beats a validator
 * library; the same document is served to clients, who may validate with any full implementation.
 * A keyword outside the subset is refused when the schema is built, so nothing is silently unchecked.
 */
public final class ParamSchema {
  private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
      "maxProperties", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "description", "default");

  private final ObjectNode schema;
  private final Map<String, Pattern> patterns = new java.util.HashMap<>();

  private ParamSchema(ObjectNode schema) {
    this.schema = schema;
    compile(schema, "#");
  }

  /** @throws IllegalArgumentException a keyword outside the subset, or a bad pattern */
  public static ParamSchema of(String json) {
    return new ParamSchema((ObjectNode) Json.parse(json, "schema"));
  }

  /** The schema document (a copy). */
  public ObjectNode json() {
    return schema.deepCopy();
  }

  /**
   * Checks {@code value} against the schema.
   *
   * @param field the name errors use for the value, e.g. {@code params}; a member is {@code params.rollout}
   * @throws InvalidInputException naming the first member that fails and why
   */
  public void validate(JsonNode value, String field) {
    check(schema, value == null ? Json.mapper().nullNode() : value, field);
  }

  private void compile(JsonNode s, String at) {
    s.fieldNames().forEachRemaining(k -> {
      if (!KEYWORDS.contains(k)) {
        throw new IllegalArgumentException("schema " + at + ": keyword '" + k + "' is outside the supported subset");
      }
    });
    if (s.has("pattern")) {
      patterns.put(s.get("pattern").asText(), Pattern.compile(s.get("pattern").asText()));
    }
    s.path("properties").properties().forEach(e -> compile(e.getValue(), at + "/properties/" + e.getKey()));
    if (s.path("additionalProperties").isObject()) {
      compile(s.get("additionalProperties"), at + "/additionalProperties");
    }
  }

  private void check(JsonNode s, JsonNode v, String field) {
    String type = s.path("type").asText(null);
    if (type != null && !hasType(v, type)) {
      throw new InvalidInputException(field, "'" + field + "' must be " + article(type) + ", got " + describe(v));
    }
    if (s.has("enum")) {
      boolean found = false;
      for (JsonNode e : s.get("enum")) {
        found |= e.equals(v);
      }
      if (!found) {
        throw new InvalidInputException(field, "'" + field + "' must be one of " + s.get("enum") + ", got "
            + describe(v));
      }
    }
    if (v.isNumber()) {
      BigDecimal n = v.decimalValue();
      if (s.has("minimum") && n.compareTo(s.get("minimum").decimalValue()) < 0) {
        throw new InvalidInputException(field, "'" + field + "' must be at least " + s.get("minimum") + ", got " + v);
      }
      if (s.has("maximum") && n.compareTo(s.get("maximum").decimalValue()) > 0) {
        throw new InvalidInputException(field, "'" + field + "' must be at most " + s.get("maximum") + ", got " + v);
      }
    }
    if (v.isTextual()) {
      String t = v.asText();
      int length = t.codePointCount(0, t.length());
      if (s.has("minLength") && length < s.get("minLength").asInt()) {
        throw new InvalidInputException(field, "'" + field + "' must be at least " + s.get("minLength").asInt()
            + " characters, got " + length);
      }
      if (s.has("maxLength") && length > s.get("maxLength").asInt()) {
        throw new InvalidInputException(field, "'" + field + "' must be at most " + s.get("maxLength").asInt()
            + " characters, got " + length);
      }
      if (s.has("pattern") && !patterns.get(s.get("pattern").asText()).matcher(t).find()) {
        throw new InvalidInputException(field, "'" + field + "' must match " + s.get("pattern").asText() + ", got '"
            + Plans.shorten(t) + "'");
      }
    }
    if (v.isObject()) {
      if (s.has("maxProperties") && v.size() > s.get("maxProperties").asInt()) {
        throw new InvalidInputException(field, "'" + field + "' may have at most " + s.get("maxProperties").asInt()
            + " members, got " + v.size());
      }
      for (JsonNode r : s.path("required")) {
        if (!v.has(r.asText()) || v.get(r.asText()).isNull()) {
          throw new InvalidInputException(field + "." + r.asText(), "'" + field + "." + r.asText()
              + "' is required");
        }
      }
      JsonNode props = s.path("properties");
      JsonNode extra = s.path("additionalProperties");
      for (var e : (Iterable<Map.Entry<String, JsonNode>>) v::fields) {
        String member = field + "." + e.getKey();
        if (props.has(e.getKey())) {
          check(props.get(e.getKey()), e.getValue(), member);
        } else if (extra.isBoolean() && !extra.asBoolean()) {
          throw new InvalidInputException(member, "'" + member + "' is not a parameter of this action (known: "
              + String.join(", ", (Iterable<String>) props::fieldNames) + ")");
        } else if (extra.isObject()) {
          check(extra, e.getValue(), member);
        }
      }
    }
  }

  private static boolean hasType(JsonNode v, String type) {
    return switch (type) {
      case "object" -> v.isObject();
      case "string" -> v.isTextual();
      case "integer" -> v.isIntegralNumber() || v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0;
      case "number" -> v.isNumber();
      case "boolean" -> v.isBoolean();
      default -> throw new IllegalStateException("unsupported type " + type);
    };
  }

  private static String article(String type) {
    return switch (type) {
      case "object", "integer" -> "an " + type;
      default -> "a " + type;
    };
  }

  private static String describe(JsonNode v) {
    Objects.requireNonNull(v);
    return switch (v.getNodeType()) {
      case STRING -> "'" + Plans.shorten(v.asText()) + "'";
      case NUMBER, BOOLEAN, NULL -> v.toString();
      case OBJECT -> "an object";
      case ARRAY -> "an array";
      default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
