package io.rollgate.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A parsed key: {@code policy} or {@code policy.field.sub}. Policy names cannot contain a dot, so
 * the first segment is the policy and the rest walk the document: object fields by name, array
 * elements by a decimal index. A field whose own name contains a dot cannot be addressed this way
 * (use {@link RollgateClient#getJson} on the parent). Parsed once and cached by the client, so a
 * lookup only walks pre-split segments, which allocates nothing.
 */
record KeyPath(String key, String policy, String[] fields, int[] indexes) {
  static KeyPath parse(String key) {
    String[] parts = key.split("\\.", -1);
    int n = parts.length - 1;
    String[] fields = new String[n];
    int[] indexes = new int[n];
    for (int i = 0; i < n; i++) {
      fields[i] = parts[i + 1];
      indexes[i] = index(fields[i]);
    }
    return new KeyPath(key, parts[0], fields, indexes);
  }

  private static int index(String s) {
    if (s.isEmpty() || s.length() > 9) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Integer.parseInt(s);
  }

  boolean isWholePolicy() {
    return fields.length == 0;
  }

  /**
   * The value at this path in {@code document}; null when there is none. A JSON null counts as
   * none: it is how a merge patch removes a member (and how the OFREP endpoints read it too).
   */
  JsonNode resolve(JsonNode document) {
    JsonNode node = document;
    for (int i = 0; i < fields.length && node != null; i++) {
      if (node.isObject()) {
        node = node.get(fields[i]);
      } else if (node.isArray() && indexes[i] >= 0) {
        node = node.get(indexes[i]);
      } else {
        return null;
      }
    }
    return node == null || node.isNull() ? null : node;
  }
}
