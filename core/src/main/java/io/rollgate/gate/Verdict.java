package io.rollgate.gate;

/** A gate's answer. WARN passes (exit 0) but says what a person should look at. */
public enum Verdict {
  PASS,
  WARN,
  FAIL;

  public Verdict worst(Verdict other) {
    return compareTo(other) >= 0 ? this : other;
  }

  /** The CLI's exit code: 0 for PASS and WARN, 1 for FAIL. */
  public int exitCode() {
    return this == FAIL ? 1 : 0;
  }
}
