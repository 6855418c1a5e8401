package io.rollgate.server.notify;

import java.util.Objects;

/** A credential from rollgate.yaml. Its {@link #toString} never shows the value, so it cannot be logged by accident. */
public final class Secret {
  private final String value;

  public Secret(String value) {
    this.value = Objects.requireNonNull(value, "value");
  }

  /** The value, for the one place that sends it (a request header or a signature key). */
  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "***";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
