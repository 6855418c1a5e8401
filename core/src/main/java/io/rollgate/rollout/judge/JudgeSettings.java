package io.rollgate.rollout.judge;

import io.rollgate.error.InvalidInputException;
import java.util.Locale;

/**
 * How a rollout is judged, as {@code analysis.judge}, {@code analysis.alpha} and {@code analysis.delta}
 * say it. α is the false-rollback probability the sequential judges allow over the whole rollout (the
 * {@code peeking} judge spends it at every look; {@code threshold} and {@code kayenta} ignore it);
 * δ is the tolerated relative increase of the candidate's error rate (0.1 = up to 10% worse is fine).
 */
public record JudgeSettings(String judge, double alpha, double delta) {
  public static final String DEFAULT_JUDGE = "sequential";
  public static final double DEFAULT_ALPHA = 0.05;
  public static final double DEFAULT_DELTA = 0;
  public static final double MAX_DELTA = 10;
  public static final JudgeSettings DEFAULT = new JudgeSettings(DEFAULT_JUDGE, DEFAULT_ALPHA, DEFAULT_DELTA);

  public JudgeSettings {
    String name = judge == null ? null : judge.strip().toLowerCase(Locale.ROOT);
    if (name == null || !Judges.NAMES.contains(name)) {
      throw new InvalidInputException("analysis.judge", "analysis.judge must be one of "
          + String.join(", ", Judges.NAMES) + ", got " + (judge == null ? "none" : "'" + judge + "'"));
    }
    judge = name;
    if (!(alpha > 0 && alpha < 0.5)) {
      throw new InvalidInputException("analysis.alpha", "analysis.alpha must be > 0 and < 0.5 (the "
          + "false-rollback probability, e.g. 0.05), got " + alpha);
    }
    if (!(delta >= 0 && delta <= MAX_DELTA)) {
      throw new InvalidInputException("analysis.delta", "analysis.delta must be between 0 and " + (int) MAX_DELTA
          + " (the tolerated relative increase: 0.1 = +10%), got " + delta);
    }
  }

  /** True for 004's {@code threshold} judge, the one that reads only the candidate against maxErrorRate. */
  public boolean isThreshold() {
    return "threshold".equals(judge);
  }

  /** The judge these settings describe. */
  public Judge create() {
    return switch (judge) {
      case "sequential" -> new SequentialJudge(alpha, delta);
      case "threshold" -> new ThresholdJudge();
      case "growthbook" -> new GrowthBookJudge(alpha, delta, GrowthBookJudge.DEFAULT_N_STAR);
      case "kayenta" -> KayentaJudge.DEFAULT;
      case "peeking" -> new PeekingJudge(alpha, delta);
      default -> throw new IllegalStateException("unreachable: " + judge);
    };
  }
}
