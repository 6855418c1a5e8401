package io.rollgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.evidence.ScenarioId;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code rollgate demo …}: guided tours that run against a real server and leave real, audited state behind. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Guided tours against a running server (they create their own policy and scenario).",
    subcommands = {DemoCommand.Promotion.class})
final class DemoCommand {
  private DemoCommand() {}

  /**
   * Origin document 000's loop, narrated: stress runs accumulate, eligibility passes, the promotion
   * 30000 → 45000 ms, degradation, rollback, the learned regression scenario that blocks the next
   * attempt, and the audit trail. The degradation is simulated (as in 000's demo script); everything
   * else is the server's real answer.
   */
  @Command(name = "promotion", mixinStandardHelpOptions = true,
      description = {"Play origin document 000's promotion loop against a running server, narrating each step "
          + "(operator token). --json prints a machine-readable transcript.",
          "Creates a fresh policy and scenario; nothing else is touched."})
  static final class Promotion implements Callable<Integer> {
    static final int RUNS = 25;
    static final int FAILURES = 1;
    static final int BATCH = 5;
    /** 000's audit types; the trail shows these for the demo's policy and scenarios. */
    private static final Set<String> TRAIL = Set.of("policy.applied", "scenario.created", "scenario.run_recorded",
        "scenario.learned", "promotion.executed", "promotion.rolled_back");

    @Mixin ClientOptions opts;
    @Spec CommandSpec spec;
    @Option(names = "--url", paramLabel = "URL", description = "The server (same as --server)") String url;
    @Option(names = "--policy", paramLabel = "NAME", defaultValue = "demo-resource-limits",
        description = "The policy the demo creates (default ${DEFAULT-VALUE})")
    String policy;
    @Option(names = "--scenario", paramLabel = "ID", defaultValue = "demo-tolerance-sweep",
        description = "The scenario the demo creates (default ${DEFAULT-VALUE}); -2, -3, … is appended to both "
            + "names when either is taken")
    String scenario;

    private final ArrayNode steps = Json.mapper().createArrayNode();
    private PrintWriter out;

    @Override
    public Integer call() {
      if (url != null) {
        if (opts.server != null && !opts.server.equals(url)) {
          throw new CliException(2, "--url and --server name different servers; give one");
        }
        opts.server = url;
      }
      PolicyName.of(policy);
      ScenarioId.of(scenario);
      out = spec.commandLine().getOut();
      ApiClient api = opts.client();

      // 0. a fresh policy at 000's baseline, and a fresh scenario (an earlier run's learned scenario
      // guards its policy, so a second run must not reuse it)
      String suffix = freeSuffix(api);
      policy = cut(policy, suffix);
      String id = cut(scenario, suffix);
      String path = "/api/v1/policies/" + policy;
      ObjectNode baseline = Json.object();
      baseline.putObject("standard").put("max_wall_time_ms", 30000);
      JsonNode before = api.send("PUT", path, Map.of("document", baseline, "reason", "demo: 000's baseline"));
      JsonNode created = api.send("POST", "/api/v1/scenarios", Map.of("id", id, "tags", List.of("stress", "demo"),
          "reason", "demo: 000's tolerance sweep"));
      step("setup", List.of("policy " + policy + " at version " + before.path("version").asInt()
              + ": standard.max_wall_time_ms = 30000",
          "scenario " + id + ": " + ScenarioCommand.criteria(created)), Json.object().put("policy", policy)
          .put("version", before.path("version").asInt()).put("scenario", id));

      // 1. stress runs accumulate
      List<String> lines = new ArrayList<>();
      JsonNode eligibility = null;
      for (int sent = 0; sent < RUNS; sent += BATCH) {
        List<ObjectNode> batch = new ArrayList<>();
        for (int i = sent; i < sent + BATCH; i++) {
          boolean passed = i != 12; // one timeout in 25: 96% pass, as in 000
          batch.add(Json.object().put("passed", passed).put("durationMs", 21000 + 600L * (i % 7) + (passed ? 0 : 9000))
              .put("source", "demo:stress-run-" + (i + 1)));
        }
        eligibility = api.send("POST", "/api/v1/scenarios/" + id + "/runs", batch).path("eligibility");
        lines.add("runs " + (sent + 1) + "–" + (sent + BATCH) + " recorded: " + ScenarioCommand.eligibilityLine(
            eligibility));
      }
      step("stress runs accumulate", lines, Json.object().put("runs", RUNS).put("failures", FAILURES));

      // 2. eligibility
      eligibility = api.get("/api/v1/scenarios/" + id + "/eligibility");
      step("eligibility check", List.of(ScenarioCommand.eligibilityLine(eligibility)), eligibility.deepCopy());
      if (!eligibility.path("eligible").asBoolean()) {
        throw new CliException(1, "demo stopped: scenario " + id + " is not eligible: " + eligibility.path("reason")
            .asText());
      }

      // 3. promotion 30000 → 45000
      ObjectNode delta = Json.object();
      delta.putObject("standard").put("max_wall_time_ms", 45000);
      JsonNode promoted = api.send("POST", "/api/v1/promotions", Map.of("scenario", id, "policy", policy,
          "delta", delta, "reason", "demo: " + RUNS + " stress runs, " + ScenarioCommand.pct(
              eligibility.path("failureRate").asDouble()) + " failures"));
      String promotion = promoted.path("id").asText();
      step("promotion", List.of("promotion " + promotion + ": standard.max_wall_time_ms 30000 → 45000 ms (version "
          + promoted.path("oldVersion").asInt() + " → " + promoted.path("newVersion").asInt() + ")"),
          promoted.deepCopy());

      // 4. degradation (simulated, as in 000)
      String degraded = "timeout rate 25% > 20% after the promotion (simulated by the demo)";
      step("degradation", List.of("monitoring reports: " + degraded), Json.object().put("timeoutRate", 0.25)
          .put("threshold", 0.20).put("simulated", true));

      // 5. rollback
      JsonNode rolled = api.send("POST", "/api/v1/promotions/" + promotion + "/rollback", Map.of("reason", degraded));
      JsonNode now = api.get(path);
      step("rollback", List.of("promotion " + promotion + " rolled back: standard.max_wall_time_ms is "
          + now.at("/document/standard/max_wall_time_ms").asInt() + " again (version "
          + rolled.at("/rollback/version").asInt() + ")"), rolled.deepCopy());

      // 6. the regression scenario, and the next attempt it blocks
      String learnedId = rolled.at("/rollback/regressionScenario").asText();
      JsonNode learned = api.get("/api/v1/scenarios/" + learnedId);
      String blocked;
      try {
        api.send("POST", "/api/v1/promotions", Map.of("scenario", id, "policy", policy, "delta", delta,
            "reason", "demo: try again at once"));
        throw new CliException(1, "demo: the second promotion was not blocked by " + learnedId);
      } catch (CliException e) {
        if (e.httpStatus != 409) {
          throw e;
        }
        blocked = e.getMessage();
      }
      ObjectNode learnedData = learned.deepCopy();
      learnedData.put("nextPromotionRefused", blocked);
      step("regression scenario", List.of("learned " + learnedId + " (tag learned_constraint, from " + id + "): "
          + ScenarioCommand.criteria(learned),
          "the next promotion of " + policy + " is refused until it is eligible: " + blocked), learnedData);

      // 7. the audit trail
      step("audit trail", trail(api, id, learnedId), Json.object());

      if (opts.json) {
        ObjectNode t = Json.object().put("policy", policy).put("scenario", id).put("promotion", promotion)
            .put("learnedScenario", learnedId);
        t.set("steps", steps);
        out.println(t.toPrettyString());
      } else {
        out.println();
        out.println("the loop is closed: stress → eligibility → promotion → degradation → rollback → a stricter "
            + "scenario (rollgate scenario show " + learnedId + ")");
      }
      return 0;
    }

    private void step(String name, List<String> lines, ObjectNode data) {
      int n = steps.size();
      ObjectNode s = Json.object().put("step", n).put("name", name);
      s.set("lines", Json.mapper().valueToTree(lines));
      s.set("data", data);
      steps.add(s);
      if (!opts.json) {
        out.println((n == 0 ? "" : "\n") + n + ". " + name);
        lines.forEach(l -> out.println("   " + l));
        out.flush();
      }
    }

    private static boolean exists(ApiClient api, String path) {
      try {
        api.get(path);
        return true;
      } catch (CliException e) {
        if (e.httpStatus == 404) {
          return false;
        }
        throw e;
      }
    }

    /** "", or the first of -2, -3, … for which neither the policy nor the scenario exists yet. */
    private String freeSuffix(ApiClient api) {
      for (int k = 1; k <= 1_000; k++) {
        String suffix = k == 1 ? "" : "-" + k;
        if (!exists(api, "/api/v1/policies/" + cut(policy, suffix))
            && !exists(api, "/api/v1/scenarios/" + cut(scenario, suffix))) {
          return suffix;
        }
      }
      throw new CliException(2, "no free demo names after " + policy + "-1000; pass --policy and --scenario");
    }

    private static String cut(String name, String suffix) {
      return (name.length() + suffix.length() > ScenarioId.MAX_LENGTH
          ? name.substring(0, ScenarioId.MAX_LENGTH - suffix.length()) : name) + suffix;
    }

    /** The journal entries of this demo's policy and scenarios, oldest first, from the newest page(s). */
    private List<String> trail(ApiClient api, String id, String learnedId) {
      Set<String> subjects = Set.of(policy, "scenario:" + id, "scenario:" + learnedId, id, learnedId);
      long head = api.get("/api/v1/audit?limit=1").path("headSeq").asLong();
      long after = Math.max(0, head - 200);
      List<String> lines = new ArrayList<>();
      for (JsonNode e : api.get("/api/v1/audit?afterSeq=" + after + "&limit=200").path("entries")) {
        if (TRAIL.contains(e.path("type").asText()) && subjects.contains(e.path("subject").asText())) {
          lines.add("#" + e.path("seq").asLong() + " " + e.path("type").asText() + " " + e.path("subject").asText()
              + " by " + e.path("actor").asText());
        }
      }
      return lines;
    }
  }
}
