package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * A rollout's stages in order: at least one, percentages strictly increasing, names unique, and the
 * last at 100% so that completing never jumps past what was measured.
 */
public record Stages(List<Stage> list) {
  public static final int MAX_STAGES = 20;

  /**
   * The five of origin document 004: 10/25/50/75/100 with its durations and approvals, and no
   * maxErrorRate: under a comparing judge a stage has no absolute ceiling unless the user sets one.
   */
  public static final Stages DEFAULT = new Stages(List.of(
      new Stage("canary", 1_000, Duration.ofHours(24), OptionalDouble.empty(), false),
      new Stage("quarter", 2_500, Duration.ofHours(24), OptionalDouble.empty(), true),
      new Stage("half", 5_000, Duration.ofHours(48), OptionalDouble.empty(), true),
      new Stage("most", 7_500, Duration.ofHours(24), OptionalDouble.empty(), false),
      new Stage("full", 10_000, Duration.ZERO, OptionalDouble.empty(), true)));

  /**
   * 004's thresholds for {@link #DEFAULT}: 0.5/0.4/0.3/0.2/0.2%. They belong to the {@code threshold} judge
   * only: they are 5×…2× a 0.1% baseline, and below a 1% baseline, where they would roll back every healthy
   * canary (reference decision-quality §6).
   */
  public static final List<Double> THRESHOLDS_004 = List.of(0.005, 0.004, 0.003, 0.002, 0.002);

  /** {@link #DEFAULT} with {@link #THRESHOLDS_004}: what a {@code threshold} rollout without stages gets. */
  public static final Stages DEFAULT_WITH_THRESHOLDS = new Stages(java.util.stream.IntStream
      .range(0, DEFAULT.size()).mapToObj(i -> DEFAULT.get(i).withMaxErrorRate(THRESHOLDS_004.get(i))).toList());

  public Stages {
    if (list == null || list.isEmpty()) {
      throw new InvalidInputException("stages", "stages must contain at least one stage");
    }
    if (list.size() > MAX_STAGES) {
      throw new InvalidInputException("stages",
          "stages allows at most " + MAX_STAGES + " stages, got " + list.size());
    }
    list = List.copyOf(list);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Stage s = list.get(i);
      if (!names.add(s.name())) {
        throw new InvalidInputException("stages[" + i + "].name",
            "stages[" + i + "].name '" + s.name() + "' is used by an earlier stage; names must be unique");
      }
      if (i > 0 && s.basisPoints() <= list.get(i - 1).basisPoints()) {
        throw new InvalidInputException("stages[" + i + "].percentage",
            "stage percentages must strictly increase: stages[" + i + "] '" + s.name() + "' is "
                + s.percentage() + " after stages[" + (i - 1) + "] '" + list.get(i - 1).name() + "' at "
                + list.get(i - 1).percentage());
      }
    }
    Stage last = list.getLast();
    if (last.basisPoints() != Stage.MAX_BASIS_POINTS) {
      int i = list.size() - 1;
      throw new InvalidInputException("stages[" + i + "].percentage", "the last stage must be at 100% "
          + "(completing it makes the candidate everyone's version), but stages[" + i + "] '" + last.name()
          + "' is at " + last.percentage());
    }
  }

  public static Stages of(Stage... stages) {
    return new Stages(List.of(stages));
  }

  public Stage get(int index) {
    return list.get(index);
  }

  public int size() {
    return list.size();
  }

  public boolean isLast(int index) {
    return index == list.size() - 1;
  }
}
