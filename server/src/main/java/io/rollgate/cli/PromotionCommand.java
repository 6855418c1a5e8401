package io.rollgate.cli;

import static io.rollgate.cli.PolicyCommand.body;
import static io.rollgate.cli.PolicyCommand.readJson;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.policy.PolicyName;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate promotion …}: promote a policy change on the evidence of its scenarios, and roll it back. */
@Command(name = "promotion", mixinStandardHelpOptions = true,
    description = {"Promotions: a change to a policy made when every scenario bound to it is eligible; a rollback "
        + "restores the old version and learns a stricter regression scenario.",
        "Exit 0 success; 2 on a refusal (409: not eligible, guard), usage, connection or not-found error."},
    subcommands = {PromotionCommand.Create.class, PromotionCommand.List_.class, PromotionCommand.Show.class,
        PromotionCommand.Rollback.class})
final class PromotionCommand {
  private PromotionCommand() {}

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}-[1-9][0-9]{0,9}");

  static String promotionPath(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      String shown = id == null ? "(none)" : "'" + (id.length() > 80 ? id.substring(0, 80) + "…" : id) + "'";
      throw new CliException(2, "invalid promotion id " + shown + ": must be a policy name, '-' and a number, "
          + "such as limits-3");
    }
    return "/api/v1/promotions/" + id;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Promote a merge patch on a policy, on the evidence of a scenario (operator).",
          "--rollout proceeds as a staged rollout (same fields as POST /api/v1/rollouts: stages, analysis, onFailure, "
              + "selfApproval); --watch applies at once and rolls back by itself if the metrics degrade "
              + "within the window."})
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Option(names = "--scenario", required = true, paramLabel = "ID", description = "The scenario whose evidence it is")
    String scenario;
    @Option(names = "--policy", required = true, paramLabel = "NAME", description = "The policy to change") String policy;

    @ArgGroup(exclusive = true, multiplicity = "1") Delta delta;

    static final class Delta {
      @Option(names = "--delta", paramLabel = "JSON", description = "The change as a JSON merge patch") String inline;
      @Option(names = "--delta-file", paramLabel = "FILE", description = "Read the merge patch from FILE ('-' for stdin)")
      Path file;
    }

    @Option(names = "--rollout", paramLabel = "JSON",
        description = "Proceed as a staged rollout: {\"stages\":[…],\"analysis\":{…},\"onFailure\":…}")
    String rollout;
    @Option(names = "--watch", paramLabel = "JSON", description = "Watch after applying: {\"provider\":\"prometheus\","
        + "\"prometheusUrl\":…,\"query\":…,\"windowSeconds\":N,\"maxErrorRate\":R}")
    String watch;
    @Option(names = "--reason", description = "Why; recorded in the journal") String reason;

    @Override
    public Integer call() {
      ScenarioCommand.scenarioPath(scenario);
      PolicyName.of(policy);
      var b = body("scenario", scenario, "policy", policy, "delta", readJson(delta.inline, delta.file, "delta"),
          "reason", PolicyCommand.reasonOrNull(reason),
          "rollout", rollout == null ? null : readJson(rollout, null, "--rollout"),
          "watch", watch == null ? null : readJson(watch, null, "--watch"));
      JsonNode r = opts.client().send("POST", "/api/v1/promotions", b);
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
      } else if ("rolling_out".equals(r.path("status").asText())) {
        out.printf("promotion %s is rolling out as rollout %s (policy %s stays at version %d until it completes)%n",
            r.path("id").asText(), r.path("rolloutId").asText(), r.path("policy").asText(), r.path("oldVersion").asInt());
        out.printf("follow it: rollgate rollout status %s --watch%n", r.path("rolloutId").asText());
      } else {
        out.printf("promoted %s: policy %s version %d → %d%s%n", r.path("id").asText(), r.path("policy").asText(),
            r.path("oldVersion").asInt(), r.path("newVersion").asInt(), r.path("watch").isObject()
                ? "; watched until " + r.at("/watch/until").asText() : "");
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "The promotion history, newest first: promotions, rollbacks, reasons (viewer).")
  static final class List_ implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Option(names = "--policy", paramLabel = "NAME", description = "Only this policy's promotions") String policy;
    @Option(names = "--limit", paramLabel = "N", description = "At most this many (server default otherwise)")
    Integer limit;

    @Override
    public Integer call() {
      var q = new ArrayList<String>();
      if (policy != null) {
        q.add("policy=" + PolicyName.of(policy));
      }
      if (limit != null) {
        q.add("limit=" + limit);
      }
      JsonNode r = opts.client().get("/api/v1/promotions" + (q.isEmpty() ? "" : "?" + String.join("&", q)));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      if (r.path("promotions").isEmpty()) {
        out.println("no promotions");
        return 0;
      }
      String format = "%-30s %-12s %-30s %-9s  %s%n";
      out.printf(format, "ID", "STATUS", "SCENARIO", "VERSIONS", "REASON");
      for (JsonNode p : r.path("promotions")) {
        out.printf(format, p.path("id").asText(), p.path("status").asText(), p.path("scenario").asText(),
            versions(p), p.path("rollback").isObject() ? "rolled back: " + p.at("/rollback/reason").asText()
                : p.path("reason").asText(""));
      }
      return 0;
    }
  }

  static String versions(JsonNode p) {
    return p.path("oldVersion").asInt() + "→" + (p.path("newVersion").isNull() ? "?" : p.path("newVersion").asInt());
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One promotion and its evidence (viewer).")
  static final class Show implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The promotion id, such as limits-3") String id;

    @Override
    public Integer call() {
      JsonNode p = opts.client().get(promotionPath(id));
      var out = spec.commandLine().getOut();
      out.println(opts.json ? p.toPrettyString() : block(p));
      return 0;
    }
  }

  static String block(JsonNode p) {
    var b = new StringBuilder();
    b.append("promotion ").append(p.path("id").asText()).append("  ").append(p.path("status").asText())
        .append("  policy ").append(p.path("policy").asText()).append(" versions ").append(versions(p)).append('\n');
    b.append("  delta: ").append(p.path("delta")).append('\n');
    b.append("  by ").append(p.path("promotedBy").asText()).append(" at ").append(p.path("promotedAt").asText())
        .append(p.path("reason").isNull() ? "" : ": " + p.path("reason").asText()).append('\n');
    if (!p.path("rolloutId").isNull()) {
      b.append("  via rollout ").append(p.path("rolloutId").asText()).append('\n');
    }
    if (p.path("watch").isObject()) {
      b.append("  watch: ").append(p.at("/watch/provider").asText()).append(", error rate ≤ ")
          .append(ScenarioCommand.pct(p.at("/watch/maxErrorRate").asDouble())).append(" until ")
          .append(p.at("/watch/until").asText());
      JsonNode last = p.at("/watch/last");
      b.append(last.isObject() ? "; last reading " + last.path("verdict").asText() + ": " + last.path("reason").asText()
          : "; no reading yet").append('\n');
    }
    b.append("  evidence:\n");
    for (JsonNode e : p.path("eligibility")) {
      b.append("    ").append(e.path("scenario").asText()).append(e.path("learned").asBoolean() ? " (learned)" : "")
          .append(": ").append(e.path("reason").asText()).append('\n');
    }
    if (p.path("rollback").isObject()) {
      JsonNode r = p.path("rollback");
      b.append("  rolled back by ").append(r.path("by").asText()).append(" at ").append(r.path("at").asText())
          .append(" to version ").append(r.path("version").asInt()).append(": ").append(r.path("reason").asText())
          .append('\n');
      b.append("  learned scenario: ").append(r.path("regressionScenario").asText()).append('\n');
    }
    return b.toString().stripTrailing();
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = {"Roll a promotion back: restore the old version and learn a regression scenario "
          + "(default 50 runs, 5%%) bound to the policy (operator)."})
  static final class Rollback implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The promotion id, such as limits-3") String id;
    @Option(names = "--reason", required = true, description = "What degraded; required, journaled") String reason;
    @Option(names = "--regression-min-runs", paramLabel = "N", description = "The learned scenario's runs (default 50)")
    Integer minRuns;
    @Option(names = "--regression-max-failure-rate", paramLabel = "RATE",
        description = "The learned scenario's failure rate (default 0.05)")
    Double maxFailureRate;

    @Override
    public Integer call() {
      String path = promotionPath(id) + "/rollback";
      if (reason.isBlank()) {
        throw new CliException(2, "--reason must not be blank: say what degraded, it is recorded in the journal");
      }
      JsonNode r = opts.client().send("POST", path, body("reason", reason, "regressionMinRuns", minRuns,
          "regressionMaxFailureRate", maxFailureRate));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
      } else {
        out.printf("rolled back %s: policy %s restored to the content of version %d (now version %d)%n",
            r.path("id").asText(), r.path("policy").asText(), r.path("oldVersion").asInt(),
            r.at("/rollback/version").asInt());
        out.printf("learned scenario %s guards the next promotion of %s%n", r.at("/rollback/regressionScenario")
            .asText(), r.path("policy").asText());
      }
      return 0;
    }
  }
}
