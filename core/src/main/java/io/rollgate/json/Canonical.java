package io.rollgate.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import org.erdtman.jcs.JsonCanonicalizer;

/**
 * RFC 8785 (JCS) canonical form and SHA-256 state hashes. Canonicalisation is delegated to the
 * reference Java implementation; only the I-JSON number check is ours, because JCS maps every
 * number to an IEEE double and an integer beyond 2^53 would silently hash as a different value.
 */
public final class Canonical {
  private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

  private Canonical() {}

  /** The canonical text of {@code node}. */
  public static String canonicalize(JsonNode node) {
    try {
      return new JsonCanonicalizer(Json.write(node)).getEncodedString();
    } catch (IOException e) {
      throw new IllegalStateException("JCS rejected a document Jackson produced: " + e.getMessage(), e);
    }
  }

  /**
   * The canonical text of one string value (quotes included), exactly as {@link #canonicalize}
   * would write it inside a document; {@code null} gives {@code null}. Lets a caller assemble a
   * canonical object whose member names it knows without re-canonicalising values it already has
   * in canonical form (the journal's entry hash). Plain text is quoted directly; anything RFC 8785
   * escapes (quote, backslash, controls) or that needs a UTF-8 round trip (surrogates) goes
   * through the reference implementation.
   */
  public static String string(String s) {
    if (s == null) {
      return "null";
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
        return memberValue(Json.object().put("v", s));
      }
    }
    return '"' + s + '"';
  }

  /**
   * The canonical text of an integer value, exactly as {@link #canonicalize} would write it: its
   * digits within ±(2^53−1), and beyond that whatever JCS makes of the nearest double.
   */
  public static String integer(long n) {
    if (n >= -MAX_SAFE_INTEGER && n <= MAX_SAFE_INTEGER) {
      return Long.toString(n);
    }
    return memberValue(Json.object().put("v", n));
  }

  /** The value of the single member {@code "v"}: JCS only canonicalises whole objects. */
  private static String memberValue(ObjectNode single) {
    String c = canonicalize(single); // {"v":…}
    return c.substring("{\"v\":".length(), c.length() - 1);
  }

  /** Canonicalises raw JSON text (used to check against the RFC 8785 vectors). */
  public static String canonicalize(String json) throws IOException {
    return new JsonCanonicalizer(json).getEncodedString();
  }

  public static String sha256Hex(String text) {
    return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
  }

  public static String sha256Hex(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /**
   * Rejects values JCS cannot represent faithfully: integers outside ±(2^53−1), non-finite or
   * huge decimals, and strings or member names with unpaired surrogates. {@code base} is the JSON
   * pointer of {@code node} for the error message.
   */
  public static void requireIJson(JsonNode node, String base) {
    if (node.isIntegralNumber()) {
      var big = node.bigIntegerValue();
      if (big.abs().compareTo(java.math.BigInteger.valueOf(MAX_SAFE_INTEGER)) > 0) {
        throw new InvalidInputException(pointerOrRoot(base), "integer " + big + " at " + pointerOrRoot(base)
            + " is beyond ±2^53-1 and cannot be hashed exactly (RFC 8785); send it as a string");
      }
    } else if (node.isFloatingPointNumber()) {
      double d = node.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new InvalidInputException(pointerOrRoot(base),
            "number at " + pointerOrRoot(base) + " is out of the IEEE double range");
      }
    } else if (node.isTextual()) {
      requireUnicode(node.textValue(), pointerOrRoot(base), "string");
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        var e = it.next();
        String pointer = base + "/" + JsonPointers.escape(e.getKey());
        requireUnicode(e.getKey(), pointer, "member name");
        requireIJson(e.getValue(), pointer);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        requireIJson(node.get(i), base + "/" + i);
      }
    }
  }

  /**
   * I-JSON (RFC 7493 §2.1) forbids unpaired surrogates: they have no UTF-8 form, so they would be
   * stored and hashed as '?' while the caller was told their value was kept.
   */
  public static void requireUnicode(String s, String pointer, String what) {
    int bad = firstUnpairedSurrogate(s);
    if (bad >= 0) {
      throw new InvalidInputException(pointer, what + " at " + pointer + " has an unpaired UTF-16 surrogate (\\u"
          + HexFormat.of().toHexDigits(s.charAt(bad)) + ") at index " + bad + "; it is not Unicode text (RFC 7493)");
    }
  }

  /** The index of the first unpaired UTF-16 surrogate in {@code s}, or -1 when {@code s} is well-formed. */
  private static int firstUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static String pointerOrRoot(String p) {
    return p.isEmpty() ? "/" : p;
  }
}
