package io.rollgate.bench;

import io.rollgate.rollout.Reconciler;
import io.rollgate.rollout.RolloutSpec;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Step;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One reconciler tick over N active rollouts (issue 4, "Performance"): {@link Reconciler#decide}
 * for each, with a fresh measurement, as the driving loop will call it. The rollouts are spread
 * over the five default stages with 0–200 earlier measurements each (up to 50 h of history), and the new error rates
 * (0.05%–0.8%) make some stay, some advance or wait for approval and some step back, so every
 * branch is exercised. Time per tick should grow linearly with N: compare ms/tick ÷ N.
 *
 * <pre>java -jar bench/target/benchmarks.jar ReconcilerTickBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ReconcilerTickBenchmark {
  @Param({"1000", "10000", "50000"})
  int rollouts;

  private RolloutState[] states;
  private Optional<io.rollgate.rollout.Measurement>[] measurements;
  private Instant now;

  @Setup
  @SuppressWarnings("unchecked")
  public void setUp() {
    var random = new SplittableRandom(20261122L);
    // value measurements against 004's thresholds (as a prometheus rollout is judged), so that some fail
    var spec = new RolloutSpec(io.rollgate.rollout.Stages.DEFAULT, io.rollgate.rollout.AnalysisSettings.DEFAULT
        .withJudge(io.rollgate.rollout.AnalysisSettings.THRESHOLD), io.rollgate.rollout.OnFailure.STEP_BACK, "bench",
        false);
    Instant start = Instant.parse("2026-01-01T00:00:00Z");
    states = new RolloutState[rollouts];
    measurements = new Optional[rollouts];
    for (int i = 0; i < rollouts; i++) {
      Instant t = start;
      RolloutState s = RolloutState.start(spec, t);
      int history = random.nextInt(201);
      for (int k = 0; k < history; k++) { // 15-minute ticks, mostly healthy, so stages differ
        t = t.plus(Duration.ofMinutes(15));
        double rate = random.nextDouble() < 0.9 ? 0.001 : 0.006;
        Step step = Reconciler.decide(s, t, Optional.of(io.rollgate.rollout.Measurement.Value.ofCounts(t,
            Math.round(rate * 10_000), 10_000)));
        s = step.state();
        if (s.phase().isTerminal()) {
          s = RolloutState.start(spec, t);
        }
      }
      states[i] = s;
    }
    now = start.plus(Duration.ofHours(51)); // after every history: stages of 24 h and 48 h have ended or not
    for (int i = 0; i < rollouts; i++) {
      long errors = 5 + random.nextInt(76); // 0.05% to 0.8% of 10,000 requests
      measurements[i] = Optional.of(io.rollgate.rollout.Measurement.Value.ofCounts(now, errors, 10_000));
    }
  }

  @Benchmark
  public void tick(Blackhole bh) {
    for (int i = 0; i < states.length; i++) {
      bh.consume(Reconciler.decide(states[i], now, measurements[i]));
    }
  }
}
