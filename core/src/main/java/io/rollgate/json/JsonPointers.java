package io.rollgate.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** RFC 6901 JSON pointers: escaping and the set of leaf paths that differ between two documents. */
public final class JsonPointers {
  private JsonPointers() {}

  public static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }

  /**
   * Pointers to every value that was added, removed or changed from {@code before} to {@code after},
   * sorted. Objects are descended into; arrays and scalars are compared whole.
   */
  public static List<String> changedKeys(JsonNode before, JsonNode after) {
    var out = new ArrayList<String>();
    diff(before == null ? MissingNode.getInstance() : before, after, "", out);
    return out;
  }

  private static void diff(JsonNode a, JsonNode b, String path, List<String> out) {
    if (a.equals(b)) {
      return;
    }
    boolean aTree = a.isObject() || a.isMissingNode();
    boolean bTree = b.isObject() || b.isMissingNode();
    if (!aTree || !bTree) {
      out.add(path);
      return;
    }
    // both sides are objects, or one is an object and the other absent: report the leaves inside
    var keys = new TreeSet<String>();
    a.fieldNames().forEachRemaining(keys::add);
    b.fieldNames().forEachRemaining(keys::add);
    int before = out.size();
    for (String k : keys) {
      diff(a.path(k), b.path(k), path + "/" + escape(k), out);
    }
    if (out.size() == before) {
      out.add(path); // an empty object appeared or vanished
    }
  }
}
