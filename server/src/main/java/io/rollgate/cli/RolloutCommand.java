package io.rollgate.cli;

import static io.rollgate.cli.PolicyCommand.body;
import static io.rollgate.cli.PolicyCommand.readJson;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.policy.PolicyName;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate rollout …}: start a staged rollout, follow it, and steer it by hand. */
@Command(name = "rollout", mixinStandardHelpOptions = true,
    description = {"Move a policy to a candidate version through stages (10%% → 100%%), judged by live evidence.",
        "Exit 0 success; status --watch exits 0 when the rollout completes and 1 when it is rolled back or aborted."},
    subcommands = {RolloutCommand.Start.class, RolloutCommand.Status.class, RolloutCommand.List_.class,
        RolloutCommand.Advance.class, RolloutCommand.Rollback.class, RolloutCommand.Pause.class,
        RolloutCommand.Resume.class, RolloutCommand.Abort.class})
final class RolloutCommand {
  private RolloutCommand() {}

  /** A rollout id is its policy's name, '-', and the policy's rollout number: {@code guardian-enforcement-3}. */
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}-[1-9][0-9]{0,9}");

  /** The API path of a rollout. The id is checked first, so that an id like '../x' cannot reach another route. */
  static String rolloutPath(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      String shown = id == null ? "(none)" : "'" + (id.length() > 80 ? id.substring(0, 80) + "…" : id) + "'";
      throw new CliException(2, "invalid rollout id " + shown + ": must be a policy name, '-' and a number, "
          + "such as guardian-enforcement-3");
    }
    return "/api/v1/rollouts/" + id;
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = {"Start a rollout of a candidate (a merge patch or a whole document) for a policy (operator).",
          "Options left out take the server's defaults: the five stages canary 10%% … full 100%%, "
              + "the outcomes provider every 900 s, step back on failure."})
  static final class Start implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;

    @Option(names = "--policy", required = true, paramLabel = "NAME", description = "The policy to roll out")
    String policy;

    @ArgGroup(exclusive = true, multiplicity = "1") Candidate candidate;

    static final class Candidate {
      @Option(names = "--delta", paramLabel = "JSON", description = "The candidate as a merge patch on the current version")
      String delta;
      @Option(names = "--delta-file", paramLabel = "FILE", description = "Read the merge patch from FILE ('-' for stdin)")
      Path deltaFile;
      @Option(names = "--document", paramLabel = "JSON", description = "The candidate as a whole document")
      String document;
      @Option(names = "--document-file", paramLabel = "FILE", description = "Read the document from FILE ('-' for stdin)")
      Path documentFile;
    }

    @ArgGroup(exclusive = true) StagesSource stages;

    static final class StagesSource {
      @Option(names = "--stages", paramLabel = "JSON",
          description = "The stages, a JSON array of {name, percentage, minDurationSeconds, maxErrorRate, requiresApproval}")
      String inline;
      @Option(names = "--stages-file", paramLabel = "FILE", description = "Read the stages from FILE ('-' for stdin)")
      Path file;
    }

    @Option(names = "--provider", paramLabel = "outcomes|prometheus", description = "Where the error rate comes from")
    String provider;
    @Option(names = "--interval", paramLabel = "SECONDS", description = "Seconds between measurements")
    Long interval;
    @Option(names = "--prometheus-url", paramLabel = "URL", description = "Prometheus base URL (provider prometheus)")
    String prometheusUrl;
    @Option(names = "--query", paramLabel = "PROMQL",
        description = "Instant query yielding one error rate; {{policy}}, {{rollout}}, {{stage}}, {{variant}} are filled in")
    String query;
    @Option(names = "--judge", paramLabel = "NAME",
        description = "How a stage is judged: sequential (default with outcomes: candidate against baseline), "
            + "threshold (the stages' maxErrorRate only), growthbook, kayenta, peeking; see docs/decision-quality.md")
    String judge;
    @Option(names = "--alpha", paramLabel = "A", description = "The judge's false-alarm rate (default 0.05)")
    Double alpha;
    @Option(names = "--judge-delta", paramLabel = "D",
        description = "Relative increase of the error rate the judge tolerates (0.1 = 10%%; default 0)")
    Double judgeDelta;
    @Option(names = "--min-samples", paramLabel = "N", description = "Fewer requests than this is inconclusive")
    Long minSamples;
    @Option(names = "--failure-limit", paramLabel = "N", description = "Failures tolerated per stage (-1: never fail)")
    Long failureLimit;
    @Option(names = "--consecutive-error-limit", paramLabel = "N",
        description = "Provider errors in a row tolerated before pausing")
    Long consecutiveErrorLimit;
    @Option(names = "--on-failure", paramLabel = "step_back|abort", description = "What a failed stage does")
    String onFailure;
    @Option(names = "--self-approval", description = "Let the author approve their own stages (no four-eyes)")
    boolean selfApproval;
    @Option(names = "--reason", description = "Why; recorded in the journal")
    String reason;

    @Override
    public Integer call() {
      PolicyName.of(policy); // a bad name is a usage error here, not a request
      var b = new LinkedHashMap<String, Object>();
      b.put("policy", policy);
      if (candidate.delta != null || candidate.deltaFile != null) {
        b.put("delta", readJson(candidate.delta, candidate.deltaFile, "delta"));
      } else {
        b.put("document", readJson(candidate.document, candidate.documentFile, "document"));
      }
      if (stages != null) {
        b.put("stages", readJson(stages.inline, stages.file, "stages"));
      }
      Map<String, Object> analysis = body("provider", provider, "intervalSeconds", interval,
          "minSamples", minSamples, "failureLimit", failureLimit, "consecutiveErrorLimit", consecutiveErrorLimit,
          "prometheusUrl", prometheusUrl, "query", query, "judge", judge, "alpha", alpha, "delta", judgeDelta);
      if (!analysis.isEmpty()) {
        b.put("analysis", analysis);
      }
      b.putAll(body("onFailure", onFailure, "selfApproval", selfApproval ? Boolean.TRUE : null,
          "reason", PolicyCommand.reasonOrNull(reason)));
      JsonNode r = opts.client().send("POST", "/api/v1/rollouts", b);
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      JsonNode stage = r.path("currentStage");
      out.printf("started %s: %s at stage %s%n", r.path("id").asText(), r.path("phase").asText(),
          stageDetail(r, stage));
      out.printf("follow it: rollgate rollout status %s --watch%n", r.path("id").asText());
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Show where a rollout is and why: stages, time in stage, the last analysis, recent transitions.",
          "--watch follows it live until it ends: exit 0 when COMPLETED, 1 when ROLLED_BACK or ABORTED."})
  static final class Status implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The rollout id, such as guardian-enforcement-3") String id;
    @Option(names = "--watch", description = "Redraw on every change until the rollout ends "
        + "(one line per new state when stdout is not a terminal; one JSON object per line with --json)")
    boolean watch;
    @Option(names = "--refresh", paramLabel = "SECONDS", defaultValue = "5",
        description = "With --watch: refetch at least this often, so the time in stage moves (default 5)")
    long refresh;

    @Override
    public Integer call() {
      String path = rolloutPath(id);
      if (refresh < 1 || refresh > 3600) {
        throw new CliException(2, "--refresh must be between 1 and 3600 seconds, got " + refresh);
      }
      var client = opts.client();
      if (watch) {
        boolean terminal = spec.root().userObject() instanceof Main m && m.terminal;
        return new RolloutWatch(client, path, spec.commandLine().getOut(), spec.commandLine().getErr(),
            RolloutWatch.Mode.of(opts.json, terminal), Duration.ofSeconds(refresh)).run();
      }
      JsonNode r = client.get(path);
      var out = spec.commandLine().getOut();
      out.print(opts.json ? r.toPrettyString() + "\n" : block(r));
      out.flush(); // print() does not flush as println() does, and main() exits right after
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List rollouts, newest first (active ones by default).")
  static final class List_ implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Option(names = "--policy", paramLabel = "NAME", description = "Only this policy's rollouts") String policy;
    @Option(names = "--all", description = "Finished rollouts too (COMPLETED, ROLLED_BACK, ABORTED)") boolean all;
    @Option(names = "--limit", paramLabel = "N", description = "At most this many (server default otherwise)") Integer limit;

    @Override
    public Integer call() {
      var q = new ArrayList<String>();
      if (policy != null) {
        q.add("policy=" + PolicyName.of(policy));
      }
      if (!all) {
        q.add("active=true");
      }
      if (limit != null) {
        q.add("limit=" + limit);
      }
      JsonNode r = opts.client().get("/api/v1/rollouts" + (q.isEmpty() ? "" : "?" + String.join("&", q)));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      if (r.path("rollouts").isEmpty()) {
        out.println(all ? "no rollouts" : "no active rollouts (--all shows finished ones too)");
        return 0;
      }
      String format = "%-34s %-24s %-17s %-16s %6s  %s%n";
      out.printf(format, "ID", "POLICY", "PHASE", "STAGE", "PCT", "AGE");
      for (JsonNode s : r.path("rollouts")) {
        out.printf(format, s.path("id").asText(), s.path("policy").asText(), s.path("phase").asText(),
            (s.path("stageIndex").asInt() + 1) + "/" + s.path("totalStages").asInt() + " "
                + s.path("currentStage").path("name").asText(),
            pct(s.path("percentage")) + "%", age(s));
      }
      return 0;
    }

    /**
     * How long ago the rollout started, by the server's clock: the time before its current stage
     * plus the time in it. The local clock may disagree with the server's; this never mixes them.
     */
    private static String age(JsonNode s) {
      try {
        long before = Duration.between(Instant.parse(s.path("startedAt").asText()),
            Instant.parse(s.path("stageStartedAt").asText())).toSeconds();
        return duration(before + s.path("elapsedSeconds").asLong());
      } catch (DateTimeParseException e) {
        return "?";
      }
    }
  }

  /** The five manual actions share everything but their name, path and help text. */
  abstract static class Action extends ReasonedAction {
    @Parameters(index = "0", paramLabel = "ID", description = "The rollout id, such as guardian-enforcement-3") String id;

    abstract String action();

    @Override
    String path() {
      return rolloutPath(id) + "/" + action();
    }

    @Override
    void print(PrintWriter out, JsonNode r) {
      out.printf("%s is %s at stage %s%n  why: %s%n", r.path("id").asText(), r.path("phase").asText(),
          stageDetail(r, r.path("currentStage")), r.path("reason").asText(""));
    }
  }

  @Command(name = "advance", mixinStandardHelpOptions = true,
      description = {"Approve the next stage, or move on now (admin).",
          "Four-eyes: refused for the rollout's author unless it was started with --self-approval."})
  static final class Advance extends Action {
    @Override
    String action() {
      return "advance";
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Put everyone back on the baseline: the rollout ends ROLLED_BACK (operator).")
  static final class Rollback extends Action {
    @Override
    String action() {
      return "rollback";
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Hold the rollout at its stage; nothing advances or steps back until resumed (operator).")
  static final class Pause extends Action {
    @Override
    String action() {
      return "pause";
    }
  }

  @Command(name = "resume", mixinStandardHelpOptions = true,
      description = "Resume a paused rollout; its stage's analysis starts over (operator).")
  static final class Resume extends Action {
    @Override
    String action() {
      return "resume";
    }
  }

  @Command(name = "abort", mixinStandardHelpOptions = true,
      description = "Stop the rollout and put everyone back on the baseline: it ends ABORTED (operator).")
  static final class Abort extends Action {
    @Override
    String action() {
      return "abort";
    }
  }

  // ---- rendering, shared with RolloutWatch ----

  static boolean isTerminal(String phase) {
    return switch (phase) {
      case "COMPLETED", "ROLLED_BACK", "ABORTED" -> true;
      default -> false;
    };
  }

  /** The readable block {@code status} prints. */
  static String block(JsonNode r) {
    var b = new StringBuilder();
    JsonNode stage = r.path("currentStage");
    b.append(r.path("id").asText()).append("  policy ").append(r.path("policy").asText()).append("  ")
        .append(r.path("phase").asText()).append("  ").append(pct(r.path("percentage")))
        .append("% on the candidate\n");
    line(b, "stages", stageBar(r));
    line(b, "stage", (r.path("stageIndex").asInt() + 1) + "/" + r.path("totalStages").asInt() + " "
        + stage.path("name").asText() + " for " + duration(r.path("elapsedSeconds").asLong()) + " of at least "
        + duration(r.path("minDurationSeconds").asLong(stage.path("minDurationSeconds").asLong()))
        + "; " + ceiling(stage)
        + (stage.path("requiresApproval").asBoolean() ? "; needs approval" : ""));
    JsonNode last = r.path("lastAnalysis");
    JsonNode sum = r.path("analysisSummary");
    String counts = sum.isObject() ? " [" + sum.path("passes").asInt() + " pass, " + sum.path("failures").asInt()
        + " fail, " + sum.path("inconclusives").asInt() + " inconclusive, " + sum.path("errors").asInt() + " error]"
        : "";
    line(b, "analysis", (last.isObject() ? analysis(last) : "none yet") + counts);
    JsonNode a = r.path("analysis");
    String next = r.path("nextAnalysisAt").isTextual() ? r.path("nextAnalysisAt").asText() : "none";
    line(b, "next", next + (a.isObject() ? " (" + a.path("provider").asText() + " every "
        + duration(a.path("intervalSeconds").asLong()) + ")" : ""));
    line(b, "why", r.path("reason").asText(""));
    List<JsonNode> transitions = new ArrayList<>();
    r.path("transitions").forEach(transitions::add);
    transitions.sort((x, y) -> Long.compare(x.path("n").asLong(), y.path("n").asLong()));
    List<JsonNode> recent = transitions.subList(Math.max(0, transitions.size() - 5), transitions.size());
    String label = "history";
    for (JsonNode t : recent) {
      // the reason names the stages it moved between; the columns are for scanning
      line(b, label, String.format("%s  %-17s %-14s %s", t.path("at").asText(),
          t.path("type").asText().replaceFirst("^rollout\\.", ""), t.path("actor").asText(),
          t.path("reason").asText("")));
      label = "";
    }
    return b.toString();
  }

  /** One line per state, for {@code status --watch} into a pipe or file. */
  static String progressLine(JsonNode r) {
    JsonNode last = r.path("lastAnalysis");
    return r.path("updatedAt").asText() + "  " + r.path("id").asText() + "  " + r.path("phase").asText()
        + "  stage " + (r.path("stageIndex").asInt() + 1) + "/" + r.path("totalStages").asInt() + " "
        + r.path("currentStage").path("name").asText() + " " + pct(r.path("percentage")) + "%"
        + "  last " + (last.isObject() ? last.path("verdict").asText() : "none")
        + "  why: " + r.path("reason").asText("");
  }

  private static void line(StringBuilder b, String label, String text) {
    b.append(String.format("  %-9s %s%n", label, text));
  }

  /** {@code canary 10% ▸ [quarter 25%] ▸ half 50%}, the current stage in brackets. */
  static String stageBar(JsonNode r) {
    int current = r.path("stageIndex").asInt();
    var parts = new ArrayList<String>();
    int i = 0;
    for (JsonNode s : r.path("stages")) {
      String label = s.path("name").asText() + " " + pct(s.path("percentage")) + "%";
      parts.add(i == current ? "[" + label + "]" : label);
      i++;
    }
    return String.join(" ▸ ", parts);
  }

  /** {@code 1/5 canary (10%, at least 1d, max error rate 0.5%, needs approval)}. */
  static String stageDetail(JsonNode r, JsonNode stage) {
    return (r.path("stageIndex").asInt() + 1) + "/" + r.path("totalStages").asInt() + " "
        + stage.path("name").asText() + " (" + pct(stage.path("percentage")) + "%, at least "
        + duration(stage.path("minDurationSeconds").asLong()) + ", " + ceiling(stage)
        + (stage.path("requiresApproval").asBoolean() ? ", needs approval" : "") + ")";
  }

  private static String analysis(JsonNode m) {
    String why = m.path("reason").asText(m.path("why").asText(""));
    return m.path("verdict").asText() + " at " + m.path("at").asText()
        + (m.path("stage").isTextual() ? " (" + m.path("stage").asText() + ")" : "") + (why.isEmpty() ? "" : ": " + why);
  }

  /** A percentage as the API gives it (10, 12.5), without trailing zeros. */
  static String pct(JsonNode n) {
    if (!n.isNumber()) {
      return n.asText("?");
    }
    return n.decimalValue().stripTrailingZeros().toPlainString();
  }

  /** "max error rate 0.5%", or "no error-rate ceiling" for a stage without one (judged by comparison only). */
  static String ceiling(JsonNode stage) {
    JsonNode m = stage.path("maxErrorRate");
    return m.isNull() || m.isMissingNode() ? "no error-rate ceiling" : "max error rate " + rate(m);
  }

  /** A ratio as a percentage: 0.005 → 0.5%. */
  static String rate(JsonNode n) {
    if (n.isNull()) {
      return "none";
    }
    if (!n.isNumber()) {
      return "?";
    }
    return new BigDecimal(n.asText()).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
  }

  /** Seconds, readably and in at most two units: 45s, 12m, 3h12m, 1d2h. */
  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    long d = seconds / 86_400;
    long h = seconds % 86_400 / 3_600;
    long m = seconds % 3_600 / 60;
    long s = seconds % 60;
    if (d > 0) {
      return d + "d" + (h > 0 ? h + "h" : "");
    }
    if (h > 0) {
      return h + "h" + (m > 0 ? m + "m" : "");
    }
    return m + "m" + (s > 0 ? s + "s" : "");
  }

  /** A status without what changes by the mere passing of time, to tell a new state from a redraw. */
  static ObjectNode withoutClock(JsonNode r) {
    ObjectNode copy = r.deepCopy();
    copy.remove(List.of("elapsedSeconds"));
    return copy;
  }
}
