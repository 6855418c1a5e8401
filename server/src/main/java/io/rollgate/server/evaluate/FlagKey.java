package io.rollgate.server.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.policy.PolicyName;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A flag key: a policy name for the whole document, or {@code policy.field.sub} for a nested value
 * (DESIGN.md §1). Policy names cannot contain a dot, so the first dot ends the name; each further
 * segment is an object member, or an array index when the value there is an array. A member whose
 * own name contains a dot cannot be addressed.
 */
public record FlagKey(String key, PolicyName policy, List<String> path) {
  /** Longest key accepted: a policy name and a path of reasonable depth, not a body-sized string. */
  public static final int MAX_LENGTH = 512;

  public FlagKey {
    path = List.copyOf(path);
  }

  /** Parses {@code key}; an {@link InvalidInputException} (field {@code key}) says why it cannot name a flag. */
  public static FlagKey parse(String key) {
    if (key == null || key.isEmpty()) {
      throw new InvalidInputException("key", "the flag key is empty; use a policy name or policy.field");
    }
    if (key.length() > MAX_LENGTH) {
      throw new InvalidInputException("key", "the flag key is " + key.length() + " characters long; the limit is "
          + MAX_LENGTH);
    }
    int dot = key.indexOf('.');
    String name = dot < 0 ? key : key.substring(0, dot);
    PolicyName policy;
    try {
      policy = PolicyName.of(name);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("key", "flag key '" + shorten(key) + "' does not start with a policy name: "
          + e.getMessage());
    }
    List<String> path = dot < 0 ? List.of() : Arrays.asList(key.substring(dot + 1).split("\\.", -1));
    if (path.stream().anyMatch(String::isEmpty)) {
      throw new InvalidInputException("key", "flag key '" + shorten(key) + "' has an empty segment; write "
          + "policy.field.sub with one dot between names");
    }
    return new FlagKey(key, policy, path);
  }

  /** The value this key addresses in {@code document}, or empty when the document has nothing there. */
  public Optional<JsonNode> select(JsonNode document) {
    JsonNode at = document;
    for (String segment : path) {
      if (at.isObject()) {
        at = at.get(segment);
      } else if (at.isArray() && segment.matches("0|[1-9][0-9]{0,8}")) {
        at = at.get(Integer.parseInt(segment));
      } else {
        return Optional.empty();
      }
      if (at == null) {
        return Optional.empty();
      }
    }
    return Optional.of(at);
  }

  private static String shorten(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
