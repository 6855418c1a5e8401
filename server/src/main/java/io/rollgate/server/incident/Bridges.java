package io.rollgate.server.incident;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.json.Json;
import io.rollgate.rollout.Reconciler;
import io.rollgate.rollout.Step;
import java.util.Optional;

/**
 * Which journal entries are signals, and how bad: a pure mapping, so the listener on the writer
 * thread only reads and hands off. All of a policy's rollout troubles share one dedup key
 * ({@code rollout_regression}, policy), so a step back followed by a rollback is one incident.
 */
final class Bridges {
  /** The source of attestation failures: the attestor checks the journal chain and every state hash. */
  static final String ATTESTED = "journal";

  private Bridges() {}

  static Optional<Signal> signalFor(JournalEntry e) {
    ObjectNode p = e.payload();
    ObjectNode details = Json.object().put("journalSeq", e.seq()).put("entryType", e.type()).put("actor", e.actor());
    String reason = p.path("reason").asText("");
    boolean automatic = Step.RECONCILER.equals(e.actor());
    return switch (e.type()) {
      case "rollout.rolled_back" -> {
        details.put("rolloutId", p.path("rolloutId").asText());
        details.set("evidence", p.path("evidence"));
        // the reconciler rolled back on evidence: a regression; a person doing it is reacting to one
        yield Optional.of(new Signal(Kind.ROLLOUT_REGRESSION, automatic ? Severity.SEV2 : Severity.SEV3, e.subject(),
            "rollout " + p.path("rolloutId").asText() + " rolled back" + (automatic ? "" : " by " + e.actor())
                + ": " + reason, details));
      }
      case "rollout.stepped_back" -> {
        if (!automatic) {
          yield Optional.empty(); // a person lowering the share (a playbook's set-percentage) is mitigating
        }
        details.put("rolloutId", p.path("rolloutId").asText());
        details.set("evidence", p.path("evidence"));
        yield Optional.of(new Signal(Kind.ROLLOUT_REGRESSION, Severity.SEV3, e.subject(),
            "rollout " + p.path("rolloutId").asText() + " stepped back: " + reason, details));
      }
      case "rollout.paused" -> {
        if (!automatic) {
          yield Optional.empty(); // an operator pausing is taking care, not a failure
        }
        details.put("rolloutId", p.path("rolloutId").asText());
        if (Reconciler.SAMPLE_RATIO_MISMATCH.equals(p.path("cause").asText())) {
          // the cohorts are not what the stage says (a bucketing or reporting bug): the judge cannot be trusted
          // and someone must look before resuming, so more than a pause for want of evidence; the rollout is
          // held, so no more users are exposed than before: not a regression's SEV2
          details.put("cause", Reconciler.SAMPLE_RATIO_MISMATCH);
          details.set("srm", p.path("srm"));
          yield Optional.of(new Signal(Kind.ROLLOUT_REGRESSION, Severity.SEV3, e.subject(),
              "rollout " + p.path("rolloutId").asText() + " held on a sample ratio mismatch: " + reason, details));
        }
        yield Optional.of(new Signal(Kind.ROLLOUT_REGRESSION, Severity.SEV4, e.subject(),
            "rollout " + p.path("rolloutId").asText() + " paused by its analysis: " + reason, details));
      }
      case "policy.verification_failed" -> {
        details.put("version", p.path("version").asInt()).put("problem", p.path("problem").asText());
        yield Optional.of(new Signal(Kind.VERIFICATION_FAILURE, Severity.SEV1, e.subject(),
            "policy '" + e.subject() + "' failed its verification barrier: " + p.path("problem").asText(), details));
      }
      case "attestation.failed" -> {
        details.set("problems", p.path("problems"));
        details.set("firstBadSeq", p.path("firstBadSeq"));
        String first = p.path("problems").path(0).asText("see the journal entry");
        yield Optional.of(new Signal(Kind.ATTESTATION_FAILURE, Severity.SEV1, ATTESTED,
            "attestation of the journal and stored state hashes failed: " + first, details));
      }
      default -> Optional.empty();
    };
  }
}
