package io.rollgate.rollout.judge;

import java.util.List;

/** The judges by name. */
public final class Judges {
  private Judges() {}

  /** Every judge, the default first. */
  public static final List<String> NAMES = List.of("sequential", "threshold", "growthbook", "kayenta", "peeking");

  /** The named judge with α 0.05 and δ 0; an unknown name is refused naming {@code analysis.judge}. */
  public static Judge parse(String name) {
    return new JudgeSettings(name, JudgeSettings.DEFAULT_ALPHA, JudgeSettings.DEFAULT_DELTA).create();
  }

  /** The named judge with its α and δ, each validated and refused by field name. */
  public static Judge parse(String name, double alpha, double delta) {
    return new JudgeSettings(name, alpha, delta).create();
  }
}
