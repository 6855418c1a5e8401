package io.rollgate.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DESIGN.md §1 and invariant 4: monotone cohorts, exact step-back, uniform buckets, no key → baseline. */
class BucketingProperties {
  private static final int KEYS = 2_000;

  private static Set<String> cohort(String salt, int basisPoints) {
    var in = new HashSet<String>();
    for (int i = 0; i < KEYS; i++) {
      if (Bucketing.inCandidate(salt, "user-" + i, basisPoints)) {
        in.add("user-" + i);
      }
    }
    return in;
  }

  @Property(tries = 200)
  void raising_the_percentage_only_adds_subjects(@ForAll @AlphaChars @StringLength(min = 1, max = 20) String salt,
      @ForAll @IntRange(min = 0, max = 10_000) int a, @ForAll @IntRange(min = 0, max = 10_000) int b) {
    int low = Math.min(a, b);
    int high = Math.max(a, b);

    assertThat(cohort(salt, high)).containsAll(cohort(salt, low));
  }

  @Property(tries = 100)
  void stepping_back_removes_exactly_the_newest_cohort(@ForAll @AlphaChars @StringLength(min = 1, max = 20) String salt,
      @ForAll @IntRange(min = 0, max = 9_999) int from, @ForAll @IntRange(min = 1, max = 10_000) int width) {
    int to = Math.min(10_000, from + width);
    Set<String> before = cohort(salt, from);
    Set<String> raised = cohort(salt, to);
    var added = new HashSet<>(raised);
    added.removeAll(before);

    Set<String> afterStepBack = cohort(salt, from);

    var removed = new HashSet<>(raised);
    removed.removeAll(afterStepBack);
    assertThat(removed).isEqualTo(added);
    assertThat(afterStepBack).isEqualTo(before);
    assertThat(added).allSatisfy(k -> assertThat(Bucketing.bucket(salt, k)).isBetween(from, to - 1));
  }

  @Property(tries = 200)
  void a_missing_or_blank_subject_always_gets_the_baseline(@ForAll @IntRange(min = 0, max = 10_000) int bp,
      @ForAll("blanks") String blank) {
    assertThat(Bucketing.inCandidate("salt", null, bp)).isFalse();
    assertThat(Bucketing.inCandidate("salt", blank, bp)).isFalse();
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> blanks() {
    return net.jqwik.api.Arbitraries.strings().withChars(' ', '\t', '\n').ofMaxLength(5);
  }

  @Test
  void zero_gives_nobody_and_ten_thousand_everybody_with_a_key() {
    assertThat(cohort("s", 0)).isEmpty();
    assertThat(cohort("s", 10_000)).hasSize(KEYS);
  }

  @Test
  void the_same_subject_lands_in_different_buckets_under_different_salts() {
    // independent rollouts must not always pick the same users first
    long same = 0;
    for (int i = 0; i < 10_000; i++) {
      if (Bucketing.bucket("rollout-a", "user-" + i) / 1000 == Bucketing.bucket("rollout-b", "user-" + i) / 1000) {
        same++;
      }
    }
    assertThat(same).as("subjects in the same decile under both salts (about 10% if independent)")
        .isBetween(800L, 1200L);
  }

  /**
   * Chi-square over 1,000,000 keys into 100 bins of 100 basis points each (99 degrees of
   * freedom). The keys are fixed, so the statistic is deterministic; 148.2 is the 0.1% critical
   * value, so a fair hash passes and a biased bucket does not: taking the hash's low 16 bits mod
   * 10,000, for instance, gives the first 5,536 buckets 7/6 of the others' share, a chi-square near 3,600.
   */
  @ParameterizedTest
  @ValueSource(strings = {"rollout-1", "limits:42", "ζ-salt"})
  void buckets_are_uniform_by_chi_square_over_a_million_keys(String salt) {
    long[] bins = new long[100];
    int n = 1_000_000;
    for (int i = 0; i < n; i++) {
      bins[Bucketing.bucket(salt, "subject-" + i) / 100]++;
    }
    double expected = n / 100.0;
    double chi2 = 0;
    for (long observed : bins) {
      chi2 += (observed - expected) * (observed - expected) / expected;
    }
    assertThat(chi2).as("chi-square, 99 degrees of freedom").isLessThan(148.2);
  }

  /**
   * The shared vectors (computed with Guava, not with this code) that every SDK must reproduce:
   * changing the bucketing would move subjects between cohorts mid-rollout.
   */
  @Test
  void buckets_match_the_shared_vectors() throws java.io.IOException {
    try (var in = getClass().getResourceAsStream("/bucketing/vectors.tsv")) {
      var lines = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
          .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
      assertThat(lines).hasSizeGreaterThanOrEqualTo(8);
      for (String line : lines) {
        String[] f = line.split("\t", -1);
        assertThat(Integer.toUnsignedString(Murmur3.hash32Utf8(f[0], ':', f[1], 0))).as(line).isEqualTo(f[2]);
        assertThat(Bucketing.bucket(f[0], f[1])).as(line).isEqualTo(Integer.parseInt(f[3]));
      }
    }
  }

  @Test
  void out_of_range_basis_points_are_refused_naming_the_numbers() {
    assertThatThrownBy(() -> Bucketing.inCandidate("s", "u", 10_001))
        .hasMessage("basisPoints must be between 0 and 10000, got 10001");
    assertThatThrownBy(() -> Bucketing.inCandidate("s", "u", -1))
        .hasMessage("basisPoints must be between 0 and 10000, got -1");
  }
}
