package io.rollgate.bench;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import com.launchdarkly.sdk.LDContext;
import com.launchdarkly.sdk.server.LDClient;
import io.getunleash.Unleash;
import io.getunleash.UnleashContext;
import io.rollgate.client.Evaluation;
import io.rollgate.client.RollgateClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 7, "Performance": one evaluation of a flag under a 25% rollout, in the Rollgate SDK, the
 * Unleash Java SDK and the LaunchDarkly Java server SDK, each offline from its bootstrap file
 * ({@link SdkFixtures}), against a bare MurmurHash3 of the key as the floor. Every call takes the
 * next of the same 2^20 keys ("user-N", N shuffled with a fixed seed; see {@link SdkFixtures#keys}).
 *
 * <p>The peers are called as an application calls them: the per-call context object
 * ({@code UnleashContext}, {@code LDContext}) is built in the call, because their APIs take one
 * and Rollgate's takes the key. The {@code …PrebuiltContext} variants take the context from an
 * array built at setup instead, to show what the evaluation alone costs.
 *
 * <p>Each SDK's state checks at setup, over all 2^20 keys and outside the timing, that it puts
 * 25% ± 0.5 points of them on the "on" side; a fork whose SDK fails the check fails.
 *
 * <pre>java -jar bench/target/benchmarks.jar SdkEvaluationBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 3, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "--enable-native-access=ALL-UNNAMED"})
public class SdkEvaluationBenchmark {
  private static final int MASK = SdkFixtures.KEY_COUNT - 1;
  /** Tolerance of the setup check: ±0.5 percentage points (the binomial σ over 2^20 keys is 0.04). */
  private static final double TOLERANCE = 0.005;

  /** The keys, built once per fork. */
  @State(Scope.Benchmark)
  public static class Keys {
    String[] keys;

    @Setup(Level.Trial)
    public void setUp() {
      keys = SdkFixtures.keys(SdkFixtures.KEY_COUNT);
    }
  }

  /** Where the next call reads its key. */
  @State(Scope.Thread)
  public static class Cursor {
    int i;

    String next(String[] keys) {
      return keys[i++ & MASK];
    }

    int nextIndex() {
      return i++ & MASK;
    }
  }

  @State(Scope.Benchmark)
  public static class Rollgate {
    RollgateClient client;
    Path dir;

    @Setup(Level.Trial)
    public void setUp(Keys k) throws IOException {
      dir = Files.createTempDirectory("rollgate-sdk-bench-");
      client = SdkFixtures.rollgate(dir);
      long candidates = 0;
      for (String key : k.keys) {
        boolean c = client.evaluate(SdkFixtures.ROLLGATE_POLICY, key).variant() == io.rollgate.client.Variant.CANDIDATE;
        if (c != client.getBoolean(SdkFixtures.ROLLGATE_PATH, key, false)) {
          throw new IllegalStateException("Rollgate: evaluate and getBoolean disagree for '" + key + "'");
        }
        candidates += c ? 1 : 0;
      }
      SdkFixtures.checkShare("Rollgate evaluate and getBoolean", share(candidates), TOLERANCE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      client.close();
      deleteTree(dir);
    }
  }

  @State(Scope.Benchmark)
  public static class UnleashSdk {
    Unleash unleash;
    Path dir;

    @Setup(Level.Trial)
    public void setUp(Keys k) throws IOException {
      dir = Files.createTempDirectory("unleash-sdk-bench-");
      unleash = SdkFixtures.unleash(dir);
      long on = 0;
      for (String key : k.keys) {
        on += unleash.isEnabled(SdkFixtures.UNLEASH_TOGGLE, SdkFixtures.unleashContext(key)) ? 1 : 0;
      }
      SdkFixtures.checkShare("Unleash isEnabled", share(on), TOLERANCE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      unleash.shutdown();
      deleteTree(dir);
    }
  }

  /** An UnleashContext per key, for {@link #unleashIsEnabledPrebuiltContext}. */
  @State(Scope.Benchmark)
  public static class UnleashContexts {
    UnleashContext[] contexts;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      contexts = new UnleashContext[k.keys.length];
      for (int i = 0; i < contexts.length; i++) {
        contexts[i] = SdkFixtures.unleashContext(k.keys[i]);
      }
    }
  }

  @State(Scope.Benchmark)
  public static class LaunchDarkly {
    LDClient client;
    Path dir;

    @Setup(Level.Trial)
    public void setUp(Keys k) throws IOException {
      dir = Files.createTempDirectory("launchdarkly-sdk-bench-");
      client = SdkFixtures.launchDarkly(dir);
      long on = 0;
      for (String key : k.keys) {
        on += client.boolVariation(SdkFixtures.LD_FLAG, LDContext.create(key), false) ? 1 : 0;
      }
      SdkFixtures.checkShare("LaunchDarkly boolVariation", share(on), TOLERANCE);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      client.close();
      deleteTree(dir);
    }
  }

  /** An LDContext per key, for {@link #launchDarklyBoolVariationPrebuiltContext}. */
  @State(Scope.Benchmark)
  public static class LaunchDarklyContexts {
    LDContext[] contexts;

    @Setup(Level.Trial)
    public void setUp(Keys k) {
      contexts = new LDContext[k.keys.length];
      for (int i = 0; i < contexts.length; i++) {
        contexts[i] = LDContext.create(k.keys[i]);
      }
    }
  }

  // ---- the floor -------------------------------------------------------------------------------

  @Benchmark
  public int murmur3Floor(Keys k, Cursor c) {
    return Murmur3Floor.hash32(c.next(k.keys));
  }

  private static final HashFunction GUAVA_MURMUR3 = Hashing.murmur3_32_fixed();

  @Benchmark
  public int murmur3Guava(Keys k, Cursor c) {
    return GUAVA_MURMUR3.hashString(c.next(k.keys), StandardCharsets.UTF_8).asInt();
  }

  // ---- Rollgate --------------------------------------------------------------------------------

  @Benchmark
  public Evaluation rollgateEvaluate(Keys k, Cursor c, Rollgate r) {
    return r.client.evaluate(SdkFixtures.ROLLGATE_POLICY, c.next(k.keys));
  }

  @Benchmark
  public boolean rollgateGetBooleanNestedPath(Keys k, Cursor c, Rollgate r) {
    return r.client.getBoolean(SdkFixtures.ROLLGATE_PATH, c.next(k.keys), false);
  }

  // ---- Unleash ---------------------------------------------------------------------------------

  @Benchmark
  public boolean unleashIsEnabled(Keys k, Cursor c, UnleashSdk u) {
    return u.unleash.isEnabled(SdkFixtures.UNLEASH_TOGGLE, SdkFixtures.unleashContext(c.next(k.keys)));
  }

  @Benchmark
  public boolean unleashIsEnabledPrebuiltContext(Cursor c, UnleashSdk u, UnleashContexts contexts) {
    return u.unleash.isEnabled(SdkFixtures.UNLEASH_TOGGLE, contexts.contexts[c.nextIndex()]);
  }

  // ---- LaunchDarkly ----------------------------------------------------------------------------

  @Benchmark
  public boolean launchDarklyBoolVariation(Keys k, Cursor c, LaunchDarkly l) {
    return l.client.boolVariation(SdkFixtures.LD_FLAG, LDContext.create(c.next(k.keys)), false);
  }

  @Benchmark
  public boolean launchDarklyBoolVariationPrebuiltContext(Cursor c, LaunchDarkly l, LaunchDarklyContexts contexts) {
    return l.client.boolVariation(SdkFixtures.LD_FLAG, contexts.contexts[c.nextIndex()], false);
  }

  private static double share(long on) {
    return on / (double) SdkFixtures.KEY_COUNT;
  }

  static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
