package io.rollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** {@code rollgate simulate}: output, --json shape, progress, and exit codes; no server needed. */
class SimulateCommandTest {
  record Result(int exit, String out, String err) {
    JsonNode json() {
      return Json.parse(out, "stdout");
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  static Result simulate(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "simulate";
    System.arraycopy(args, 0, all, 1, args.length);
    var out = new StringWriter();
    var err = new StringWriter();
    int exit = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true), Map.<String, String>of()::get);
    return new Result(exit, out.toString(), err.toString());
  }

  @Test
  void aSmallDefaultGridPrintsEveryCellAsJson() {
    Result r = simulate("--grid", "default", "--healthy-runs", "40", "--regressed-runs", "20", "--json");
    assertThat(r.exit()).as(r.toString()).isZero();
    JsonNode j = r.json();
    assertThat(j.path("runs").asInt()).isEqualTo(6 * 40 + 18 * 20);
    assertThat(j.path("settings").path("stages").toString()).isEqualTo("[10,25,50,75]");
    JsonNode cells = j.path("cells");
    assertThat(cells).hasSize(24); // 3 rates × 2 baselines × 4 multipliers
    Set<String> grid = new TreeSet<>();
    for (JsonNode c : cells) {
      grid.add(c.path("rate").asDouble() + "/" + c.path("baselineError").asDouble() + "/" + c.path("multiplier").asDouble());
      boolean healthy = c.path("multiplier").asDouble() == 1;
      assertThat(c.path("runs").asInt()).isEqualTo(healthy ? 40 : 20);
      assertThat(c.path("detectors")).extracting(d -> d.path("name").asText()).containsSubsequence(
          "sequential", "growthbook", "kayenta", "threshold", "threshold-scaled", "peeking");
      for (JsonNode d : c.path("detectors")) {
        double rate = d.path("rollbackRate").asDouble();
        assertThat(d.path("rollbackRate95").path("low").asDouble()).isLessThanOrEqualTo(rate);
        assertThat(d.path("rollbackRate95").path("high").asDouble()).isGreaterThanOrEqualTo(rate);
        for (String f : new String[] {"caughtBeforePromotion", "medianMinutesToDetect", "p90MinutesToDetect",
            "badRequestsServed"}) {
          assertThat(d.has(f)).as(f).isTrue();
        }
        if (healthy) {
          assertThat(d.path("caughtBeforePromotion").isNull()).isTrue();
        } else {
          assertThat(d.path("caughtBeforePromotion").isNumber()).isTrue();
          assertThat(d.path("badRequestsServed").isNumber()).isTrue();
        }
      }
    }
    assertThat(grid).contains("20.0/0.001/1.0", "1000.0/0.01/5.0", "100.0/0.01/2.0");
    // a 5× regression at 1000 req/s and a 1% baseline is caught in the first minute by the default judge
    JsonNode fast = cells.findParents("multiplier").stream()
        .filter(c -> c.path("rate").asDouble() == 1000 && c.path("baselineError").asDouble() == 0.01
            && c.path("multiplier").asDouble() == 5)
        .findFirst().orElseThrow().path("detectors").get(0);
    assertThat(fast.path("caughtBeforePromotion").asDouble()).isEqualTo(1.0);
    assertThat(fast.path("medianMinutesToDetect").asDouble()).isEqualTo(1.0);
    // progress on stderr, never on stdout
    assertThat(r.err()).contains("simulate: 100% (600 of 600 runs");
  }

  @Test
  void oneCellPrintsATable() {
    Result r = simulate("--rate", "100", "--baseline-error", "1%", "--multiplier", "1", "--runs", "60",
        "--judges", "sequential,threshold", "--threads", "1");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("R = 100 req/s, p0 = 1% (stationary)\n");
    assertThat(r.out()).contains("healthy: false rollbacks", "sequential", "threshold", "srm",
        "60 runs in", "on 1 thread (60 healthy per cell); seed 1");
    // 004's 0.5% threshold against a 1% baseline rolls back every healthy rollout
    assertThat(r.out()).containsPattern("threshold +\\| 100\\.00% \\[9\\d\\.\\d\\d%, 100\\.00%\\]");
  }

  @Test
  void theSameSeedGivesTheSameNumbers() {
    String[] args = {"--rate", "20", "--baseline-error", "0.01", "--multiplier", "2", "--runs", "50", "--json",
        "--late-regression", "15", "--drift", "--seed", "9"};
    JsonNode a = simulate(args).json().path("cells");
    JsonNode b = simulate(args).json().path("cells");
    assertThat(a).isEqualTo(b);
    assertThat(simulate(args).json().path("settings").path("lateRegressionSeconds").asInt()).isEqualTo(900);
  }

  @Test
  void helpListsTheOptions() {
    Result r = simulate("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("--grid", "--rate", "--baseline-error", "--multiplier", "--drift",
        "--late-regression", "--srm-bug", "--stages", "--json", "--seed", "rollgate simulate --grid default");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
      "--rate -5                          | --rate must be > 0",
      "--rate fast                        | Invalid value for option '--rate'",
      "--baseline-error 2                 | --baseline-error must be a probability > 0 and < 1",
      "--baseline-error lots%             | 'lots%' is not a rate",
      "--multiplier 0.5                   | --multiplier must be between 1 (healthy) and 1000, got 0.5",
      "--judges sequential,bayes          | --judges: unknown judge 'bayes'",
      "--stages 10,5                      | --stages percentages must strictly increase, got 5.0 after 10.0",
      "--stages 10,100                    | --stages percentages must be > 0 and < 100",
      "--grid small                       | --grid: the only grid is 'default', got 'small'",
      "--grid default --rate 5            | --grid default sets the rates",
      "--late-regression 40               | --late-regression must be a minute within the rollout (0 to 39)",
      "--check-seconds 15                 | --check-seconds must be a positive multiple of --bucket-seconds (10)",
      "--stage-minutes 0.5                | --stage-minutes must be a whole number of checks (--check-seconds 60)",
      "--thresholds 0.5%                  | --thresholds needs one rate per stage (4), got 1",
      "--runs 0                           | --runs must be between 1 and 1000000, got 0",
      "--healthy-runs 0 --grid default    | --healthy-runs must be between 1 and 1000000, got 0",
      "--alpha 0.7                        | --alpha must be > 0 and < 0.5, got 0.7",
      "--threads 0                        | --threads must be between 1 and 256, got 0",
      "--frobnicate                       | Unknown option: '--frobnicate'"})
  void badInputExitsTwoNamingTheOption(String args, String message) {
    Result r = simulate(args.strip().split("\\s+"));
    assertThat(r.exit()).as(r.toString()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().toList()).as(r.toString()).hasSize(1);
    assertThat(r.err()).startsWith("rollgate: ").contains(message).contains("(see 'rollgate simulate --help')");
  }
}
