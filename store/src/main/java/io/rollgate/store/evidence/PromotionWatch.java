package io.rollgate.store.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Json;
import io.rollgate.rollout.AnalysisSettings;
import io.rollgate.rollout.RolloutJson;
import java.time.Duration;
import java.util.Objects;

/**
 * What to watch after a direct promotion applies: a rollout analysis provider ({@code analysis}:
 * outcomes or prometheus, its interval, minimum samples and failure limit), for {@code window};
 * a reading above {@code maxErrorRate} over at least minSamples requests is a failure, and more than
 * failureLimit failures roll the promotion back. After the window the promotion is final.
 */
public record PromotionWatch(AnalysisSettings analysis, Duration window, double maxErrorRate) {
  public static final Duration MAX_WINDOW = Duration.ofDays(7);
  public static final double DEFAULT_MAX_ERROR_RATE = 0.05;
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);

  public PromotionWatch {
    Objects.requireNonNull(analysis, "analysis");
    if (window == null || window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(MAX_WINDOW) > 0) {
      throw new InvalidInputException("watch.windowSeconds", "'watch.windowSeconds' must be 1 to "
          + MAX_WINDOW.toSeconds() + ", got " + (window == null ? "none" : window.toSeconds()));
    }
    if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) {
      throw new InvalidInputException("watch.maxErrorRate", "'watch.maxErrorRate' must be a rate from 0 to 1, got "
          + maxErrorRate);
    }
  }

  /**
   * {@code {"provider","intervalSeconds","minSamples","failureLimit","consecutiveErrorLimit",
   * "prometheusUrl","query","windowSeconds","maxErrorRate"}}; field names in errors start with
   * {@code watch.}.
   */
  public static PromotionWatch parse(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new InvalidInputException("watch", "'watch' must be an object {\"provider\",\"windowSeconds\","
          + "\"maxErrorRate\",…}");
    }
    ObjectNode settings = ((ObjectNode) n).deepCopy();
    if (!settings.has("intervalSeconds")) { // a watch window is minutes, not the rollout default of 15
      settings.put("intervalSeconds", DEFAULT_INTERVAL.toSeconds());
    }
    JsonNode window = settings.remove("windowSeconds");
    JsonNode rate = settings.remove("maxErrorRate");
    if (window == null || !window.isIntegralNumber() || !window.canConvertToLong()) {
      throw new InvalidInputException("watch.windowSeconds", "'watch.windowSeconds' is required: a whole number of "
          + "seconds, 1 to " + MAX_WINDOW.toSeconds());
    }
    Duration w = Duration.ofSeconds(Math.max(0, window.longValue()));
    if (w.compareTo(Duration.ofSeconds(1)) < 0 || w.compareTo(MAX_WINDOW) > 0) { // before the provider's fields
      throw new InvalidInputException("watch.windowSeconds", "'watch.windowSeconds' must be 1 to "
          + MAX_WINDOW.toSeconds() + ", got " + window.asText());
    }
    double max = DEFAULT_MAX_ERROR_RATE;
    if (rate != null && !rate.isNull()) {
      if (!rate.isNumber()) {
        throw new InvalidInputException("watch.maxErrorRate", "'watch.maxErrorRate' must be a rate from 0 to 1");
      }
      max = rate.doubleValue();
    }
    AnalysisSettings analysis;
    try {
      analysis = RolloutJson.analysis(settings);
    } catch (InvalidInputException e) {
      String field = e.field().startsWith("analysis.") ? "watch." + e.field().substring("analysis.".length())
          : "watch." + e.field();
      throw new InvalidInputException(field, e.getMessage().replace("analysis.", "watch."));
    }
    return new PromotionWatch(analysis, w, max);
  }

  public ObjectNode toJson() {
    ObjectNode o = RolloutJson.toJson(analysis);
    o.put("windowSeconds", window.toSeconds()).put("maxErrorRate", maxErrorRate);
    return o;
  }

  public static PromotionWatch fromJson(String stored) {
    return parse(Json.parse(stored, "watch"));
  }
}
