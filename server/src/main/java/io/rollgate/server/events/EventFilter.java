package io.rollgate.server.events;

import io.rollgate.audit.JournalEntry;
import io.rollgate.error.InvalidInputException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which journal events a client wants: exact types and {@code prefix.*} patterns (none: every type)
 * and an exact subject (null: every subject). Control events are not filtered.
 */
record EventFilter(Set<String> types, List<String> prefixes, String subject) {
  static final int MAX_SUBJECT = 200;
  static final int MAX_TYPES_LENGTH = 2000;
  static final EventFilter EVERYTHING = new EventFilter(Set.of(), List.of(), null);

  EventFilter {
    types = Set.copyOf(types);
    prefixes = List.copyOf(prefixes);
  }

  boolean matches(JournalEntry e) {
    if (subject != null && !subject.equals(e.subject())) {
      return false;
    }
    if (types.isEmpty() && prefixes.isEmpty()) {
      return true;
    }
    if (types.contains(e.type())) {
      return true;
    }
    for (String p : prefixes) {
      if (e.type().startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * @param typeParams every {@code types} query value (each comma-separated), empty when absent
   * @param subjectParams every {@code subject} query value, empty when absent
   */
  static EventFilter parse(List<String> typeParams, List<String> subjectParams) {
    var types = new LinkedHashSet<String>();
    var prefixes = new ArrayList<String>();
    int length = typeParams.stream().mapToInt(String::length).sum();
    if (length > MAX_TYPES_LENGTH) {
      throw new InvalidInputException("types", "'types' is " + length + " characters long; at most "
          + MAX_TYPES_LENGTH + " are accepted");
    }
    for (String param : typeParams) {
      for (String raw : param.split(",", -1)) {
        String t = raw.strip();
        if (t.isEmpty()) {
          throw new InvalidInputException("types", "'types' has an empty entry; give comma-separated types such as "
              + "policy.applied,policy.frozen or a prefix such as policy.*");
        }
        if (t.endsWith(".*")) {
          String prefix = t.substring(0, t.length() - 1); // keep the dot: "policy." does not match "policyX"
          if (prefix.length() < 2 || EventTypes.ALL.stream().noneMatch(k -> k.startsWith(prefix))) {
            throw unknown(t);
          }
          prefixes.add(prefix);
        } else if (EventTypes.isKnown(t)) {
          types.add(t);
        } else {
          throw unknown(t);
        }
      }
    }
    String subject = null;
    if (subjectParams.size() > 1) {
      throw new InvalidInputException("subject", "'subject' was given " + subjectParams.size()
          + " times; give it once");
    }
    if (subjectParams.size() == 1) {
      subject = subjectParams.get(0);
      if (subject.isEmpty()) {
        throw new InvalidInputException("subject", "'subject' must not be empty; leave it out to get every subject");
      }
      if (subject.length() > MAX_SUBJECT) {
        throw new InvalidInputException("subject", "'subject' is " + subject.length() + " characters long; at most "
            + MAX_SUBJECT + " are accepted");
      }
    }
    return new EventFilter(types, prefixes, subject);
  }

  private static InvalidInputException unknown(String type) {
    String shown = type.length() > 60 ? type.substring(0, 60) + "…" : type;
    return new InvalidInputException("types", "'types' names an unknown event type '" + shown + "'; known types: "
        + String.join(", ", EventTypes.ALL) + " (or a prefix such as policy.*)");
  }
}
