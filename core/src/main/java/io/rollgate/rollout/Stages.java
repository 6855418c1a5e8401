package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A rollout's stages in order: at least one, percentages strictly increasing, names unique, and the
 * last at 100% so that completing never jumps past what was measured.
 */
public record Stages(List<Stage> list) {
  public static final int MAX_STAGES = 20;

  /** The five of origin document 004: 10/25/50/75/100 with its durations, thresholds and approvals. */
  public static final Stages DEFAULT = new Stages(List.of(
      new Stage("canary", 1_000, Duration.ofHours(24), 0.005, false),
      new Stage("quarter", 2_500, Duration.ofHours(24), 0.004, true),
      new Stage("half", 5_000, Duration.ofHours(48), 0.003, true),
      new Stage("most", 7_500, Duration.ofHours(24), 0.002, false),
      new Stage("full", 10_000, Duration.ZERO, 0.002, true)));

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
