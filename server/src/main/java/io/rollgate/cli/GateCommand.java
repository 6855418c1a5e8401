package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.policy.PolicyName;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rollgate gate}: one verdict over the evidence, for CI. */
@Command(name = "gate", mixinStandardHelpOptions = true,
    description = {"Judge the evidence and answer PASS, WARN or FAIL with every reason (operator token).",
        "Checks any of: a scenario's eligibility (with --policy: every scenario bound to the policy, learned ones "
            + "included), a policy's apply statistics (origin document 002's thresholds: ≥ 90%%, or ≥ 80%% with "
            + "nothing stuck as WARN; --strict ≥ 95%%; more than one stuck signature fails), a rollout's outcome.",
        "A FAIL opens (or adds to) a gate_failure incident on the server.",
        "Exit 0 PASS or WARN, 1 FAIL, 2 usage, connection or not-found error."})
final class GateCommand implements Callable<Integer> {
  @Mixin ClientOptions opts;
  @Spec CommandSpec spec;

  @Option(names = "--scenario", paramLabel = "ID", description = "Gate on this scenario's eligibility")
  String scenario;
  @Option(names = "--policy", paramLabel = "NAME", description = "Gate on this policy's apply statistics")
  String policy;
  @Option(names = "--since", paramLabel = "WHEN",
      description = "Proposals since an ISO-8601 instant or a time back from now (90s, 30m, 24h, 7d); with --policy")
  String since;
  @Option(names = "--session", paramLabel = "TAG", description = "Proposals of this soak session; with --policy")
  String session;
  @Option(names = "--rollout", paramLabel = "ID", description = "Gate on this rollout's outcome")
  String rollout;
  @Option(names = "--strict", description = "Strict thresholds: apply ratio ≥ 95%%, no data fails, a running rollout fails")
  boolean strict;
  @Option(names = "--prometheus-out", paramLabel = "FILE",
      description = "Also write the figures as a Prometheus textfile (node-exporter textfile collector), atomically")
  Path prometheusOut;

  @Override
  public Integer call() {
    if (scenario == null && policy == null && rollout == null) {
      throw new CliException(2, "nothing to gate on: give --scenario, --policy or --rollout (or several)");
    }
    if ((since != null || session != null) && policy == null) {
      throw new CliException(2, "--since and --session choose a policy's proposals: give --policy too");
    }
    usage(() -> {
      if (scenario != null) {
        ScenarioId.of(scenario);
      }
      if (policy != null) {
        PolicyName.of(policy);
      }
      if (rollout != null) {
        RolloutCommand.rolloutPath(rollout);
      }
    });
    var body = new LinkedHashMap<String, Object>();
    body.put("scenario", scenario);
    body.put("policy", policy);
    body.put("rollout", rollout);
    body.put("since", since);
    body.put("session", session);
    body.put("strict", strict);
    body.values().removeIf(java.util.Objects::isNull);
    JsonNode gate = opts.client().send("POST", "/api/v1/gate", body);
    report(spec.commandLine().getOut(), opts.json, gate, prometheusOut);
    return exitCode(gate);
  }

  /** 0 for PASS and WARN, 1 for FAIL, 2 for an answer without a verdict. */
  static int exitCode(JsonNode gate) {
    return switch (gate.path("verdict").asText()) {
      case "PASS", "WARN" -> 0;
      case "FAIL" -> 1;
      default -> throw new CliException(2, "the server's gate answer has no verdict: " + gate);
    };
  }

  /** Prints the gate (JSON or text) and writes the textfile when asked. */
  static void report(java.io.PrintWriter out, boolean json, JsonNode gate, Path prometheusOut) {
    if (prometheusOut != null) {
      GateOutput.writePrometheus(prometheusOut, gate, Instant.now());
    }
    if (json) {
      out.println(gate.toPrettyString());
    } else {
      GateOutput.print(out, gate);
    }
  }

  /** Input the CLI can check itself is a usage error (exit 2) before any request. */
  static void usage(Runnable check) {
    try {
      check.run();
    } catch (io.rollgate.error.InvalidInputException e) {
      throw new CliException(2, e.getMessage());
    }
  }
}
