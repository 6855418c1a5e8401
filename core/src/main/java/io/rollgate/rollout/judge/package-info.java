/**
 * Judges: decide from per-bucket candidate and baseline counts whether a rollout's candidate is worse
 * than its baseline ({@link io.rollgate.rollout.judge.Judge}, built by
 * {@link io.rollgate.rollout.judge.Judges} or {@link io.rollgate.rollout.judge.JudgeSettings}), and
 * whether the split itself is healthy ({@link io.rollgate.rollout.judge.Srm}). Pure: no clock, no I/O.
 * The formulas and their sources are in {@code docs/decision-quality.md}.
 */
package io.rollgate.rollout.judge;
