package io.rollgate.server.evaluate;

import io.rollgate.error.InvalidInputException;
import io.rollgate.policy.PolicyName;
import io.rollgate.rollout.Variant;
import io.rollgate.store.policy.PolicyStore;
import io.rollgate.store.policy.PolicyView;
import io.rollgate.store.rollout.RolloutStore;
import io.rollgate.store.rollout.RolloutView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one place where the server decides what a subject gets, used by {@code /api/v1/evaluate} and
 * by OFREP so that the two can never disagree. Outside a rollout, the current version. During one,
 * the subject's bucket decides (DESIGN.md §1); a missing or blank subject gets the baseline, never
 * something random. Reads only: nothing here goes through the journal.
 */
public final class Evaluator {
  /** Longest subject key accepted, in characters. */
  public static final int MAX_SUBJECT = 1_024;

  private final PolicyStore policies;
  private final RolloutStore rollouts;

  public Evaluator(PolicyStore policies, RolloutStore rollouts) {
    this.policies = policies;
    this.rollouts = rollouts;
  }

  /** Checks a subject key's length; {@code field} names it in the error (a query parameter, a context member). */
  public static String subject(String subject, String field) {
    if (subject != null && subject.length() > MAX_SUBJECT) {
      throw new InvalidInputException(field, "'" + field + "' is " + subject.length()
          + " characters long; the limit is " + MAX_SUBJECT);
    }
    return subject;
  }

  /** What {@code subject} (null when there is none) gets from {@code name}; empty when the policy does not exist. */
  public Optional<Evaluation> evaluate(PolicyName name, String subject) {
    return policies.get(name).map(current -> evaluate(current, rollouts.activeFor(name), subject));
  }

  /** What {@code subject} gets from every policy, in name order. */
  public List<Evaluation> evaluateAll(String subject) {
    Map<String, RolloutView> active = rollouts.active().stream()
        .collect(Collectors.toMap(RolloutView::policy, Function.identity(), (a, b) -> a));
    List<Evaluation> out = new ArrayList<>();
    for (PolicyView p : policies.list()) {
      out.add(evaluate(p, Optional.ofNullable(active.get(p.name())), subject));
    }
    return out;
  }

  private static Evaluation evaluate(PolicyView current, Optional<RolloutView> rollout, String subject) {
    // the policy and its rollout are two reads: a rollout that completed and was followed by another
    // in between starts from a newer version than the one read, and must not split it
    boolean splits = rollout.isPresent() && rollout.get().baselineVersion() == current.version();
    Optional<Evaluation.Rollout> shown = rollout.map(r ->
        new Evaluation.Rollout(r.id(), r.state().candidateBasisPoints(), splits));
    if (splits && rollout.get().variantFor(subject) == Variant.CANDIDATE) {
      RolloutView r = rollout.get();
      return new Evaluation(current.name(), r.candidate(), Variant.CANDIDATE, null, r.candidateHash(), shown);
    }
    return new Evaluation(current.name(), current.document(), Variant.BASELINE, current.version(),
        current.stateHash(), shown);
  }
}
