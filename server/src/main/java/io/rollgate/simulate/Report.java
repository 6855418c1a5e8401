package io.rollgate.simulate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.json.Json;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A finished simulation: every cell's results, as a table for people and as JSON for scripts. */
public record Report(SimulationSpec spec, List<CellResult> cells, double wallSeconds, int threads) {

  public CellResult cell(double rate, double baselineError, double multiplier) {
    return cells.stream()
        .filter(c -> c.rate() == rate && c.baselineError() == baselineError && c.multiplier() == multiplier)
        .findFirst().orElseThrow(() -> new IllegalArgumentException("no cell " + rate + "/" + baselineError + "/"
            + multiplier));
  }

  /** The JSON document {@code --json} prints. */
  public ObjectNode toJson() {
    ObjectNode root = Json.object();
    ObjectNode s = root.putObject("settings");
    spec.rates().forEach(s.putArray("rates")::add);
    spec.baselineErrors().forEach(s.putArray("baselineErrors")::add);
    spec.multipliers().forEach(s.putArray("multipliers")::add);
    s.put("healthyRuns", spec.healthyRuns());
    s.put("regressedRuns", spec.regressedRuns());
    ArrayNode stages = s.putArray("stages");
    spec.stageBasisPoints().forEach(bp -> {
      if (bp % 100 == 0) {
        stages.add(bp / 100);
      } else {
        stages.add(bp / 100.0);
      }
    });
    s.put("stageSeconds", spec.stageDuration().toSeconds());
    s.put("checkSeconds", spec.checkInterval().toSeconds());
    s.put("bucketSeconds", spec.bucketWidth().toSeconds());
    s.put("drift", spec.driftAmplitude());
    s.put("lateRegressionSeconds", spec.regressionOnset().toSeconds());
    s.put("srmBug", spec.srmBug());
    s.put("alpha", spec.alpha());
    s.put("delta", spec.delta());
    spec.thresholds().forEach(s.putArray("thresholds")::add);
    s.put("seed", spec.seed());
    root.put("runs", spec.totalRuns());
    root.put("threads", threads);
    root.put("wallSeconds", Math.round(wallSeconds * 10) / 10.0);
    ArrayNode cellsNode = root.putArray("cells");
    for (CellResult c : cells) {
      ObjectNode cn = cellsNode.addObject();
      cn.put("rate", c.rate());
      cn.put("baselineError", c.baselineError());
      cn.put("multiplier", c.multiplier());
      cn.put("runs", c.runs());
      ArrayNode ds = cn.putArray("detectors");
      for (DetectorResult d : c.detectors()) {
        ObjectNode dn = ds.addObject();
        dn.put("name", d.name());
        dn.put("runs", d.runs());
        dn.put("rolledBack", d.rolledBack());
        dn.put("rollbackRate", d.rollbackRate());
        ObjectNode w = dn.putObject("rollbackRate95");
        w.put("low", d.wilsonLow());
        w.put("high", d.wilsonHigh());
        dn.put("caughtBeforePromotion", d.caughtBeforePromotion());
        dn.put("medianMinutesToDetect", d.medianMinutesToDetect());
        dn.put("p90MinutesToDetect", d.p90MinutesToDetect());
        dn.put("detectedMedianMinutes", d.detectedMedianMinutes());
        dn.put("badRequestsServed", d.badRequestsServed());
        dn.put("excessErrors", d.excessErrors());
        d.rollbacksByStage().forEach(dn.putArray("rollbacksByStage")::add);
      }
    }
    return root;
  }

  /**
   * One block per (rate, baseline error): a row per detector; for m = 1 the false-rollback rate with its
   * 95% Wilson interval, for each m &gt; 1 the share caught before promotion and the median and p90 minutes
   * to detect (∞: more than half, or a tenth, of the runs were not caught).
   */
  public String table() {
    StringBuilder out = new StringBuilder();
    Map<String, List<CellResult>> groups = new LinkedHashMap<>();
    for (CellResult c : cells) {
      groups.computeIfAbsent(c.rate() + "/" + c.baselineError(), k -> new ArrayList<>()).add(c);
    }
    String scenario = scenario();
    for (List<CellResult> group : groups.values()) {
      CellResult first = group.getFirst();
      out.append(String.format(Locale.ROOT, "R = %s req/s, p0 = %s%s%n", num(first.rate()),
          percent(first.baselineError()), scenario));
      StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-17s", "detector"));
      for (CellResult c : group) {
        head.append(c.healthy()
            ? String.format(Locale.ROOT, " | %-26s", "healthy: false rollbacks")
            : String.format(Locale.ROOT, " | %-22s", "m=" + num(c.multiplier()) + ": caught  med  p90"));
      }
      out.append(head.toString().stripTrailing()).append('\n');
      List<String> names = new ArrayList<>();
      group.forEach(c -> c.detectors().forEach(d -> {
        if (!names.contains(d.name())) {
          names.add(d.name());
        }
      }));
      for (String name : names) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-17s", name));
        for (CellResult c : group) {
          DetectorResult d = c.detectors().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
          if (c.healthy() && d != null && d.caughtBeforePromotion() != null) {
            // the SRM check under --srm-bug: something to catch even in a healthy cell
            row.append(" | ").append(String.format(Locale.ROOT, "%-26s", String.format(Locale.ROOT,
                "caught %6s %5s %4s", pct(d.caughtBeforePromotion()), minutes(d.medianMinutesToDetect()),
                minutes(d.p90MinutesToDetect()))));
          } else if (c.healthy()) {
            row.append(" | ").append(d == null ? " ".repeat(26) : String.format(Locale.ROOT, "%-26s",
                pct2(d.rollbackRate()) + " [" + pct2(d.wilsonLow()) + ", " + pct2(d.wilsonHigh()) + "]"));
          } else {
            row.append(" | ").append(d == null || d.caughtBeforePromotion() == null ? " ".repeat(22)
                : String.format(Locale.ROOT, "%-22s", String.format(Locale.ROOT, "%6s %5s %4s",
                    pct(d.caughtBeforePromotion()), minutes(d.medianMinutesToDetect()),
                    minutes(d.p90MinutesToDetect()))));
          }
        }
        out.append(row.toString().stripTrailing()).append('\n');
      }
      out.append('\n');
    }
    List<String> perCell = new ArrayList<>();
    if (cells.stream().anyMatch(CellResult::healthy)) {
      perCell.add(String.format(Locale.ROOT, "%,d healthy", spec.healthyRuns()));
    }
    if (cells.stream().anyMatch(c -> !c.healthy())) {
      perCell.add(String.format(Locale.ROOT, "%,d regressed", spec.regressedRuns()));
    }
    out.append(String.format(Locale.ROOT, "%,d runs in %.1f s on %d thread%s (%s per cell); seed %d%n",
        spec.totalRuns(), wallSeconds, threads, threads == 1 ? "" : "s", String.join(", ", perCell), spec.seed()));
    return out.toString();
  }

  private String scenario() {
    List<String> parts = new ArrayList<>();
    parts.add(spec.driftAmplitude() > 0 ? "drift ±" + num(spec.driftAmplitude() * 100) + "%" : "stationary");
    if (!spec.regressionOnset().isZero()) {
      parts.add("regression from minute " + num(spec.regressionOnset().toSeconds() / 60.0));
    }
    if (spec.srmBug()) {
      parts.add("SRM bug (candidate gets " + num(SimulationSpec.SRM_BUG_FACTOR) + " × its share)");
    }
    return " (" + String.join(", ", parts) + ")";
  }

  private static String pct(double r) {
    return String.format(Locale.ROOT, "%.1f%%", r * 100);
  }

  /** Two decimals: the false-rollback goals are stated to a tenth of a percent. */
  private static String pct2(double r) {
    return String.format(Locale.ROOT, "%.2f%%", r * 100);
  }

  private static String percent(double r) {
    return num(r * 100) + "%";
  }

  private static String minutes(Double m) {
    if (m == null) {
      return "∞";
    }
    return m == Math.rint(m) ? String.valueOf(m.longValue()) : String.format(Locale.ROOT, "%.1f", m);
  }

  static String num(double x) {
    return new BigDecimal(x).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }
}
