package io.rollgate.server.incident;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.incident.Kind;
import io.rollgate.incident.Severity;
import io.rollgate.incident.Signal;
import io.rollgate.json.Json;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BridgesTest {
  private static JournalEntry entry(String type, String subject, String actor, ObjectNode payload) {
    return JournalEntry.chain(7, Instant.parse("2025-01-01T00:00:00Z"), type, subject, actor, payload,
        JournalEntry.GENESIS_HASH);
  }

  private static ObjectNode rollout() {
    return Json.object().put("rolloutId", "limits-2").put("reason", "1.96% > 0.40%");
  }

  @Test
  void rollout_troubles_of_one_policy_share_one_key_with_severity_by_how_bad() {
    Signal auto = Bridges.signalFor(entry("rollout.rolled_back", "limits", "reconciler", rollout())).orElseThrow();
    Signal manual = Bridges.signalFor(entry("rollout.rolled_back", "limits", "alice", rollout())).orElseThrow();
    Signal back = Bridges.signalFor(entry("rollout.stepped_back", "limits", "reconciler", rollout())).orElseThrow();
    Signal paused = Bridges.signalFor(entry("rollout.paused", "limits", "reconciler", rollout())).orElseThrow();

    assertThat(auto.severity()).isEqualTo(Severity.SEV2);
    assertThat(manual.severity()).isEqualTo(Severity.SEV3);
    assertThat(back.severity()).isEqualTo(Severity.SEV3);
    assertThat(paused.severity()).isEqualTo(Severity.SEV4);
    assertThat(auto.title()).isEqualTo("rollout limits-2 rolled back: 1.96% > 0.40%");
    assertThat(auto.details().path("journalSeq").asLong()).isEqualTo(7);
    assertThat(java.util.List.of(manual, back, paused)).extracting(Signal::dedupKey).containsOnly(auto.dedupKey());
  }

  @Test
  void a_person_pausing_is_not_a_signal_and_neither_are_other_entries() {
    assertThat(Bridges.signalFor(entry("rollout.paused", "limits", "alice", rollout()))).isEmpty();
    for (String type : java.util.List.of("rollout.advanced", "rollout.aborted", "policy.applied", "incident.created",
        "incident.updated", "incident.suppressed", "attestation.recovered")) {
      assertThat(Bridges.signalFor(entry(type, "limits", "reconciler", rollout()))).as(type).isEqualTo(Optional.empty());
    }
  }

  @Test
  void verification_and_attestation_failures_are_sev1_of_their_own_kinds() {
    Signal v = Bridges.signalFor(entry("policy.verification_failed", "limits", "system",
        Json.object().put("version", 3).put("problem", "version 3 re-hashes to abc"))).orElseThrow();
    ObjectNode att = Json.object().put("fullPass", true).put("firstBadSeq", 12);
    att.putArray("problems").add("entry 12 hash mismatch");
    Signal a = Bridges.signalFor(entry("attestation.failed", "attestor", "system", att)).orElseThrow();

    assertThat(v.kind()).isEqualTo(Kind.VERIFICATION_FAILURE);
    assertThat(v.severity()).isEqualTo(Severity.SEV1);
    assertThat(v.source()).isEqualTo("limits");
    assertThat(a.kind()).isEqualTo(Kind.ATTESTATION_FAILURE);
    assertThat(a.source()).isEqualTo("journal");
    assertThat(a.title()).endsWith("entry 12 hash mismatch");
  }
}
