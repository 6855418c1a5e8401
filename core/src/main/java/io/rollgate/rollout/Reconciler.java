package io.rollgate.rollout;

import io.rollgate.error.ConflictException;
import io.rollgate.error.ForbiddenException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The rollout state machine as pure functions: state + now + evidence → {@link Step}. No clock, no
 * I/O; the loop supplies {@code now} and the measurement, the store journals the step.
 *
 * <p>Rules of {@link #decide}, in order, after judging and recording the new measurement:
 * <ol>
 *   <li>terminal phases and PAUSED do not move (a paused rollout ignores measurements);
 *   <li>a measurement taken before the current analysis began, or after {@code now}, is ignored (stale);
 *   <li>failures &gt; failureLimit: step back one stage ({@link OnFailure#STEP_BACK}), or roll back when
 *       at the first stage or when onFailure is ABORT — this applies while awaiting approval too;
 *   <li>consecutive provider errors &gt; consecutiveErrorLimit: pause;
 *   <li>the new measurement is a comparison whose split check found a sample ratio mismatch, and the
 *       judge did not FAIL at the same check: pause with reason {@link #SAMPLE_RATIO_MISMATCH} (also while
 *       awaiting approval). A failing judge is never hidden by it: a FAIL is counted first (rule 3), and
 *       when it breaches the failure limit the step back or rollback wins;
 *   <li>awaiting approval: stay (never advances on its own);
 *   <li>before the stage's minimum duration: stay;
 *   <li>the stage <em>passes</em> when its newest measurement is a PASS no older than one interval (so
 *       there is at least one PASS in this stage, nothing after it disagrees, and it is not stale), and
 *       the failure limit holds (rule 3). Then: the last stage completes; a next stage that requires
 *       approval → AWAITING_APPROVAL; otherwise advance. Every stage needs its pass, the 100% stage and
 *       stages with minimum duration 0 included: completing is irreversible, so it needs evidence at 100%;
 *   <li>no pass by max(stage start + minimum duration, analysis start) + one interval: pause, saying why;
 *   <li>otherwise stay.
 * </ol>
 */
public final class Reconciler {
  /**
   * How the reason of a pause for a broken split begins (and the journal's {@code cause}): the cohorts do
   * not follow the stage's share, so the judge's numbers cannot be trusted; an operator looks, then resumes.
   */
  public static final String SAMPLE_RATIO_MISMATCH = "sample_ratio_mismatch";

  private Reconciler() {}

  /** One reconciliation: {@code measurement} is the provider's newest reading, if one was taken. */
  public static Step decide(RolloutState s, Instant now, Optional<Measurement> measurement) {
    if (s.phase().isTerminal()) {
      return stay(s, "rollout is " + s.phase() + "; nothing to do", Optional.empty());
    }
    if (s.phase() == Phase.PAUSED) {
      return stay(s, "paused: " + s.reason(), s.analysis().latest());
    }
    Stage stage = s.stage();
    AnalysisSettings settings = s.spec().analysis();
    Optional<Judged> judged = Optional.empty();
    if (measurement.isPresent()) {
      Measurement m = measurement.get();
      if (m.at().isBefore(s.analysisStartedAt()) || m.at().isAfter(now)) {
        return stay(s, "ignored a measurement taken at " + m.at() + ": outside the current analysis ("
            + s.analysisStartedAt() + " to " + now + ")", s.analysis().latest());
      }
      judged = Optional.of(Judged.of(m, s.stageIndex(), stage, settings));
    }
    StageAnalysis a = judged.map(s.analysis()::with).orElse(s.analysis());
    RolloutState measured = s.withAnalysis(a);
    Optional<Judged> evidence = judged.or(a::latest);
    String latest = evidence.map(j -> "latest: " + j.reason()).orElse("no measurement yet");

    if (settings.failed(a.failures())) {
      String why = "stage " + stage + " failed its analysis: " + a.failures() + " failure(s) > failureLimit "
          + settings.failureLimit() + "; " + latest;
      if (s.spec().onFailure() == OnFailure.ABORT) {
        return rollBack(measured, "onFailure is abort: " + why + "; everyone returns to the baseline", evidence);
      }
      if (s.stageIndex() == 0) {
        return rollBack(measured, why + "; no earlier stage, everyone returns to the baseline", evidence);
      }
      int back = s.stageIndex() - 1;
      Stage to = s.spec().stages().get(back);
      String r = why + "; stepping back to " + to;
      return auto(new Decision.StepBack(back, to, r, evidence), measured.atStage(back, now, r, "step back"));
    }
    if (settings.errored(a.consecutiveErrors())) {
      String r = "paused at stage " + stage + ": " + a.consecutiveErrors() + " consecutive provider errors > "
          + "consecutiveErrorLimit " + settings.consecutiveErrorLimit() + "; " + latest;
      return auto(new Decision.Pause(r, evidence), measured.to(Phase.PAUSED, r, "pause"));
    }
    Optional<Measurement.Split> mismatch = judged.filter(j -> j.verdict() != Verdict.FAIL)
        .map(Judged::measurement).filter(Measurement.Comparison.class::isInstance)
        .map(m -> ((Measurement.Comparison) m).split()).filter(Measurement.Split::isMismatch);
    if (mismatch.isPresent()) {
      String r = SAMPLE_RATIO_MISMATCH + ": paused at stage " + stage + ": " + mismatch.get().sentence() + "; "
          + latest;
      return auto(new Decision.Pause(r, evidence), measured.to(Phase.PAUSED, r, "pause"));
    }
    if (s.phase() == Phase.AWAITING_APPROVAL) {
      Stage next = s.spec().stages().get(s.stageIndex() + 1);
      return stay(measured, "waiting for an approval to enter " + next + "; stage " + stage + " " + latest,
          evidence);
    }
    Duration elapsed = Duration.between(s.stageStartedAt(), now);
    if (elapsed.compareTo(stage.minDuration()) < 0) {
      return stay(measured, "stage " + stage + ": minimum duration not met, " + Text.duration(elapsed) + " of "
          + Text.duration(stage.minDuration()) + " (" + Text.duration(stage.minDuration().minus(elapsed))
          + " left); " + latest, evidence);
    }
    Optional<Judged> newest = a.latest();
    boolean passes = newest.isPresent() && newest.get().verdict() == Verdict.PASS
        && !newest.get().measurement().at().isBefore(now.minus(settings.interval()));
    if (passes) {
      String because = "stage " + stage + " passed after " + Text.duration(elapsed) + " (" + a.summary() + "; "
          + newest.get().reason() + ")";
      if (s.spec().stages().isLast(s.stageIndex())) {
        String r = because + "; the candidate becomes the current version";
        return auto(new Decision.Complete(r, newest), measured.to(Phase.COMPLETED, r, "complete"));
      }
      int nextIndex = s.stageIndex() + 1;
      Stage next = s.spec().stages().get(nextIndex);
      if (next.requiresApproval()) {
        String r = because + "; " + next + " requires an approval";
        return auto(new Decision.AwaitApproval(nextIndex, next, r, newest),
            measured.to(Phase.AWAITING_APPROVAL, r, "await approval"));
      }
      String r = because + "; advancing to " + next;
      return auto(new Decision.Advance(nextIndex, next, r, newest), measured.atStage(nextIndex, now, r, "advance"));
    }
    Instant earliest = s.stageStartedAt().plus(stage.minDuration());
    if (earliest.isBefore(s.analysisStartedAt())) {
      earliest = s.analysisStartedAt();
    }
    Instant deadline = earliest.plus(settings.interval());
    String notYet = newest.isEmpty() ? "no measurement in this analysis"
        : newest.get().verdict() == Verdict.PASS
            ? "the newest pass (" + newest.get().measurement().at() + ") is older than one interval ("
                + Text.duration(settings.interval()) + ")"
            : "latest: " + newest.get().reason();
    if (!now.isBefore(deadline)) {
      String r = "paused at stage " + stage + ": no passing analysis " + Text.duration(elapsed) + " into the stage, "
          + "past its minimum duration plus one interval (" + a.summary() + "; " + notYet + ")";
      return auto(new Decision.Pause(r, evidence), measured.to(Phase.PAUSED, r, "pause"));
    }
    return stay(measured, "stage " + stage + ": minimum duration met, waiting for a passing measurement until "
        + deadline + " (" + notYet + ")", evidence);
  }

  /**
   * Approve the next stage, or force an advance (an admin override of the analysis): to the next stage,
   * or COMPLETED from the last. Four-eyes: the author may not, unless the rollout allows self-approval.
   *
   * @throws ForbiddenException the actor is the author and selfApproval is off (403)
   * @throws ConflictException the rollout is paused or finished (409)
   */
  public static Step advance(RolloutState s, Instant now, String actor, String reason) {
    Text.requireText("actor", actor, 200);
    Text.requireText("reason", reason, 1_000);
    if (actor.equals(s.spec().author()) && !s.spec().selfApproval()) {
      throw new ForbiddenException("four-eyes: '" + actor + "' created this rollout and may not approve or "
          + "advance it; another admin must (or create the rollout with selfApproval)");
    }
    if (s.phase() == Phase.PAUSED) {
      throw new ConflictException("cannot advance: rollout is PAUSED at stage " + s.stage() + "; resume it first");
    }
    Optional<Judged> evidence = s.analysis().latest();
    boolean last = s.spec().stages().isLast(s.stageIndex()) && s.phase() != Phase.AWAITING_APPROVAL;
    if (last) {
      String r = "completed by " + actor + " at stage " + s.stage() + ": " + reason
          + "; the candidate becomes the current version";
      return new Step(new Decision.Complete(r, evidence), s.to(Phase.COMPLETED, r, "advance"), actor);
    }
    s.phase().requireTransition(Phase.PROGRESSING, "advance");
    int nextIndex = s.stageIndex() + 1;
    Stage next = s.spec().stages().get(nextIndex);
    String r = (s.phase() == Phase.AWAITING_APPROVAL ? "approved by " : "advanced by ") + actor + " from "
        + s.stage() + " to " + next + ": " + reason;
    return new Step(new Decision.Advance(nextIndex, next, r, evidence), s.atStage(nextIndex, now, r, "advance"),
        actor);
  }

  /** Hold the rollout at its stage until resumed. */
  public static Step pause(RolloutState s, Instant now, String actor, String reason) {
    String r = manualReason("paused", s, actor, reason);
    return new Step(new Decision.Pause(r, s.analysis().latest()), s.to(Phase.PAUSED, r, "pause"), actor);
  }

  /**
   * Resume a paused rollout: PROGRESSING at the same stage; the time already spent there still counts
   * towards its minimum duration, but the analysis starts afresh (the evidence before the pause is
   * what paused it), so a new pass is needed.
   */
  public static Step resume(RolloutState s, Instant now, String actor, String reason) {
    String r = manualReason("resumed", s, actor, reason);
    if (s.phase() != Phase.PAUSED) {
      throw new ConflictException("cannot resume: rollout is " + s.phase() + ", not PAUSED");
    }
    s.phase().requireTransition(Phase.PROGRESSING, "resume");
    RolloutState next = new RolloutState(s.spec(), Phase.PROGRESSING, s.stageIndex(), s.stageStartedAt(), now,
        StageAnalysis.EMPTY, r);
    return new Step(new Decision.Resume(r, Optional.empty()), next, actor);
  }

  /** The candidate is bad: everyone back to the baseline, ROLLED_BACK. */
  public static Step rollBack(RolloutState s, Instant now, String actor, String reason) {
    String r = manualReason("rolled back", s, actor, reason) + "; everyone returns to the baseline";
    return new Step(new Decision.RollBack(r, s.analysis().latest()), s.to(Phase.ROLLED_BACK, r, "roll back"),
        actor);
  }

  /**
   * Move to stage {@code index} at once (a playbook's set-percentage). Down is a step back that removes
   * the newest cohorts; up is an advance that skips the analysis of the stages in between (the playbook
   * makes that wait for an approval). The stage's minimum duration and analysis start afresh; a paused
   * rollout stays paused at the new stage, anything else running is PROGRESSING there. It never completes:
   * completing needs a passing analysis at the last stage.
   *
   * @throws ConflictException the rollout is finished, or already at that stage
   */
  public static Step setStage(RolloutState s, Instant now, int index, String actor, String reason) {
    Text.requireText("actor", actor, 200);
    Text.requireText("reason", reason, 1_000);
    if (s.phase().isTerminal()) {
      throw new ConflictException("cannot set the stage: rollout is " + s.phase() + " (" + s.phase()
          + " is terminal)");
    }
    if (index == s.stageIndex()) {
      throw new ConflictException("cannot set the stage: rollout is at stage " + s.stage() + " already");
    }
    Stage to = s.spec().stages().get(index);
    boolean up = index > s.stageIndex();
    String r = (up ? "raised" : "lowered") + " by " + actor + " from " + s.stage() + " to " + to + ": " + reason;
    Phase phase = s.phase() == Phase.PAUSED ? Phase.PAUSED : s.phase().requireTransition(Phase.PROGRESSING,
        "set the stage");
    RolloutState next = new RolloutState(s.spec(), phase, index, now, now, StageAnalysis.EMPTY, r);
    Optional<Judged> evidence = s.analysis().latest();
    Decision d = up ? new Decision.Advance(index, to, r, evidence) : new Decision.StepBack(index, to, r, evidence);
    return new Step(d, next, actor);
  }

  /** Stop the rollout for any other reason: everyone back to the baseline, ABORTED. */
  public static Step abort(RolloutState s, Instant now, String actor, String reason) {
    String r = manualReason("aborted", s, actor, reason) + "; everyone returns to the baseline";
    return new Step(new Decision.Abort(r, s.analysis().latest()), s.to(Phase.ABORTED, r, "abort"), actor);
  }

  private static String manualReason(String verb, RolloutState s, String actor, String reason) {
    Text.requireText("actor", actor, 200);
    Text.requireText("reason", reason, 1_000);
    return verb + " by " + actor + " at stage " + s.stage() + ": " + reason;
  }

  private static Step stay(RolloutState s, String reason, Optional<Judged> evidence) {
    return new Step(new Decision.Stay(reason, evidence), s, Step.RECONCILER);
  }

  private static Step rollBack(RolloutState s, String reason, Optional<Judged> evidence) {
    return auto(new Decision.RollBack(reason, evidence), s.to(Phase.ROLLED_BACK, reason, "roll back"));
  }

  private static Step auto(Decision d, RolloutState next) {
    return new Step(d, next, Step.RECONCILER);
  }
}
