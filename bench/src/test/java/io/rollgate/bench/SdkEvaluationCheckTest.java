package io.rollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link SdkEvaluationBenchmark} compares, checked outside the timing and on fewer keys so
 * that it is quick: each SDK, built offline from its bootstrap file, puts about 25% of the keys on
 * the "on" side (they hash differently, so only the share is comparable), and the floor is a real
 * MurmurHash3.
 */
class SdkEvaluationCheckTest {
  @TempDir
  Path dir;

  @Test
  void every_sdk_puts_a_quarter_of_the_keys_on_the_on_side() throws Exception {
    String[] keys = SdkFixtures.keys(20_000);
    var rollgate = SdkFixtures.rollgate(dir);
    var unleash = SdkFixtures.unleash(dir);
    var launchDarkly = SdkFixtures.launchDarkly(dir);
    try {
      SdkFixtures.Shares shares = SdkFixtures.shares(keys, rollgate, unleash, launchDarkly);

      // σ of the share over 20,000 keys is 0.31 points; ±1.5 points is 5σ, and 0%, 75% or 100% (a
      // bootstrap file that did not load, a rollout read the wrong way round) is far outside
      shares.check(0.015);
      assertThat(shares.rollgateEvaluate()).isEqualTo(shares.rollgateGetter());
    } finally {
      rollgate.close();
      unleash.shutdown();
      launchDarkly.close();
    }
  }

  @Test
  void the_keys_are_the_same_shuffled_set_every_time() {
    String[] a = SdkFixtures.keys(1000);
    String[] b = SdkFixtures.keys(1000);

    assertThat(a).containsExactly(b);
    assertThat(a).containsExactlyInAnyOrder(java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "user-" + i)
        .toArray(String[]::new));
    assertThat(a).isNotEqualTo(java.util.stream.IntStream.range(0, 1000).mapToObj(i -> "user-" + i).toArray());
  }

  @Test
  void the_floor_is_murmur3_x86_32_as_guava_computes_it() {
    for (String key : new String[] {"", "a", "ab", "abc", "abcd", "user-42", "user-1048575", "ünï-€-😀", "x\uD800y"}) {
      assertThat(Murmur3Floor.hash32(key)).as(key)
          .isEqualTo(Hashing.murmur3_32_fixed().hashString(key, StandardCharsets.UTF_8).asInt());
    }
  }
}
