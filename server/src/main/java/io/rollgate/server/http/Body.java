package io.rollgate.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;

/** A JSON request body with typed accessors whose errors name the field. Unknown fields are refused. */
final class Body {
  private final ObjectNode node;

  private Body(ObjectNode node) {
    this.node = node;
  }

  static Body of(Context ctx, long maxBytes, String... allowed) {
    return parse(read(ctx, maxBytes), allowed);
  }

  /** For routes whose fields are all optional: an empty body means {@code {}}. */
  static Body optional(Context ctx, long maxBytes, String... allowed) {
    byte[] raw = read(ctx, maxBytes);
    return new String(raw, java.nio.charset.StandardCharsets.UTF_8).isBlank()
        ? new Body(Json.object())
        : parse(raw, allowed);
  }

  /** Any JSON value, for routes that accept an object or an array of them. */
  static JsonNode value(Context ctx, long maxBytes) {
    return Json.parse(new String(read(ctx, maxBytes), java.nio.charset.StandardCharsets.UTF_8), "body");
  }

  private static Body parse(byte[] raw, String... allowed) {
    JsonNode parsed = Json.parse(new String(raw, java.nio.charset.StandardCharsets.UTF_8), "body");
    if (!parsed.isObject()) {
      throw new InvalidInputException("body", "request body must be a JSON object, got " + kind(parsed));
    }
    Set<String> ok = Set.of(allowed);
    for (Iterator<String> it = parsed.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!ok.contains(f)) {
        throw new InvalidInputException(f, "unknown field '" + shorten(f) + "'; expected " + String.join(", ", allowed));
      }
    }
    return new Body((ObjectNode) parsed);
  }

  /**
   * Reads at most {@code maxBytes}: a declared length over the limit is refused before reading, and a
   * chunked body is cut off just past the limit instead of being buffered whole (Javalin's
   * {@code bodyAsBytes} checks only the declared length).
   */
  private static byte[] read(Context ctx, long maxBytes) {
    if (ctx.req().getContentLengthLong() > maxBytes) {
      throw ApiException.tooLarge(maxBytes);
    }
    byte[] raw;
    try {
      raw = ctx.req().getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
    } catch (IOException e) {
      throw new InvalidInputException("body", "the request body could not be read: " + e.getMessage());
    }
    if (raw.length > maxBytes) {
      throw ApiException.tooLarge(maxBytes);
    }
    return raw;
  }

  ObjectNode requireObject(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidInputException(field, "'" + field + "' is required and must be a JSON object");
    }
    if (!v.isObject()) {
      throw new InvalidInputException(field, "'" + field + "' must be a JSON object, got " + kind(v));
    }
    return (ObjectNode) v;
  }

  String optionalText(String field, int maxLength) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidInputException(field, "'" + field + "' must be a string, got " + kind(v));
    }
    if (v.textValue().indexOf('\u0000') >= 0) {
      throw new InvalidInputException(field, "'" + field + "' must not contain NUL (\\u0000) characters");
    }
    Canonical.requireUnicode(v.textValue(), field, "string");
    if (v.textValue().length() > maxLength) {
      throw new InvalidInputException(field, "'" + field + "' is " + v.textValue().length()
          + " characters long; the limit is " + maxLength);
    }
    return v.textValue();
  }

  String requireText(String field, int maxLength) {
    String s = optionalText(field, maxLength);
    if (s == null) {
      throw new InvalidInputException(field, "'" + field + "' is required and must be a string");
    }
    return s;
  }

  long optionalLong(String field, long dflt) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new InvalidInputException(field, "'" + field + "' must be an integer, got " + kind(v));
    }
    return v.longValue();
  }

  long requireLong(String field) {
    if (node.get(field) == null || node.get(field).isNull()) {
      throw new InvalidInputException(field, "'" + field + "' is required and must be an integer");
    }
    return optionalLong(field, 0);
  }

  JsonNode get(String field) {
    return node.get(field);
  }

  static String kind(JsonNode v) {
    return switch (v.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> v.isIntegralNumber() ? "an integer" : "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  static String shorten(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "…" : s;
  }
}
