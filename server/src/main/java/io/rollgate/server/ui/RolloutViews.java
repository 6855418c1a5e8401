package io.rollgate.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.rollout.Judged;
import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.Phase;
import io.rollgate.rollout.RolloutState;
import io.rollgate.rollout.Stage;
import io.rollgate.rollout.Stages;
import io.rollgate.store.rollout.RolloutView;
import io.rollgate.store.rollout.Transition;
import io.rollgate.store.token.Principal;
import io.rollgate.store.token.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Turns a rollout, its measurements and its transitions into what the rollout pages draw. */
final class RolloutViews {
  static final int CHART_WIDTH = 640;
  static final int CHART_HEIGHT = 200;
  private static final int PAD_LEFT = 48;
  private static final int PAD_RIGHT = 12;
  private static final int PAD_Y = 14;

  private RolloutViews() {}

  static Views.RolloutRow row(RolloutView v) {
    RolloutState s = v.state();
    var last = s.analysis().latest();
    return new Views.RolloutRow(v.id(), v.policy(), s.phase().name(), s.stage().name(), s.stage().percentage(),
        last.map(j -> j.verdict().name()).orElse("—"),
        last.map(j -> j.measurement() instanceof Measurement.Value val ? percent(val.errorRate()) : "—").orElse("—"),
        Ui.time(v.updatedAt()));
  }

  /** The stage bar: done, current (with the phase) and pending stages, in order. */
  static List<Views.StageCell> stages(RolloutState s, boolean completed) {
    List<Views.StageCell> out = new ArrayList<>();
    Stages stages = s.spec().stages();
    for (int i = 0; i < stages.size(); i++) {
      Stage st = stages.get(i);
      String state;
      if (completed || i < s.stageIndex()) {
        state = "done";
      } else if (i == s.stageIndex() && !s.phase().isTerminal()) {
        state = "current";
      } else {
        state = "pending";
      }
      out.add(new Views.StageCell(st.name(), st.percentage(),
          st.maxErrorRate().isPresent() ? percent(st.maxErrorRate().getAsDouble()) : null, st.requiresApproval(),
          state));
    }
    return out;
  }

  /** The candidate's error rate a measurement shows; NaN when it has none. */
  private static double errorRate(Measurement m) {
    return switch (m) {
      case Measurement.Value v -> v.errorRate();
      case Measurement.Comparison c -> c.candidateErrorRate();
      default -> Double.NaN;
    };
  }

  /** {@code measurements} newest first, as the store returns them. */
  static Views.Chart chart(List<Judged> newestFirst, Stages stages) {
    List<Judged> ms = new ArrayList<>(newestFirst);
    java.util.Collections.reverse(ms);
    double max = 0;
    for (Judged j : ms) {
      max = Math.max(max, stages.get(Math.min(j.stageIndex(), stages.size() - 1)).maxErrorRate().orElse(0));
      double rate = errorRate(j.measurement());
      if (!Double.isNaN(rate)) {
        max = Math.max(max, rate);
      }
    }
    double yMax = max <= 0 ? 0.01 : max * 1.2;
    int n = ms.size();
    double plotW = CHART_WIDTH - PAD_LEFT - PAD_RIGHT;
    double plotH = CHART_HEIGHT - 2 * PAD_Y;
    var rate = new StringBuilder();
    var threshold = new StringBuilder();
    List<Views.Dot> dots = new ArrayList<>();
    int fails = 0;
    for (int i = 0; i < n; i++) {
      Judged j = ms.get(i);
      double x = PAD_LEFT + (n == 1 ? plotW / 2 : plotW * i / (n - 1));
      // a stage without a ceiling (judged by comparison only) draws its threshold at the top edge
      double t = stages.get(Math.min(j.stageIndex(), stages.size() - 1)).maxErrorRate().orElse(yMax);
      double ty = PAD_Y + plotH * (1 - t / yMax);
      // a step line: the threshold holds until the next measurement's stage
      double x0 = n == 1 ? PAD_LEFT : (i == 0 ? x : PAD_LEFT + plotW * (i - 0.5) / (n - 1));
      double x1 = n == 1 ? CHART_WIDTH - PAD_RIGHT : (i == n - 1 ? x : PAD_LEFT + plotW * (i + 0.5) / (n - 1));
      threshold.append(num(x0)).append(',').append(num(ty)).append(' ').append(num(x1)).append(',').append(num(ty))
          .append(' ');
      double measured = errorRate(j.measurement());
      double value = Double.isNaN(measured) ? 0 : measured;
      double y = PAD_Y + plotH * (1 - value / yMax);
      if (!Double.isNaN(measured)) {
        rate.append(num(x)).append(',').append(num(y)).append(' ');
      }
      if (j.verdict() == io.rollgate.rollout.Verdict.FAIL) {
        fails++;
      }
      dots.add(new Views.Dot(num(x), num(y), j.verdict().name().toLowerCase(Locale.ROOT),
          Ui.time(j.measurement().at()) + " " + j.verdict() + ": " + j.reason()));
    }
    String summary = n == 0 ? "no measurements yet"
        : n + " measurement" + (n == 1 ? "" : "s") + ", " + fails + " over the stage threshold";
    return new Views.Chart(CHART_WIDTH, CHART_HEIGHT, rate.toString().strip(), threshold.toString().strip(), dots,
        percent(yMax), summary);
  }

  /**
   * Every check, newest first, with its judge's numbers. A value measurement (Prometheus, or a rollout
   * judged by thresholds) is the threshold judge: the statistic is the error rate, compared with the
   * stage's maxErrorRate. A comparison (the sequential and other comparing judges) carries its judge's
   * name, statistic, threshold and sentence; when the rollout's verdict differs from the judge's (a
   * ceiling, too few requests in the stage), the sentence is followed by why.
   */
  static List<Views.Check> checks(List<Judged> newestFirst, Stages stages) {
    List<Views.Check> out = new ArrayList<>();
    for (Judged j : newestFirst) {
      Stage st = stages.get(Math.min(j.stageIndex(), stages.size() - 1));
      String at = Ui.time(j.measurement().at());
      String verdict = j.verdict().name();
      String bar = st.maxErrorRate().isPresent() ? "error rate ≤ " + percent(st.maxErrorRate().getAsDouble())
          : "— (no maxErrorRate)";
      out.add(switch (j.measurement()) {
        case Measurement.Value v -> new Views.Check(at, st.name(), verdict, "threshold", "error rate "
            + percent(v.errorRate()) + (v.samplesKnown() ? " over " + v.samples() + " requests" : ""), bar,
            j.reason());
        case Measurement.Comparison c -> new Views.Check(at, st.name(), verdict, c.judge(), number(c.statistic()),
            number(c.threshold()), j.reason().equals(c.judge() + ": " + c.sentence()) ? c.sentence()
                : c.sentence() + " — " + verdict + ": " + j.reason());
        case Measurement.NoData n -> new Views.Check(at, st.name(), verdict, "—", "—", bar, j.reason());
        case Measurement.ProviderError e -> new Views.Check(at, st.name(), verdict, "—", "—", bar, j.reason());
      });
    }
    return out;
  }

  /** A judge's number with four significant digits; "—" when it has none (NaN). */
  static String number(double d) {
    if (Double.isNaN(d)) {
      return "—";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "∞" : "−∞";
    }
    return new java.math.BigDecimal(d).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
  }

  static Views.TransitionRow transition(Transition t) {
    JsonNode p = t.payload();
    String stage = p.path("stage").isMissingNode() || p.path("stage").isNull() ? ""
        : p.path("stage").isTextual() ? p.path("stage").asText() : p.path("stage").path("name").asText("");
    if (p.has("percentage")) {
      stage = (stage + " " + p.path("percentage").asText() + "%").strip();
    }
    return new Views.TransitionRow(Ui.time(t.at()), t.type(), t.actor(), stage, p.path("reason").asText(""));
  }

  /**
   * The buttons the signed-in principal may press now. Approve (advance) is admin-only and hidden from
   * the rollout's author unless the rollout allows self-approval (four-eyes); the server refuses it too.
   */
  static List<Views.ActionButton> actions(RolloutView v, Principal who) {
    List<Views.ActionButton> out = new ArrayList<>();
    Phase phase = v.state().phase();
    if (phase.isTerminal() || !who.role().includes(Role.OPERATOR)) {
      return out;
    }
    boolean mayApprove = who.role().includes(Role.ADMIN)
        && (!who.name().equals(v.state().spec().author()) || v.state().spec().selfApproval());
    if (mayApprove && (phase == Phase.AWAITING_APPROVAL || phase == Phase.PROGRESSING)) {
      out.add(new Views.ActionButton("advance", phase == Phase.AWAITING_APPROVAL ? "Approve next stage" : "Advance now",
          true));
    }
    if (phase == Phase.PAUSED) {
      out.add(new Views.ActionButton("resume", "Resume", false));
    } else {
      out.add(new Views.ActionButton("pause", "Pause", false));
    }
    out.add(new Views.ActionButton("rollback", "Roll back", false));
    return out;
  }

  static String lastAnalysis(RolloutState s) {
    return s.analysis().latest().map(j -> j.verdict() + " at " + Ui.time(j.measurement().at()) + ": " + j.reason())
        .orElse("no measurement at this stage yet");
  }

  static String candidate(RolloutView v) {
    return Ui.pretty(v.candidate());
  }

  static String percent(double r) {
    return String.format(Locale.ROOT, "%.2f%%", r * 100);
  }

  private static String num(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
  }
}
