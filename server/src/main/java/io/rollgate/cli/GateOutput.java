package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * How a gate answer ({@code POST /api/v1/gate}) is shown: text lines for a person, and a Prometheus
 * textfile for node-exporter's textfile collector (origin document 002 exports the same figures).
 */
final class GateOutput {
  private GateOutput() {}

  /** {@code gate PASS (strict)}, then one line per finding, then the incident a FAIL opened. */
  static void print(PrintWriter out, JsonNode gate) {
    out.printf("gate %s%s%n", gate.path("verdict").asText(), gate.path("strict").asBoolean() ? " (strict)" : "");
    for (JsonNode f : gate.path("findings")) {
      out.printf("  %-4s %s: %s%n", f.path("verdict").asText(), f.path("check").asText(), f.path("message").asText());
    }
    JsonNode incident = gate.path("incident");
    if (incident.isObject()) {
      out.printf("incident %d (%s): rollgate incident show %d%n", incident.path("id").asLong(),
          incident.path("outcome").asText(), incident.path("id").asLong());
    }
  }

  /** One line of apply statistics, e.g. {@code 19 of 20 applied (95.0%), 1 skipped by a guard, 0 failed, 0 stuck}. */
  static String statsLine(JsonNode s) {
    JsonNode ratio = s.path("fullApplyRatio");
    return String.format(Locale.ROOT, "%d of %d applied (%s), %d skipped by a guard, %d failed, %d stuck signature%s",
        s.path("applied").asInt(), s.path("proposals").asInt(),
        ratio.isNumber() ? String.format(Locale.ROOT, "%.1f%%", ratio.asDouble() * 100) : "no ratio",
        s.path("partialOk").asInt(), s.path("failed").asInt(), s.path("signatureStuck").asInt(),
        s.path("signatureStuck").asInt() == 1 ? "" : "s");
  }

  /** Writes the textfile atomically: node-exporter reads either the old file or the new one. */
  static void writePrometheus(Path file, JsonNode gate, Instant now) {
    try {
      AtomicFile.writeText(file, prometheus(gate, now));
    } catch (IOException e) {
      throw new CliException(2, "cannot write --prometheus-out " + file + ": " + e.getMessage());
    }
  }

  /**
   * The gate in the Prometheus text format: every series carries the {@code gate} label (its subjects,
   * e.g. {@code policy:limits}), so several gates' files can sit in one textfile directory.
   */
  static String prometheus(JsonNode gate, Instant now) {
    var b = new StringBuilder();
    String g = "gate=\"" + esc(subjects(gate)) + "\"";
    String verdict = gate.path("verdict").asText();
    family(b, "rollgate_gate_verdict", "The gate's verdict: 1 for the verdict it reached, 0 for the others");
    for (String v : new String[] {"PASS", "WARN", "FAIL"}) {
      b.append("rollgate_gate_verdict{").append(g).append(",verdict=\"").append(v).append("\"} ")
          .append(v.equals(verdict) ? 1 : 0).append('\n');
    }
    family(b, "rollgate_gate_strict", "1 when the gate was evaluated with --strict");
    b.append("rollgate_gate_strict{").append(g).append("} ").append(gate.path("strict").asBoolean() ? 1 : 0).append('\n');
    family(b, "rollgate_gate_evaluated_timestamp_seconds", "When the gate was evaluated, in Unix seconds");
    b.append("rollgate_gate_evaluated_timestamp_seconds{").append(g).append("} ").append(now.getEpochSecond())
        .append('\n');
    JsonNode s = gate.path("applyStats");
    if (s.isObject()) {
      String l = g + ",policy=\"" + esc(s.path("policy").asText()) + "\""
          + (s.path("session").isTextual() ? ",session=\"" + esc(s.path("session").asText()) + "\"" : "");
      gauge(b, "rollgate_gate_apply_proposals", "Changes proposed in the gate's window or session", l,
          s.path("proposals").asText());
      gauge(b, "rollgate_gate_apply_applied", "Proposals that were applied (a new version)", l,
          s.path("applied").asText());
      gauge(b, "rollgate_gate_apply_partial_ok", "Proposals skipped with a guard's reason (002's partial ok)", l,
          s.path("partialOk").asText());
      gauge(b, "rollgate_gate_apply_failed", "Proposals refused or failed without a skip reason", l,
          s.path("failed").asText());
      gauge(b, "rollgate_gate_apply_signature_stuck", "Proposals that failed repeatedly and never applied", l,
          s.path("signatureStuck").asText());
      if (s.path("fullApplyRatio").isNumber()) { // no proposals: no ratio, rather than a misleading 0 or 1
        gauge(b, "rollgate_gate_full_apply_ratio", "Applied proposals over all proposals", l,
            Double.toString(s.path("fullApplyRatio").asDouble()));
      }
    }
    JsonNode scenarios = gate.path("scenarios");
    if (scenarios.isArray() && !scenarios.isEmpty()) {
      family(b, "rollgate_gate_scenario_eligible", "1 when the scenario's recent runs make it eligible");
      for (JsonNode e : scenarios) {
        b.append("rollgate_gate_scenario_eligible{").append(g).append(",scenario=\"").append(esc(e.path("scenario")
            .asText())).append("\"} ").append(e.path("eligible").asBoolean() ? 1 : 0).append('\n');
      }
      family(b, "rollgate_gate_scenario_failure_ratio", "Failed runs over the runs in the scenario's window");
      for (JsonNode e : scenarios) {
        b.append("rollgate_gate_scenario_failure_ratio{").append(g).append(",scenario=\"").append(esc(e.path("scenario")
            .asText())).append("\"} ").append(e.path("failureRate").asDouble()).append('\n');
      }
    }
    JsonNode rollout = gate.path("rollout");
    if (rollout.isObject()) {
      gauge(b, "rollgate_gate_rollout_phase", "The rollout's phase (1 for the phase it is in)",
          g + ",rollout=\"" + esc(rollout.path("id").asText()) + "\",phase=\"" + esc(rollout.path("phase").asText())
              + "\"", "1");
    }
    return b.toString();
  }

  private static String subjects(JsonNode gate) {
    var parts = new java.util.ArrayList<String>();
    for (JsonNode f : gate.path("findings")) {
      String check = f.path("check").asText();
      if (!parts.contains(check)) {
        parts.add(check);
      }
    }
    return String.join(" ", parts);
  }

  private static void family(StringBuilder b, String name, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" gauge\n");
  }

  private static void gauge(StringBuilder b, String name, String help, String labels, String value) {
    family(b, name, help);
    b.append(name).append('{').append(labels).append("} ").append(value).append('\n');
  }

  /** Label value escaping of the text format: backslash, double quote, newline. */
  private static String esc(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
