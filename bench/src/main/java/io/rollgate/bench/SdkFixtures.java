package io.rollgate.bench;

import com.launchdarkly.sdk.LDContext;
import com.launchdarkly.sdk.server.Components;
import com.launchdarkly.sdk.server.LDClient;
import com.launchdarkly.sdk.server.LDConfig;
import com.launchdarkly.sdk.server.integrations.FileData;
import io.getunleash.DefaultUnleash;
import io.getunleash.Unleash;
import io.getunleash.UnleashContext;
import io.getunleash.repository.ToggleBootstrapFileProvider;
import io.getunleash.util.UnleashConfig;
import io.rollgate.client.RollgateClient;
import io.rollgate.client.Variant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The three SDKs of {@link SdkEvaluationBenchmark}, each built offline from its own bootstrap file
 * with the same 25% rollout, and the subject keys they are all asked about. Shared with the test
 * that checks the split outside the timing.
 */
final class SdkFixtures {
  /** 2^20 keys ("1M"): a power of two, so the benchmark's cursor wraps with a mask. */
  static final int KEY_COUNT = 1 << 20;
  static final long KEY_SEED = 20261122L;
  static final int PERCENT = 25;
  static final String ROLLGATE_POLICY = "bench-policy";
  /** The typed getter's nested path: a boolean two levels down. */
  static final String ROLLGATE_PATH = ROLLGATE_POLICY + ".feature.enabled";
  static final String UNLEASH_TOGGLE = "bench-toggle";
  static final String LD_FLAG = "bench-flag";

  private SdkFixtures() {}

  /**
   * "user-0" … "user-(n-1)" in an order shuffled with a fixed seed (Fisher–Yates over the numbers),
   * the strings created in that order: walking the array walks their memory in order, as a key just
   * parsed from a request would be in cache, so the benchmark measures evaluation rather than the
   * latency of a random DRAM read (which would add the same ~100 ns to every method).
   */
  static String[] keys(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    var random = new SplittableRandom(KEY_SEED);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = "user-" + order[i];
    }
    return keys;
  }

  /**
   * A Rollgate snapshot (the body of {@code GET /api/v1/sdk/snapshot}) with one policy under a
   * rollout at 25% (2,500 basis points): baseline {@code feature.enabled = false}, candidate true.
   */
  static RollgateClient rollgate(Path dir) throws IOException {
    Path file = dir.resolve("rollgate-bootstrap.json");
    Files.writeString(file, """
        {"seq": 1, "policies": {
          "%s": {"version": 1, "stateHash": "%s", "document": {"feature": {"enabled": false, "limit": 10}},
            "rollout": {"id": "bench-rollout", "salt": "bench-rollout", "basisPoints": %d, "phase": "PROGRESSING",
              "baselineVersion": 1, "candidate": {"feature": {"enabled": true, "limit": 20}},
              "candidateHash": "%s"}}}}
        """.formatted(ROLLGATE_POLICY, "a".repeat(64), PERCENT * 100, "b".repeat(64)));
    RollgateClient client = RollgateClient.builder().bootstrapFile(file).build();
    if (!client.isReady()) {
      throw new IllegalStateException("the Rollgate client did not load " + file + ": " + client.lastError());
    }
    return client;
  }

  /**
   * Unleash offline: features in the {@code /api/client/features} format through its
   * {@link ToggleBootstrapFileProvider}, polling and metrics off, the backup file pointed at a file
   * that does not exist (a backup would take priority over the bootstrap). The URL is required by
   * the builder and never contacted. A flexible rollout at 25%, default stickiness (the user id).
   */
  static Unleash unleash(Path dir) throws IOException {
    Path file = dir.resolve("unleash-bootstrap.json");
    Files.writeString(file, """
        {"version": 2, "features": [
          {"name": "%s", "enabled": true, "type": "release", "project": "default", "stale": false,
           "strategies": [{"name": "flexibleRollout", "constraints": [],
             "parameters": {"rollout": "%d", "stickiness": "default", "groupId": "%s"}}],
           "variants": []}]}
        """.formatted(UNLEASH_TOGGLE, PERCENT, UNLEASH_TOGGLE));
    UnleashConfig config = UnleashConfig.builder()
        .appName("rollgate-bench")
        .instanceId("bench")
        .unleashAPI("http://127.0.0.1:9/api/")
        .disablePolling()
        .disableMetrics()
        .backupFile(dir.resolve("unleash-backup-absent.json").toString())
        .toggleBootstrapProvider(new ToggleBootstrapFileProvider(file.toString()))
        .build();
    Unleash unleash = new DefaultUnleash(config);
    if (!unleash.more().getFeatureToggleNames().contains(UNLEASH_TOGGLE)) {
      unleash.shutdown();
      throw new IllegalStateException("Unleash did not load " + UNLEASH_TOGGLE + " from " + file);
    }
    return unleash;
  }

  static UnleashContext unleashContext(String key) {
    return UnleashContext.builder().userId(key).build();
  }

  /**
   * LaunchDarkly offline: a file data source (no auto-update), events off, no logging. The flag's
   * fallthrough is a percentage rollout of 25,000 / 75,000 (LaunchDarkly weights are in 1/1000 %)
   * between {@code true} and {@code false}, bucketed by the context key.
   */
  static LDClient launchDarkly(Path dir) throws IOException {
    Path file = dir.resolve("launchdarkly-flags.json");
    Files.writeString(file, """
        {"flags": {"%s": {"key": "%s", "version": 1, "on": true, "salt": "bench-salt",
          "variations": [true, false], "offVariation": 1,
          "targets": [], "rules": [], "prerequisites": [],
          "fallthrough": {"rollout": {"variations": [{"variation": 0, "weight": %d}, {"variation": 1, "weight": %d}]}},
          "trackEvents": false, "trackEventsFallthrough": false}}}
        """.formatted(LD_FLAG, LD_FLAG, PERCENT * 1000, (100 - PERCENT) * 1000));
    LDConfig config = new LDConfig.Builder()
        .dataSource(FileData.dataSource().filePaths(file).autoUpdate(false))
        .events(Components.noEvents())
        .diagnosticOptOut(true)
        .logging(Components.noLogging())
        .startWait(Duration.ofSeconds(10))
        .build();
    LDClient client = new LDClient("sdk-key-not-used-offline", config);
    if (!client.isInitialized() || !client.isFlagKnown(LD_FLAG)) {
      client.close();
      throw new IllegalStateException("LaunchDarkly did not load " + LD_FLAG + " from " + file);
    }
    return client;
  }

  /** The share of the keys each SDK puts on the "on" side; they hash differently, so only the share is comparable. */
  record Shares(double rollgateEvaluate, double rollgateGetter, double unleash, double launchDarkly) {
    /** Throws, naming the SDK and its share, when one is more than {@code tolerance} (a fraction) away from 25%. */
    Shares check(double tolerance) {
      checkShare("Rollgate evaluate", rollgateEvaluate, tolerance);
      checkShare("Rollgate getBoolean", rollgateGetter, tolerance);
      checkShare("Unleash isEnabled", unleash, tolerance);
      checkShare("LaunchDarkly boolVariation", launchDarkly, tolerance);
      return this;
    }
  }

  /** Throws, naming the SDK and its share, when {@code share} is more than {@code tolerance} away from 25%. */
  static void checkShare(String what, double share, double tolerance) {
    if (Math.abs(share - PERCENT / 100.0) > tolerance) {
      throw new IllegalStateException("%s puts %.3f%% of the keys on the 'on' side, expected %d%% ± %.2f points"
          .formatted(what, share * 100, PERCENT, tolerance * 100));
    }
  }

  static Shares shares(String[] keys, RollgateClient rollgate, Unleash unleash, LDClient launchDarkly) {
    long evaluate = 0;
    long getter = 0;
    long unleashOn = 0;
    long ldOn = 0;
    for (String key : keys) {
      boolean candidate = rollgate.evaluate(ROLLGATE_POLICY, key).variant() == Variant.CANDIDATE;
      boolean enabled = rollgate.getBoolean(ROLLGATE_PATH, key, false);
      if (candidate != enabled) {
        throw new IllegalStateException("Rollgate: evaluate and getBoolean disagree for '" + key + "'");
      }
      evaluate += candidate ? 1 : 0;
      getter += enabled ? 1 : 0;
      unleashOn += unleash.isEnabled(UNLEASH_TOGGLE, unleashContext(key)) ? 1 : 0;
      ldOn += launchDarkly.boolVariation(LD_FLAG, LDContext.create(key), false) ? 1 : 0;
    }
    double n = keys.length;
    return new Shares(evaluate / n, getter / n, unleashOn / n, ldOn / n);
  }
}
