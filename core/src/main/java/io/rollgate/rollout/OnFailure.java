package io.rollgate.rollout;

import io.rollgate.error.InvalidInputException;
import java.util.Locale;

/** What a failed analysis does: step back one stage (as 004 does; default) or return everyone to the baseline. */
public enum OnFailure {
  STEP_BACK,
  ABORT;

  /** "step_back" / "step-back" / "abort", case-insensitive; the message names the field. */
  public static OnFailure parse(String value) {
    if (value != null) {
      switch (value.toLowerCase(Locale.ROOT).replace('-', '_')) {
        case "step_back": return STEP_BACK;
        case "abort": return ABORT;
        default: break;
      }
    }
    throw new InvalidInputException("onFailure",
        "onFailure must be 'step_back' or 'abort', got " + (value == null ? "none" : "'" + value + "'"));
  }
}
