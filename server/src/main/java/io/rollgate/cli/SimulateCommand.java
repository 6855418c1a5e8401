package io.rollgate.cli;

import io.rollgate.error.InvalidInputException;
import io.rollgate.simulate.Report;
import io.rollgate.simulate.SimulationSpec;
import io.rollgate.simulate.Simulator;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code rollgate simulate}: how often each judge wrongly rolls back a healthy rollout and how fast it
 * catches a bad one, on the same simulated traffic, in virtual time and without a server.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Simulate rollouts in virtual time and measure every judge on the same traffic: false rollbacks of "
            + "healthy candidates (with a 95%% Wilson interval) and how fast a regression is caught.",
        "Per 10 s bucket: Poisson arrivals at --rate, each request to the candidate with the stage's share, "
            + "errors at --baseline-error for the baseline and --multiplier times that for the candidate; "
            + "stages 10/25/50/75%% for 10 minutes each, a check every 60 s, promotion after the last stage.",
        "Exit 0 when the simulation ran, 2 on bad input."},
    footerHeading = "%nExamples:%n",
    footer = {"  rollgate simulate --rate 100 --baseline-error 1%% --multiplier 2",
        "  rollgate simulate --grid default",
        "  rollgate simulate --grid default --drift --json > grid.json"})
final class SimulateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--grid", paramLabel = "default",
      description = "Run the reference grid: rates 20/100/1000 req/s × baseline 0.1%%/1%% × multiplier 1/1.5/2/5, "
          + "10,000 healthy and 2,000 regressed runs per cell")
  String grid;

  @Option(names = "--rate", paramLabel = "REQ_PER_S", description = "Requests per second, both cohorts (default 100)")
  Double rate;

  @Option(names = "--baseline-error", paramLabel = "P0", converter = Probability.class,
      description = "The baseline's error rate, 0.01 or 1%% (default 1%%)")
  Double baselineError;

  @Option(names = "--multiplier", paramLabel = "M",
      description = "The candidate's error rate is M × the baseline's; 1 = healthy (default 2)")
  Double multiplier;

  @Option(names = "--runs", paramLabel = "N",
      description = "Runs per cell (default 2,000; with --grid 10,000 healthy and 2,000 regressed)")
  Integer runs;

  @Option(names = "--healthy-runs", paramLabel = "N", description = "Runs per healthy cell (multiplier 1)")
  Integer healthyRuns;

  @Option(names = "--regressed-runs", paramLabel = "N", description = "Runs per regressed cell (multiplier > 1)")
  Integer regressedRuns;

  @Option(names = "--drift", description = "The baseline error rate drifts ±50%% over the rollout, for both cohorts")
  boolean drift;

  @Option(names = "--late-regression", paramLabel = "MINUTE",
      description = "The candidate turns bad at this minute (healthy before); times to detect count from it")
  Double lateRegression;

  @Option(names = "--srm-bug",
      description = "A broken split: the candidate gets 0.9 × its stage's share; the srm row shows when it is caught")
  boolean srmBug;

  @Option(names = "--stages", split = ",", paramLabel = "PERCENT",
      description = "The candidate's share per stage, increasing, below 100 (default 10,25,50,75)")
  List<BigDecimal> stages = List.of(new BigDecimal(10), new BigDecimal(25), new BigDecimal(50), new BigDecimal(75));

  @Option(names = "--stage-minutes", paramLabel = "MINUTES", description = "Length of each stage (default 10)")
  double stageMinutes = 10;

  @Option(names = "--check-seconds", paramLabel = "SECONDS", description = "Time between checks (default 60)")
  long checkSeconds = 60;

  @Option(names = "--bucket-seconds", paramLabel = "SECONDS", description = "Width of a bucket (default 10)")
  long bucketSeconds = 10;

  @Option(names = "--judges", split = ",", paramLabel = "JUDGE",
      description = "Judges to compare (default all): sequential, growthbook, kayenta, threshold, threshold-scaled "
          + "(004's thresholds as 5/4/3/2 × the baseline), peeking")
  List<String> judges = SimulationSpec.ALL_DETECTORS;

  @Option(names = "--alpha", description = "α of sequential, growthbook and peeking (default 0.05)")
  double alpha = 0.05;

  @Option(names = "--delta", description = "Tolerated relative increase δ (default 0; 0.1 = +10%%)")
  double delta = 0;

  @Option(names = "--thresholds", split = ",", paramLabel = "RATE", converter = Probability.class,
      description = "The threshold judge's maxErrorRate per stage (default 004's 0.5%%,0.4%%,0.3%%,0.2%%)")
  List<Double> thresholds;

  @Option(names = "--seed", description = "Seed of the simulated traffic (default 1)")
  long seed = 1;

  @Option(names = "--threads", description = "Worker threads (default: the number of cores)")
  Integer threads;

  @Option(names = "--json", description = "Print JSON: per cell and judge, rollbackRate with its 95%% Wilson "
      + "interval, caughtBeforePromotion, median and p90 minutes to detect, badRequestsServed")
  boolean json;

  @Override
  public Integer call() {
    SimulationSpec s = spec();
    int workers = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (workers < 1 || workers > 256) {
      throw usage("--threads must be between 1 and 256, got " + workers);
    }
    PrintWriter err = spec.commandLine().getErr();
    long started = System.nanoTime();
    Report report = Simulator.run(s, workers, new Progress(err, started));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(report.toJson().toPrettyString());
    } else {
      out.print(report.table());
    }
    out.flush();
    return 0;
  }

  private SimulationSpec spec() {
    boolean gridMode = grid != null;
    if (gridMode && !grid.equals("default")) {
      throw usage("--grid: the only grid is 'default', got '" + grid + "'");
    }
    if (gridMode && (rate != null || baselineError != null || multiplier != null)) {
      throw usage("--grid default sets the rates, baseline errors and multipliers; drop --rate, "
          + "--baseline-error and --multiplier, or drop --grid to simulate one cell");
    }
    try {
      SimulationSpec base = SimulationSpec.defaultGrid();
      int defaultHealthy = gridMode ? base.healthyRuns() : 2_000;
      int defaultRegressed = gridMode ? base.regressedRuns() : 2_000;
      List<Integer> bp = new ArrayList<>();
      for (BigDecimal p : stages) {
        BigDecimal stripped = p.stripTrailingZeros();
        if (stripped.scale() > 2) {
          throw usage("--stages allows at most two decimals per percentage, got " + p.toPlainString());
        }
        if (p.signum() <= 0 || p.compareTo(BigDecimal.valueOf(100)) >= 0) {
          throw usage("--stages percentages must be > 0 and < 100 (100% is the promotion, with no baseline "
              + "left to compare), got " + p.toPlainString());
        }
        bp.add(stripped.movePointRight(2).intValueExact());
      }
      if (!(stageMinutes > 0 && stageMinutes <= 7 * 24 * 60)) {
        throw usage("--stage-minutes must be > 0 and at most a week, got " + stageMinutes);
      }
      if (runs != null && (runs < 1 || runs > SimulationSpec.MAX_RUNS)) {
        throw usage("--runs must be between 1 and " + SimulationSpec.MAX_RUNS + ", got " + runs);
      }
      if (lateRegression != null && !(lateRegression >= 0 && lateRegression < 1e7)) {
        throw usage("--late-regression must be a minute ≥ 0, got " + lateRegression);
      }
      return new SimulationSpec(
          gridMode ? base.rates() : List.of(rate == null ? 100.0 : rate),
          gridMode ? base.baselineErrors() : List.of(baselineError == null ? 0.01 : baselineError),
          gridMode ? base.multipliers() : List.of(multiplier == null ? 2.0 : multiplier),
          healthyRuns != null ? healthyRuns : runs != null ? runs : defaultHealthy,
          regressedRuns != null ? regressedRuns : runs != null ? runs : defaultRegressed,
          bp, Duration.ofMillis(Math.round(stageMinutes * 60_000)), Duration.ofSeconds(checkSeconds),
          Duration.ofSeconds(bucketSeconds), drift ? SimulationSpec.DRIFT : 0,
          Duration.ofMillis(Math.round((lateRegression == null ? 0 : lateRegression) * 60_000)), srmBug,
          judges.stream().map(j -> j.strip().toLowerCase(Locale.ROOT)).toList(), alpha, delta, thresholds, seed);
    } catch (InvalidInputException e) {
      throw usage(e.getMessage());
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /** A probability as 0.01 or 1%. */
  static final class Probability implements CommandLine.ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      String v = value.strip();
      try {
        return v.endsWith("%") ? Double.parseDouble(v.substring(0, v.length() - 1).strip()) / 100
            : Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not a rate (write 0.01 or 1%)");
      }
    }
  }

  /** Progress on stderr, one line per tenth of the runs. */
  private static final class Progress implements Simulator.Progress {
    private final PrintWriter err;
    private final long started;
    private int lastTenth;

    Progress(PrintWriter err, long started) {
      this.err = err;
      this.started = started;
    }

    @Override
    public void update(long done, long total) {
      int tenth = (int) (done * 10 / total);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        err.printf(Locale.ROOT, "simulate: %3d%% (%,d of %,d runs, %.0f s)%n", tenth * 10, done, total,
            (System.nanoTime() - started) / 1e9);
        err.flush();
      }
    }
  }
}
