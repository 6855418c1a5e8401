package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The evidence gathered in the current stage: totals per verdict, the current run of consecutive
 * provider errors (a PASS or FAIL ends it; an inconclusive does not), and the latest
 * {@link #MAX_KEPT} judged measurements, oldest first. A new stage starts from {@link #EMPTY}.
 */
public record StageAnalysis(int passes, int failures, int inconclusives, int errors, int consecutiveErrors,
    List<Judged> recent) {
  public static final int MAX_KEPT = 100;
  public static final StageAnalysis EMPTY = new StageAnalysis(0, 0, 0, 0, 0, List.of());

  public StageAnalysis {
    if (passes < 0 || failures < 0 || inconclusives < 0 || errors < 0 || consecutiveErrors < 0
        || consecutiveErrors > errors) {
      throw new InvalidInputException("analysis", "stage analysis counts must be ≥ 0 and consecutiveErrors ≤ "
          + "errors, got passes " + passes + ", failures " + failures + ", inconclusives " + inconclusives
          + ", errors " + errors + ", consecutiveErrors " + consecutiveErrors);
    }
    recent = List.copyOf(recent);
    if (recent.size() > MAX_KEPT) {
      recent = recent.subList(recent.size() - MAX_KEPT, recent.size());
    }
  }

  /** This analysis with {@code j} counted and kept (dropping the oldest beyond {@link #MAX_KEPT}). */
  public StageAnalysis with(Judged j) {
    List<Judged> kept = new ArrayList<>(recent.size() + 1);
    kept.addAll(recent.size() == MAX_KEPT ? recent.subList(1, MAX_KEPT) : recent);
    kept.add(j);
    return switch (j.verdict()) {
      case PASS -> new StageAnalysis(passes + 1, failures, inconclusives, errors, 0, kept);
      case FAIL -> new StageAnalysis(passes, failures + 1, inconclusives, errors, 0, kept);
      case INCONCLUSIVE -> new StageAnalysis(passes, failures, inconclusives + 1, errors, consecutiveErrors, kept);
      case ERROR -> new StageAnalysis(passes, failures, inconclusives, errors + 1, consecutiveErrors + 1, kept);
    };
  }

  public Optional<Judged> latest() {
    return recent.isEmpty() ? Optional.empty() : Optional.of(recent.getLast());
  }

  /** "2 pass, 0 fail, 3 inconclusive, 1 error". */
  public String summary() {
    return passes + " pass, " + failures + " fail, " + inconclusives + " inconclusive, " + errors + " error";
  }
}
