package io.rollgate.server.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** A parsed Prometheus text exposition (format 0.0.4): its samples and its {@code # TYPE} lines. */
record Exposition(List<Sample> samples, Map<String, String> types) {

  record Sample(String name, Map<String, String> labels, double value) {}

  static Exposition parse(String text) {
    var samples = new ArrayList<Sample>();
    var types = new LinkedHashMap<String, String>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.substring(7).split(" ");
        types.put(parts[0], parts[1]);
        continue;
      }
      if (line.startsWith("#")) {
        continue;
      }
      samples.add(sample(line));
    }
    return new Exposition(List.copyOf(samples), Map.copyOf(types));
  }

  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    var labels = new LinkedHashMap<String, String>();
    String name;
    int rest;
    if (brace >= 0 && brace < space) {
      name = line.substring(0, brace);
      int i = brace + 1;
      while (line.charAt(i) != '}') {
        int eq = line.indexOf('=', i);
        String key = line.substring(i, eq);
        if (line.charAt(eq + 1) != '"') {
          throw new AssertionError("label value not quoted: " + line);
        }
        var value = new StringBuilder();
        int j = eq + 2;
        for (; line.charAt(j) != '"'; j++) {
          char c = line.charAt(j);
          if (c == '\\') {
            char n = line.charAt(++j);
            value.append(n == 'n' ? '\n' : n);
          } else {
            value.append(c);
          }
        }
        labels.put(key, value.toString());
        i = j + 1;
        if (line.charAt(i) == ',') {
          i++;
        }
      }
      rest = i + 1;
    } else {
      name = line.substring(0, space);
      rest = space;
    }
    String[] valueAndTime = line.substring(rest).trim().split(" ");
    return new Sample(name, Map.copyOf(labels), parseValue(valueAndTime[0]));
  }

  private static double parseValue(String v) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(v);
    };
  }

  /** The upper bound of a histogram bucket sample. */
  static double le(Sample bucket) {
    return parseValue(bucket.labels().get("le"));
  }

  /** Samples called {@code name} whose labels include every given pair (k1, v1, k2, v2, …). */
  List<Sample> find(String name, String... labelPairs) {
    return samples.stream().filter(s -> s.name().equals(name) && matches(s.labels(), labelPairs)).toList();
  }

  /** The value of the one sample that matches, or empty if none does; more than one is an error. */
  OptionalDouble value(String name, String... labelPairs) {
    var found = find(name, labelPairs);
    if (found.size() > 1) {
      throw new AssertionError(found.size() + " samples match " + name + " " + List.of(labelPairs) + ": " + found);
    }
    return found.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(found.get(0).value());
  }

  /** As {@link #value} but the sample must exist. */
  double get(String name, String... labelPairs) {
    return value(name, labelPairs).orElseThrow(
        () -> new AssertionError("no sample " + name + " " + List.of(labelPairs)));
  }

  private static boolean matches(Map<String, String> labels, String[] pairs) {
    for (int i = 0; i < pairs.length; i += 2) {
      if (!pairs[i + 1].equals(labels.get(pairs[i]))) {
        return false;
      }
    }
    return true;
  }
}
