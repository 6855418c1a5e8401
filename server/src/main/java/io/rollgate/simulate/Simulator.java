package io.rollgate.simulate;

import io.rollgate.rollout.Verdict;
import io.rollgate.rollout.judge.Bucket;
import io.rollgate.rollout.judge.Judge;
import io.rollgate.rollout.judge.JudgeContext;
import io.rollgate.rollout.judge.Judges;
import io.rollgate.rollout.judge.Srm;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a {@link SimulationSpec} in virtual time (reference §8.1): per bucket, Poisson arrivals at the
 * cell's rate, each request to the candidate with the stage's share, binomial errors at p0(t) for the
 * baseline and m × p0(t) for the candidate; the stages follow each other on schedule and the rollout
 * promotes after the last. Every detector consumes the same trace (common random numbers); a detector
 * that fails at a check rolls back there, and the others go on. The SRM check runs beside them.
 *
 * <p>Run {@code i} of a cell draws from its own seeded {@link SplittableRandom}, so the result does not
 * depend on the number of threads or their scheduling.
 */
public final class Simulator {
  private Simulator() {}

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final int CHUNK = 250;
  public static final String SRM = "srm";

  /** Told after each chunk of runs; called from worker threads, one call at a time. */
  @FunctionalInterface
  public interface Progress {
    void update(long doneRuns, long totalRuns);
  }

  record Cell(double rate, double baselineError, double multiplier, int runs) {}

  /** A detector: a judge with the context it judges in. */
  record Detector(String name, Judge judge, JudgeContext ctx) {}

  public static Report run(SimulationSpec spec, int threads, Progress progress) {
    long started = System.nanoTime();
    List<Cell> cells = new ArrayList<>();
    for (double rate : spec.rates()) {
      for (double p0 : spec.baselineErrors()) {
        for (double m : spec.multipliers()) {
          cells.add(new Cell(rate, p0, m, m == 1 ? spec.healthyRuns() : spec.regressedRuns()));
        }
      }
    }
    long total = spec.totalRuns();
    AtomicLong done = new AtomicLong();
    List<List<Future<Tally[]>>> futures = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads))) {
      for (Cell cell : cells) {
        List<Future<Tally[]>> chunks = new ArrayList<>();
        for (int from = 0; from < cell.runs(); from += CHUNK) {
          int start = from;
          int end = Math.min(cell.runs(), from + CHUNK);
          chunks.add(pool.submit(() -> {
            Tally[] t = runChunk(spec, cell, start, end);
            long now = done.addAndGet(end - start);
            synchronized (progress) {
              progress.update(now, total);
            }
            return t;
          }));
        }
        futures.add(chunks);
      }
      List<CellResult> results = new ArrayList<>();
      for (int c = 0; c < cells.size(); c++) {
        Tally[] merged = null;
        for (Future<Tally[]> f : futures.get(c)) {
          Tally[] part = f.get();
          if (merged == null) {
            merged = part;
          } else {
            for (int d = 0; d < merged.length; d++) {
              merged[d].merge(part[d]);
            }
          }
        }
        results.add(CellResult.of(spec, cells.get(c), merged));
      }
      return new Report(spec, results, (System.nanoTime() - started) / 1e9, Math.max(1, threads));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("simulation interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    }
  }

  static List<Detector> detectors(SimulationSpec spec, double p0) {
    List<Detector> list = new ArrayList<>();
    JudgeContext ctx = new JudgeContext(spec.checkInterval(), spec.thresholds(), 1);
    for (String name : spec.detectors()) {
      if (name.equals(SimulationSpec.THRESHOLD_SCALED)) {
        // 004's thresholds were 5/4/3/2 × a 0.1% baseline; keep the multiples for this p0
        List<Double> scaled = spec.thresholds().stream().map(t -> Math.min(1, t * p0 / 0.001)).toList();
        list.add(new Detector(name, Judges.parse("threshold"), new JudgeContext(spec.checkInterval(), scaled, 1)));
      } else {
        list.add(new Detector(name, Judges.parse(name, spec.alpha(), spec.delta()), ctx));
      }
    }
    return list;
  }

  /** Whether the SRM row is measured in this cell: healthy cells (false alarms) and the SRM-bug scenario. */
  static boolean tracksSrm(SimulationSpec spec, Cell cell) {
    return cell.multiplier() == 1 || spec.srmBug();
  }

  /** Runs {@code [from, to)} of {@code cell}; one tally per detector, then the SRM check's. */
  static Tally[] runChunk(SimulationSpec spec, Cell cell, int from, int to) {
    List<Detector> detectors = detectors(spec, cell.baselineError());
    int stages = spec.stageBasisPoints().size();
    int n = detectors.size();
    Tally[] tallies = new Tally[n + 1];
    for (int d = 0; d <= n; d++) {
      tallies[d] = new Tally(stages);
    }
    long b = spec.bucketWidth().toSeconds();
    int perCheck = (int) (spec.checkInterval().toSeconds() / b);
    int perStage = (int) (spec.stageDuration().toSeconds() / b);
    int buckets = perStage * stages;
    double length = spec.rolloutLength().toSeconds();
    long onset = spec.regressionOnset().toSeconds();
    boolean regressed = cell.multiplier() > 1;
    boolean srm = tracksSrm(spec, cell);
    double arrivals = cell.rate() * b;
    double splitFactor = spec.srmBug() ? SimulationSpec.SRM_BUG_FACTOR : 1;
    Judge.Session[] sessions = new Judge.Session[n];
    int[] rollbackAt = new int[n];
    int[] rollbackStage = new int[n];
    long[] bad = new long[n];
    double[] excess = new double[n];
    for (int run = from; run < to; run++) {
      SplittableRandom rnd = new SplittableRandom(runSeed(spec.seed(), cell, run));
      for (int d = 0; d < n; d++) {
        sessions[d] = detectors.get(d).judge().session(detectors.get(d).ctx());
        rollbackAt[d] = -1;
        bad[d] = 0;
        excess[d] = 0;
      }
      int alive = n;
      Srm.Tally srmTally = Srm.Tally.EMPTY;
      int srmAt = -1;
      for (int k = 0; k < buckets; k++) {
        long t = k * b;
        int stage = k / perStage;
        int bp = spec.stageBasisPoints().get(stage);
        double p0 = cell.baselineError()
            * (1 + spec.driftAmplitude() * Math.sin(2 * Math.PI * t / length - Math.PI / 2));
        boolean bad0 = regressed && t >= onset;
        double p1 = bad0 ? cell.multiplier() * p0 : p0;
        long a = Samplers.poisson(rnd, arrivals);
        long nc = Samplers.binomial(rnd, a, bp / 10_000.0 * splitFactor);
        long nb = a - nc;
        Bucket bucket = new Bucket(T0.plusSeconds(t), stage, bp, nc, Samplers.binomial(rnd, nc, p1), nb,
            Samplers.binomial(rnd, nb, p0));
        for (int d = 0; d < n; d++) {
          if (rollbackAt[d] < 0) {
            sessions[d].add(bucket);
            if (bad0) {
              bad[d] += nc;
              excess[d] += nc * (p1 - p0);
            }
          }
        }
        if (srm && srmAt < 0) {
          srmTally = srmTally.plus(bucket);
        }
        if ((k + 1) % perCheck == 0) {
          int checkAt = (int) ((k + 1) * b);
          Instant now = T0.plusSeconds(checkAt);
          for (int d = 0; d < n; d++) {
            if (rollbackAt[d] < 0 && sessions[d].verdict(now) == Verdict.FAIL) {
              rollbackAt[d] = checkAt;
              rollbackStage[d] = stage;
              alive--;
            }
          }
          if (srm && srmAt < 0 && srmTally.isMismatch()) {
            srmAt = checkAt;
          }
          if (alive == 0 && (!srm || srmAt >= 0)) {
            break; // nothing left to measure in this run
          }
        }
      }
      for (int d = 0; d < n; d++) {
        record(tallies[d], rollbackAt[d], rollbackStage[d], regressed, onset, bad[d], excess[d]);
      }
      if (srm) {
        int stageOfAlarm = srmAt < 0 ? 0 : Math.min(stages - 1, (int) ((srmAt - 1) / (perStage * b)));
        record(tallies[n], srmAt, stageOfAlarm, spec.srmBug(), 0, 0, 0);
      }
    }
    return tallies;
  }

  private static void record(Tally t, int rollbackAt, int stage, boolean regressed, long onset, long bad,
      double excess) {
    t.runs++;
    if (rollbackAt >= 0) {
      t.rolledBack++;
      t.rollbacksByStage[stage]++;
      if (regressed && rollbackAt > onset) {
        t.caught((int) (rollbackAt - onset));
      }
    }
    t.badRequests += bad;
    t.excessErrors += excess;
  }

  /** A run's seed from the spec's seed, the cell and the run's index (SplitMix64 finaliser as the mixer). */
  static long runSeed(long seed, Cell cell, int run) {
    long h = mix(seed);
    h = mix(h ^ Double.doubleToLongBits(cell.rate()));
    h = mix(h ^ Double.doubleToLongBits(cell.baselineError()));
    h = mix(h ^ Double.doubleToLongBits(cell.multiplier()));
    return mix(h + run);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
