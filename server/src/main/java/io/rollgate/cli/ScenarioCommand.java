package io.rollgate.cli;

import static io.rollgate.cli.PolicyCommand.body;
import static io.rollgate.cli.PolicyCommand.readJson;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.json.Json;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rollgate scenario …}: stress scenarios, their runs (by hand or from JUnit XML), and eligibility. */
@Command(name = "scenario", mixinStandardHelpOptions = true,
    description = {"Stress scenarios and their runs; a promotion needs every scenario bound to its policy eligible.",
        "eligibility exits 0 when eligible and 1 when not; every command exits 2 on a usage, connection or "
            + "not-found error."},
    subcommands = {ScenarioCommand.Create.class, ScenarioCommand.List_.class, ScenarioCommand.Show.class,
        ScenarioCommand.Eligibility.class, ScenarioCommand.RunCmd.class, ScenarioCommand.Import.class})
final class ScenarioCommand {
  private ScenarioCommand() {}

  /** The API path of a scenario; the id is checked first, so that '../x' cannot reach another route. */
  static String scenarioPath(String id) {
    try {
      return "/api/v1/scenarios/" + ScenarioId.of(id).value();
    } catch (RuntimeException e) {
      String shown = id == null ? "(none)" : "'" + (id.length() > 80 ? id.substring(0, 80) + "…" : id) + "'";
      throw new CliException(2, "invalid scenario id " + shown + ": must match [a-z0-9][a-z0-9_-]{0,63}, "
          + "such as tolerance-sweep");
    }
  }

  static String pct(double rate) {
    return String.format(Locale.ROOT, "%.1f%%", rate * 100);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a scenario (operator). Defaults: 20 runs, 10%% failures, the last 100 runs.")
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The scenario id, such as tolerance-sweep") String id;
    @Option(names = "--min-runs", paramLabel = "N", description = "Runs needed before it can be eligible") Integer minRuns;
    @Option(names = "--max-failure-rate", paramLabel = "RATE", description = "0 to 1, e.g. 0.1 for 10%%")
    Double maxFailureRate;
    @Option(names = "--window", paramLabel = "N", description = "Only the last N runs count") Integer window;
    @Option(names = "--tag", paramLabel = "TAG", description = "A tag (repeatable)") List<String> tags;
    @Option(names = "--reason", description = "Why; recorded in the journal") String reason;

    @Override
    public Integer call() {
      scenarioPath(id);
      var b = body("id", id, "minRuns", minRuns, "maxFailureRate", maxFailureRate, "window", window, "tags", tags,
          "reason", PolicyCommand.reasonOrNull(reason));
      JsonNode r = opts.client().send("POST", "/api/v1/scenarios", b);
      var out = spec.commandLine().getOut();
      out.println(opts.json ? r.toPrettyString() : "created scenario " + r.path("id").asText() + ": " + criteria(r));
      return 0;
    }
  }

  static String criteria(JsonNode s) {
    return "eligible after " + s.path("minRuns").asInt() + " runs with at most " + pct(s.path("maxFailureRate")
        .asDouble()) + " failures over the last " + s.path("window").asInt() + " runs";
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List scenarios, newest first (viewer).")
  static final class List_ implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Option(names = "--limit", paramLabel = "N", description = "At most this many (server default otherwise)")
    Integer limit;

    @Override
    public Integer call() {
      JsonNode r = opts.client().get("/api/v1/scenarios" + (limit == null ? "" : "?limit=" + limit));
      var out = spec.commandLine().getOut();
      if (opts.json) {
        out.println(r.toPrettyString());
        return 0;
      }
      if (r.path("scenarios").isEmpty()) {
        out.println("no scenarios");
        return 0;
      }
      String format = "%-40s %8s %7s %7s %8s  %s%n";
      out.printf(format, "ID", "MIN-RUNS", "MAX-FR", "WINDOW", "RUNS", "POLICIES / TAGS");
      for (JsonNode s : r.path("scenarios")) {
        List<String> extra = new ArrayList<>();
        s.path("policies").forEach(p -> extra.add(p.asText()));
        s.path("tags").forEach(t -> extra.add("#" + t.asText()));
        out.printf(format, s.path("id").asText(), s.path("minRuns").asInt(), pct(s.path("maxFailureRate").asDouble()),
            s.path("window").asInt(), s.path("totalRuns").asLong(), String.join(" ", extra));
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "A scenario and its eligibility now (viewer).")
  static final class Show implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The scenario id") String id;

    @Override
    public Integer call() {
      String path = scenarioPath(id);
      var client = opts.client();
      JsonNode s = client.get(path);
      JsonNode e = client.get(path + "/eligibility");
      var out = spec.commandLine().getOut();
      if (opts.json) {
        ObjectNode both = s.deepCopy();
        both.set("eligibility", e);
        out.println(both.toPrettyString());
        return 0;
      }
      out.println("scenario " + s.path("id").asText() + (s.path("learned").asBoolean() ? "  (learned from '"
          + s.path("learnedFrom").asText() + "' by promotion " + s.path("learnedBy").asText() + ")" : ""));
      out.println("  " + criteria(s));
      List<String> tags = new ArrayList<>();
      s.path("tags").forEach(t -> tags.add(t.asText()));
      out.println("  tags: " + (tags.isEmpty() ? "none" : String.join(", ", tags)));
      List<String> policies = new ArrayList<>();
      s.path("policies").forEach(p -> policies.add(p.asText()));
      out.println("  guards policies: " + (policies.isEmpty() ? "none yet" : String.join(", ", policies)));
      out.println("  runs recorded: " + s.path("totalRuns").asLong());
      if (!s.path("reason").isNull() && !s.path("reason").asText().isEmpty()) {
        out.println("  reason: " + s.path("reason").asText());
      }
      out.println("  " + eligibilityLine(e));
      return 0;
    }
  }

  static String eligibilityLine(JsonNode e) {
    return (e.path("eligible").asBoolean() ? "ELIGIBLE" : "NOT ELIGIBLE") + ": " + e.path("reason").asText();
  }

  @Command(name = "eligibility", mixinStandardHelpOptions = true,
      description = {"Whether the scenario's evidence suffices now (viewer).",
          "Exit 0 eligible, 1 not eligible, 2 usage, connection or not found."})
  static final class Eligibility implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The scenario id") String id;

    @Override
    public Integer call() {
      JsonNode e = opts.client().get(scenarioPath(id) + "/eligibility");
      var out = spec.commandLine().getOut();
      out.println(opts.json ? e.toPrettyString() : e.path("scenario").asText() + ": " + eligibilityLine(e));
      return e.path("eligible").asBoolean() ? 0 : 1;
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Record one run of a scenario (operator).")
  static final class RunCmd implements Callable<Integer> {
    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Parameters(index = "0", paramLabel = "ID", description = "The scenario id") String id;
    @ArgGroup(exclusive = true, multiplicity = "1") Outcome outcome;

    static final class Outcome {
      @Option(names = "--passed", description = "The run passed") boolean passed;
      @Option(names = "--failed", description = "The run failed") boolean failed;
    }

    @Option(names = "--duration-ms", paramLabel = "MS", description = "How long it took") Long durationMs;
    @Option(names = "--source", paramLabel = "TEXT", description = "Where it came from, e.g. a CI job URL") String source;
    @Option(names = "--metrics", paramLabel = "JSON", description = "A JSON object of measurements") String metrics;

    @Override
    public Integer call() {
      String path = scenarioPath(id) + "/runs";
      var b = body("passed", outcome.passed, "durationMs", durationMs,
          "metrics", metrics == null ? null : readJson(metrics, null, "--metrics"), "source", source);
      JsonNode r = opts.client().send("POST", path, b);
      var out = spec.commandLine().getOut();
      out.println(opts.json ? r.toPrettyString() : "recorded 1 " + (outcome.passed ? "passing" : "failing")
          + " run; " + eligibilityLine(r.path("eligibility")));
      return 0;
    }
  }

  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Import JUnit XML reports (Surefire, pytest --junitxml, …) as runs of a scenario (operator).",
          "Each <testcase> is one run: failed when it has <failure> or <error>; <skipped> cases are not runs.",
          "Every file is read before anything is sent: a malformed report imports nothing (exit 2)."})
  static final class Import implements Callable<Integer> {
    static final int BATCH = 500;

    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Option(names = "--scenario", required = true, paramLabel = "ID", description = "The scenario the runs belong to")
    String scenario;
    @Option(names = "--junit", required = true, arity = "1..*", paramLabel = "PATH",
        description = "JUnit XML report files (several allowed)")
    List<Path> files;

    @Override
    public Integer call() {
      String path = scenarioPath(scenario) + "/runs";
      List<JunitReport> reports = files.stream().map(JunitReport::read).toList();
      long total = reports.stream().mapToLong(JunitReport::runs).sum();
      if (total == 0) {
        throw new CliException(2, "no test cases to import in " + files.size() + " file(s) (skipped cases are not "
            + "runs); nothing was imported");
      }
      var client = opts.client();
      var out = spec.commandLine().getOut();
      ArrayNode perFile = Json.mapper().createArrayNode();
      JsonNode eligibility = null;
      long recorded = 0;
      for (JunitReport report : reports) {
        List<ObjectNode> runs = new ArrayList<>();
        for (JunitReport.Case c : report.cases()) {
          if (!c.skipped()) {
            ObjectNode run = Json.object().put("passed", c.passed()).put("source", c.source(report.file()));
            if (c.durationMs() != null) {
              run.put("durationMs", c.durationMs());
            }
            runs.add(run);
          }
        }
        for (int i = 0; i < runs.size(); i += BATCH) {
          JsonNode r = client.send("POST", path, runs.subList(i, Math.min(runs.size(), i + BATCH)));
          recorded += r.path("recorded").asLong();
          eligibility = r.path("eligibility");
        }
        long failed = report.runs() - report.passed();
        perFile.add(Json.object().put("file", report.file().toString()).put("runs", report.runs())
            .put("passed", report.passed()).put("failed", failed).put("skipped", report.skipped()));
        if (!opts.json) {
          out.printf("%s: %d run(s), %d passed, %d failed%s%n", report.file().getFileName(), report.runs(),
              report.passed(), failed, report.skipped() == 0 ? ""
                  : ", " + report.skipped() + " skipped (not runs, not imported)");
        }
      }
      if (opts.json) {
        ObjectNode o = Json.object().put("scenario", scenario).put("recorded", recorded);
        o.set("files", perFile);
        o.put("skipped", reports.stream().mapToLong(JunitReport::skipped).sum());
        o.set("eligibility", eligibility);
        out.println(o.toPrettyString());
      } else {
        summary(out, reports, recorded, eligibility);
      }
      return 0;
    }

    private void summary(PrintWriter out, List<JunitReport> reports, long recorded, JsonNode eligibility) {
      long passed = reports.stream().mapToLong(JunitReport::passed).sum();
      long skipped = reports.stream().mapToLong(JunitReport::skipped).sum();
      out.printf("imported %d run(s) into scenario %s from %d file(s): %d passed, %d failed%s%n", recorded, scenario,
          reports.size(), passed, recorded - passed, skipped == 0 ? "" : "; " + skipped + " skipped case(s) left out");
      out.println(scenario + ": " + eligibilityLine(eligibility));
    }
  }
}
