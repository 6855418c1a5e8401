package io.rollgate.rollout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.rollout.judge.JudgeSettings;
import io.rollgate.rollout.judge.Judges;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The wire form of a rollout's spec and evidence, one codec for the API, the store and the journal.
 * Parsing is strict: an unknown field is refused by name (a typo such as {@code minDuration} would
 * otherwise silently fall back to a default), and every error names the JSON field.
 */
public final class RolloutJson {
  private RolloutJson() {}

  private static final Set<String> STAGE_FIELDS =
      Set.of("name", "percentage", "minDurationSeconds", "maxErrorRate", "requiresApproval");
  private static final Set<String> ANALYSIS_FIELDS = Set.of("provider", "intervalSeconds", "minSamples",
      "failureLimit", "consecutiveErrorLimit", "prometheusUrl", "query", "judge", "alpha", "delta");

  /** {@code stages} absent or null → the five defaults. */
  public static Stages stages(JsonNode stages) {
    if (stages == null || stages.isNull() || stages.isMissingNode()) {
      return Stages.DEFAULT;
    }
    if (!stages.isArray()) {
      throw new InvalidInputException("stages", "stages must be an array of stage objects");
    }
    List<Stage> list = new ArrayList<>();
    for (int i = 0; i < stages.size(); i++) {
      list.add(stage(stages.get(i), "stages[" + i + "]"));
    }
    return new Stages(list);
  }

  private static Stage stage(JsonNode n, String at) {
    if (!n.isObject()) {
      throw new InvalidInputException(at, at + " must be an object");
    }
    refuseUnknown(n, STAGE_FIELDS, at);
    JsonNode name = n.get("name");
    if (name == null || !name.isTextual()) {
      throw new InvalidInputException(at + ".name", at + ".name must be a string");
    }
    JsonNode pct = n.get("percentage");
    // 1e400 parses as an infinite double, which has no decimal value
    if (pct == null || !pct.isNumber() || pct.isFloatingPointNumber() && !Double.isFinite(pct.doubleValue())) {
      throw new InvalidInputException(at + ".percentage", at + ".percentage must be a number between 0 and 100");
    }
    long seconds = integer(n, "minDurationSeconds", at, 0);
    JsonNode rate = n.get("maxErrorRate");
    if (rate != null && !rate.isNull() && !rate.isNumber()) {
      throw new InvalidInputException(at + ".maxErrorRate",
          at + ".maxErrorRate must be a number between 0 and 1 (0.005 = 0.5%), or absent for no ceiling");
    }
    OptionalDouble maxErrorRate = rate == null || rate.isNull() ? OptionalDouble.empty()
        : OptionalDouble.of(rate.doubleValue());
    boolean approval = bool(n, "requiresApproval", at, false);
    text(name, at + ".name");
    try {
      return Stage.ofPercentage(name.asText(), pct.decimalValue(), Duration.ofSeconds(seconds), maxErrorRate,
          approval);
    } catch (InvalidInputException e) {
      throw new InvalidInputException(at + "." + e.field(), at + ": " + e.getMessage());
    }
  }

  /** {@code analysis} absent or null → {@link AnalysisSettings#DEFAULT}; absent fields take their defaults. */
  public static AnalysisSettings analysis(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return AnalysisSettings.DEFAULT;
    }
    if (!n.isObject()) {
      throw new InvalidInputException("analysis", "analysis must be an object");
    }
    refuseUnknown(n, ANALYSIS_FIELDS, "analysis");
    JsonNode p = n.get("provider");
    if (p != null && !p.isTextual()) {
      throw new InvalidInputException("analysis.provider", "analysis.provider must be 'outcomes' or 'prometheus'");
    }
    var provider = p == null ? AnalysisSettings.Provider.OUTCOMES : AnalysisSettings.Provider.parse(p.asText());
    long interval = integer(n, "intervalSeconds", "analysis", AnalysisSettings.DEFAULT_INTERVAL.toSeconds());
    long minSamples = integer(n, "minSamples", "analysis", AnalysisSettings.DEFAULT_MIN_SAMPLES);
    long failureLimit = integer(n, "failureLimit", "analysis", AnalysisSettings.DEFAULT_FAILURE_LIMIT);
    long errorLimit = integer(n, "consecutiveErrorLimit", "analysis",
        AnalysisSettings.DEFAULT_CONSECUTIVE_ERROR_LIMIT);
    URI url = null;
    JsonNode u = n.get("prometheusUrl");
    if (u != null && !u.isNull()) {
      if (!u.isTextual()) {
        throw new InvalidInputException("analysis.prometheusUrl", "analysis.prometheusUrl must be a string");
      }
      text(u, "analysis.prometheusUrl");
      try {
        url = new URI(u.asText());
      } catch (URISyntaxException e) {
        throw new InvalidInputException("analysis.prometheusUrl",
            "analysis.prometheusUrl is not a URL: " + e.getMessage());
      }
    }
    JsonNode q = n.get("query");
    if (q != null && !q.isNull() && !q.isTextual()) {
      throw new InvalidInputException("analysis.query", "analysis.query must be a string");
    }
    if (q != null && !q.isNull()) {
      text(q, "analysis.query");
    }
    return new AnalysisSettings(provider, Duration.ofSeconds(interval), clampInt(minSamples),
        clampInt(failureLimit), clampInt(errorLimit), url, q == null || q.isNull() ? null : q.asText(),
        judge(n, provider, null));
  }

  /**
   * {@code judge}, {@code alpha}, {@code delta}; null when all three are absent (the provider's default).
   * {@code absentJudge} names the judge when only α or δ is given (null: the provider's default).
   */
  private static JudgeSettings judge(JsonNode n, AnalysisSettings.Provider provider, String absentJudge) {
    JsonNode j = n.get("judge");
    JsonNode alpha = n.get("alpha");
    JsonNode delta = n.get("delta");
    boolean none = (j == null || j.isNull()) && (alpha == null || alpha.isNull()) && (delta == null || delta.isNull());
    if (none && absentJudge == null) {
      return null;
    }
    if (j != null && !j.isNull() && !j.isTextual()) {
      throw new InvalidInputException("analysis.judge", "analysis.judge must be one of "
          + String.join(", ", Judges.NAMES) + ", got " + j);
    }
    String name = j != null && !j.isNull() ? j.asText() : absentJudge != null ? absentJudge
        : provider == AnalysisSettings.Provider.OUTCOMES ? JudgeSettings.DEFAULT_JUDGE : "threshold";
    return new JudgeSettings(name, number(alpha, "analysis.alpha", JudgeSettings.DEFAULT_ALPHA),
        number(delta, "analysis.delta", JudgeSettings.DEFAULT_DELTA));
  }

  private static double number(JsonNode v, String path, double dflt) {
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new InvalidInputException(path, path + " must be a number, got " + v);
    }
    return v.doubleValue();
  }

  /**
   * A spec as the store keeps it. A rollout stored before judges existed has no {@code analysis.judge}: it
   * keeps the thresholds it was created with, rather than switching judge in the middle of its stages.
   */
  public static RolloutSpec storedSpec(JsonNode n) {
    JsonNode a = n.get("analysis");
    if (a != null && a.isObject() && !a.has("judge")) {
      ObjectNode copy = ((ObjectNode) n).deepCopy();
      ((ObjectNode) copy.get("analysis")).put("judge", "threshold");
      return spec(copy);
    }
    return spec(n);
  }

  /** Parses a stored or submitted spec: {@code {"stages","analysis","onFailure","author","selfApproval"}}. */
  public static RolloutSpec spec(JsonNode n) {
    JsonNode onFailure = n.get("onFailure");
    if (onFailure != null && !onFailure.isNull() && !onFailure.isTextual()) {
      throw new InvalidInputException("onFailure", "onFailure must be 'step_back' or 'abort'");
    }
    return new RolloutSpec(stages(n.get("stages")), analysis(n.get("analysis")),
        onFailure == null || onFailure.isNull() ? OnFailure.STEP_BACK : OnFailure.parse(onFailure.asText()),
        n.path("author").asText(null), bool(n, "selfApproval", "", false));
  }

  public static ObjectNode toJson(RolloutSpec spec) {
    ObjectNode o = Json.object();
    ArrayNode stages = o.putArray("stages");
    spec.stages().list().forEach(s -> stages.add(toJson(s)));
    o.set("analysis", toJson(spec.analysis()));
    o.put("onFailure", spec.onFailure().name().toLowerCase(java.util.Locale.ROOT));
    o.put("author", spec.author());
    o.put("selfApproval", spec.selfApproval());
    return o;
  }

  public static ObjectNode toJson(Stage s) {
    ObjectNode o = Json.object();
    o.put("name", s.name());
    o.put("percentage", percentage(s.basisPoints()));
    o.put("minDurationSeconds", s.minDuration().toSeconds());
    if (s.maxErrorRate().isPresent()) {
      o.put("maxErrorRate", s.maxErrorRate().getAsDouble());
    } else {
      o.putNull("maxErrorRate");
    }
    o.put("requiresApproval", s.requiresApproval());
    return o;
  }

  /** Basis points as the API's percentage: 1250 → 12.5. */
  public static BigDecimal percentage(int basisPoints) {
    BigDecimal p = BigDecimal.valueOf(basisPoints, 2).stripTrailingZeros();
    return p.scale() < 0 ? p.setScale(0) : p;
  }

  public static ObjectNode toJson(AnalysisSettings a) {
    ObjectNode o = Json.object();
    o.put("provider", a.provider().name().toLowerCase(java.util.Locale.ROOT));
    o.put("intervalSeconds", a.interval().toSeconds());
    o.put("minSamples", a.minSamples());
    o.put("failureLimit", a.failureLimit());
    o.put("consecutiveErrorLimit", a.consecutiveErrorLimit());
    if (a.prometheusUrl() != null) {
      o.put("prometheusUrl", a.prometheusUrl().toString());
      o.put("query", a.query());
    }
    o.put("judge", a.judge().judge()).put("alpha", a.judge().alpha()).put("delta", a.judge().delta());
    return o;
  }

  /** A judged measurement: {@code {"at","stage","verdict","kind","value","samples","reason"}}. */
  public static ObjectNode toJson(Judged j, Stages stages) {
    ObjectNode o = Json.object();
    Measurement m = j.measurement();
    o.put("at", m.at().toString());
    o.put("stageIndex", j.stageIndex());
    o.put("stage", stages.get(j.stageIndex()).name());
    o.put("verdict", j.verdict().name());
    switch (m) {
      case Measurement.Value v -> {
        o.put("kind", "value");
        o.put("value", v.errorRate());
        if (v.samplesKnown()) {
          o.put("samples", v.samples());
        } else {
          o.putNull("samples");
        }
      }
      case Measurement.NoData d -> o.put("kind", "no_data").put("why", d.why());
      case Measurement.ProviderError e -> o.put("kind", "error").put("why", e.why());
      case Measurement.Comparison c -> {
        o.put("kind", "comparison");
        // the candidate's error rate and requests in the stage, as a value measurement shows them
        finite(o, "value", c.candidateErrorRate());
        o.put("samples", c.stage().candidateRequests());
        o.put("judge", c.judge()).put("judgeVerdict", c.verdict().name());
        finite(o, "statistic", c.statistic());
        finite(o, "threshold", c.threshold());
        o.put("sentence", c.sentence());
        Measurement.Counts n = c.stage();
        o.putObject("candidate").put("requests", n.candidateRequests()).put("errors", n.candidateErrors());
        o.putObject("baseline").put("requests", n.baselineRequests()).put("errors", n.baselineErrors());
        Measurement.Split sp = c.split();
        ObjectNode srm = o.putObject("srm").put("status", sp.status());
        finite(srm, "chiSquare", sp.chiSquare());
        finite(srm, "pValue", sp.pValue());
        srm.put("observedCandidate", sp.observedCandidate());
        finite(srm, "expectedCandidate", sp.expectedCandidate());
        srm.put("requests", sp.requests()).put("sentence", sp.sentence());
      }
    }
    o.put("reason", j.reason());
    return o;
  }

  /** JSON has no NaN or ∞: a number the judge did not get (or an overflowing evidence ratio) is null. */
  private static void finite(ObjectNode o, String field, double v) {
    if (Double.isFinite(v)) {
      o.put(field, v);
    } else {
      o.putNull(field);
    }
  }

  private static double orNaN(JsonNode v) {
    return v == null || !v.isNumber() ? Double.NaN : v.doubleValue();
  }

  /** The inverse of {@link #toJson(Judged, Stages)}. */
  public static Judged judged(JsonNode o) {
    Instant at = Instant.parse(o.path("at").asText());
    Measurement m = switch (o.path("kind").asText()) {
      case "value" -> new Measurement.Value(at, o.path("value").asDouble(),
          o.path("samples").isNull() ? Measurement.Value.UNKNOWN_SAMPLES : o.path("samples").asLong());
      case "no_data" -> new Measurement.NoData(at, o.path("why").asText());
      case "error" -> new Measurement.ProviderError(at, o.path("why").asText());
      case "comparison" -> {
        JsonNode srm = o.path("srm");
        yield new Measurement.Comparison(at, o.path("judge").asText(), Verdict.valueOf(o.path("judgeVerdict").asText()),
            orNaN(o.get("statistic")), orNaN(o.get("threshold")), o.path("sentence").asText(),
            new Measurement.Counts(o.path("candidate").path("requests").asLong(),
                o.path("candidate").path("errors").asLong(), o.path("baseline").path("requests").asLong(),
                o.path("baseline").path("errors").asLong()),
            new Measurement.Split(srm.path("status").asText(), orNaN(srm.get("chiSquare")), orNaN(srm.get("pValue")),
                srm.path("observedCandidate").asLong(), orNaN(srm.get("expectedCandidate")),
                srm.path("requests").asLong(), srm.path("sentence").asText()));
      }
      default -> throw new IllegalArgumentException("unknown measurement kind '" + o.path("kind").asText() + "'");
    };
    return new Judged(m, Verdict.valueOf(o.path("verdict").asText()), o.path("reason").asText(),
        o.path("stageIndex").asInt());
  }

  /** Counts and the kept measurements: {@code {"passes",…,"consecutiveErrors","recent":[…]}}. */
  public static ObjectNode toJson(StageAnalysis a, Stages stages) {
    ObjectNode o = Json.object();
    o.put("passes", a.passes()).put("failures", a.failures()).put("inconclusives", a.inconclusives())
        .put("errors", a.errors()).put("consecutiveErrors", a.consecutiveErrors());
    ArrayNode recent = o.putArray("recent");
    a.recent().forEach(j -> recent.add(toJson(j, stages)));
    return o;
  }

  public static StageAnalysis analysisState(JsonNode o) {
    List<Judged> recent = new ArrayList<>();
    o.path("recent").forEach(j -> recent.add(judged(j)));
    return new StageAnalysis(o.path("passes").asInt(), o.path("failures").asInt(), o.path("inconclusives").asInt(),
        o.path("errors").asInt(), o.path("consecutiveErrors").asInt(), recent);
  }

  private static void refuseUnknown(JsonNode n, Set<String> known, String at) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw new InvalidInputException(at + "." + f, "unknown field " + at + "." + f + "; known: "
            + String.join(", ", new java.util.TreeSet<>(known)));
      }
    }
  }

  /**
   * Text that is journaled: no NUL (PostgreSQL cannot keep it in a JSON value) and no unpaired
   * surrogate (it has no UTF-8 form and would be stored as '?', RFC 7493).
   */
  private static void text(JsonNode v, String path) {
    if (v.asText().indexOf('\u0000') >= 0) {
      throw new InvalidInputException(path, path + " must not contain NUL (\\u0000) characters");
    }
    Canonical.requireUnicode(v.asText(), path, "string");
  }

  private static long integer(JsonNode n, String field, String at, long dflt) {
    JsonNode v = n.get(field);
    String path = at.isEmpty() ? field : at + "." + field;
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new InvalidInputException(path, path + " must be an integer, got " + v);
    }
    return v.asLong();
  }

  private static boolean bool(JsonNode n, String field, String at, boolean dflt) {
    JsonNode v = n.get(field);
    String path = at.isEmpty() ? field : at + "." + field;
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new InvalidInputException(path, path + " must be true or false, got " + v);
    }
    return v.asBoolean();
  }

  /** Out-of-int values become the nearest int, which the settings' range check then refuses by name. */
  private static int clampInt(long v) {
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
  }
}
