package io.rollgate.rollout.judge;

import io.rollgate.rollout.Measurement;
import io.rollgate.rollout.RolloutSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Judges a running rollout from what the store keeps, so that nothing lives only in memory: the outcome
 * counters per second of arrival and per variant, and the rollout's transitions (which stage, at which
 * share, from when). Feed it every stored second in order ({@link #add}), then ask {@link #result}; a
 * new instance fed the same rows answers the same, which is how a restarted server picks up a rollout.
 *
 * <ul>
 *   <li>Seconds are grouped into buckets of {@link #bucketSeconds} (10 s, or a sixth of a shorter check
 *       interval), aligned to the epoch, and cut at every transition, so that a bucket never mixes two
 *       shares. A second in which the stage changed counts for the new stage (the transition's second).
 *   <li>The judge sees every bucket since the rollout started: the sequential judge's evidence is
 *       cumulative across stages (reference §7.1: it conditions each bucket on its own split, so pooling
 *       stages is unbiased, and its α holds for the whole rollout); the window judges look back one
 *       interval in the current stage.
 *   <li>The split check and the stage's counts (for the ceiling and minSamples) cover the current
 *       analysis only, since the stage began or the rollout was resumed: after an operator resumes a
 *       rollout that a mismatch paused, the split is tested afresh rather than re-failing on old rows.
 * </ul>
 */
public final class LiveJudge {
  /** Reference §8.1's bucket: b = 10 s. */
  public static final long MAX_BUCKET_SECONDS = 10;

  /** From {@code startSecond} (epoch) on, the rollout was at {@code stageIndex} with the candidate at {@code basisPoints}. */
  public record Segment(long startSecond, int stageIndex, int basisPoints) {}

  /** The outcomes reported in one second of arrival, per cohort. */
  public record Second(long second, long candidateRequests, long candidateErrors, long baselineRequests,
      long baselineErrors) {}

  private final Judge judge;
  private final Judge.Session session;
  private final List<Segment> segments;
  private final long analysisStart;
  private final long width;
  private int segment = -1;
  private long last = Long.MIN_VALUE;
  private Srm.Tally split = Srm.Tally.EMPTY;
  private long nc;
  private long ec;
  private long nb;
  private long eb;
  private Bucket open; // the bucket being filled

  /**
   * @param segments the rollout's transitions in order, at least the start
   * @param analysisStartedAt when the current analysis began (its second counts)
   */
  public LiveJudge(RolloutSpec spec, List<Segment> segments, Instant analysisStartedAt) {
    Objects.requireNonNull(spec, "spec");
    if (segments == null || segments.isEmpty()) {
      throw new IllegalArgumentException("a rollout has at least its start transition");
    }
    this.segments = List.copyOf(segments);
    this.analysisStart = analysisStartedAt.getEpochSecond();
    var settings = spec.analysis();
    this.judge = settings.judge().create();
    this.width = bucketSeconds(settings.interval());
    this.session = judge.session(JudgeContext.of(spec.stages(), settings.interval(), settings.minSamples()));
  }

  /** 10 s, or a sixth of the check interval when that is shorter (at least 1 s): six buckets per check. */
  public static long bucketSeconds(Duration interval) {
    return Math.max(1, Math.min(MAX_BUCKET_SECONDS, interval.toSeconds() / 6));
  }

  /** The next stored second; seconds come in increasing order, each once. */
  public void add(Second s) {
    if (s.second() <= last) {
      throw new IllegalArgumentException("seconds must come in increasing order: " + s.second() + " after " + last);
    }
    last = s.second();
    while (segment + 1 < segments.size() && segments.get(segment + 1).startSecond() <= s.second()) {
      segment++;
    }
    if (segment < 0) {
      return; // before the rollout started: not its traffic
    }
    Segment seg = segments.get(segment);
    long aligned = Math.floorDiv(s.second(), width) * width;
    long start = Math.max(aligned, seg.startSecond());
    // a bucket never spans two segments: a new segment starts a new bucket at its own second
    if (open != null && (open.start().getEpochSecond() != start || open.stageIndex() != seg.stageIndex()
        || open.candidateShareBasisPoints() != seg.basisPoints())) {
      flush();
    }
    Bucket b = new Bucket(Instant.ofEpochSecond(start), seg.stageIndex(), seg.basisPoints(), s.candidateRequests(),
        s.candidateErrors(), s.baselineRequests(), s.baselineErrors());
    open = open == null ? b : new Bucket(open.start(), open.stageIndex(), open.candidateShareBasisPoints(),
        open.candidateRequests() + b.candidateRequests(), open.candidateErrors() + b.candidateErrors(),
        open.baselineRequests() + b.baselineRequests(), open.baselineErrors() + b.baselineErrors());
    if (s.second() >= analysisStart) {
      split = split.plus(new Bucket(Instant.ofEpochSecond(s.second()), seg.stageIndex(), seg.basisPoints(),
          s.candidateRequests(), s.candidateErrors(), s.baselineRequests(), s.baselineErrors()));
      nc += s.candidateRequests();
      ec += s.candidateErrors();
      nb += s.baselineRequests();
      eb += s.baselineErrors();
    }
  }

  private void flush() {
    if (open != null) {
      session.add(open);
      open = null;
    }
  }

  /** The judge's verdict at {@code now} over every second fed, with the current analysis' counts and split. */
  public Measurement.Comparison result(Instant now) {
    flush();
    JudgeResult r = session.check(now);
    SrmResult srm = split.result();
    String status = switch (srm) {
      case SrmResult.Healthy h -> Measurement.Split.HEALTHY;
      case SrmResult.Mismatch m -> Measurement.Split.MISMATCH;
      case SrmResult.TooFewRequests t -> Measurement.Split.TOO_FEW;
    };
    var s = new Measurement.Split(status, srm.chiSquare(), srm.pValue(), srm.observedCandidate(),
        srm.expectedCandidate(), split.observedCandidate() + split.observedBaseline(), srm.reason());
    return new Measurement.Comparison(now, r.judge(), r.verdict(), r.statistic(), r.threshold(), r.reason(),
        new Measurement.Counts(nc, ec, nb, eb), s);
  }
}
