package io.rollgate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainVerifierTest {
  private static List<JournalEntry> chain(int n) {
    var out = new ArrayList<JournalEntry>();
    String prev = JournalEntry.GENESIS_HASH;
    for (int i = 1; i <= n; i++) {
      var e = JournalEntry.chain(i, Instant.ofEpochMilli(1_700_000_000_000L + i), "policy.applied", "limits", "alice",
          Json.object().put("version", i), prev);
      out.add(e);
      prev = e.hash();
    }
    return out;
  }

  private static ChainVerifier.Result verify(List<JournalEntry> entries) {
    var v = new ChainVerifier();
    entries.forEach(v::accept);
    JournalEntry last = entries.get(entries.size() - 1);
    v.checkHead(last.seq(), last.hash());
    return v.result();
  }

  @Test
  void a_clean_chain_verifies_and_reports_its_head() {
    var entries = chain(5);
    var r = verify(entries);
    assertThat(r.ok()).isTrue();
    assertThat(r.entries()).isEqualTo(5);
    assertThat(r.headHash()).isEqualTo(entries.get(4).hash());
    assertThat(r.firstBadSeq()).isNull();
  }

  @Test
  void the_hash_covers_prev_hash_and_every_field() {
    var e = chain(1).get(0);
    assertThat(e.hash()).hasSize(64).isEqualTo(e.recomputeHash());
    var changedActor = new JournalEntry(e.seq(), e.recordedAt(), e.type(), e.subject(), "mallory", e.payload(),
        e.prevHash(), e.hash());
    assertThat(changedActor.recomputeHash()).isNotEqualTo(e.hash());
  }

  @Test
  void tampered_content_is_found_at_its_seq() {
    var entries = chain(5);
    var e = entries.get(2);
    entries.set(2, new JournalEntry(e.seq(), e.recordedAt(), e.type(), e.subject(), e.actor(),
        Json.object().put("version", 99), e.prevHash(), e.hash()));
    var r = verify(entries);
    assertThat(r.ok()).isFalse();
    assertThat(r.firstBadSeq()).isEqualTo(3);
    assertThat(r.problem()).contains("entry 3 content does not match its hash");
  }

  @Test
  void a_deleted_entry_is_a_gap() {
    var entries = chain(5);
    entries.remove(1);
    var r = verify(entries);
    assertThat(r.ok()).isFalse();
    // the missing entry is the first bad one; everything before it verified
    assertThat(r.firstBadSeq()).isEqualTo(2);
    assertThat(r.headHash()).isEqualTo(entries.get(0).hash());
    assertThat(r.problem()).isEqualTo("expected seq 2 but found 3");
  }

  @Test
  void a_rehashed_forgery_breaks_the_next_link() {
    var entries = chain(4);
    var e = entries.get(1);
    // an attacker rewrites entry 2 and recomputes its own hash, but cannot fix entry 3's prevHash
    entries.set(1, JournalEntry.chain(2, e.recordedAt(), e.type(), e.subject(), e.actor(),
        Json.object().put("version", 77), e.prevHash()));
    var r = verify(entries);
    assertThat(r.ok()).isFalse();
    assertThat(r.firstBadSeq()).isEqualTo(3);
  }

  @Test
  void a_head_that_disagrees_with_the_chain_is_reported() {
    var entries = chain(3);
    var v = new ChainVerifier();
    entries.forEach(v::accept);
    v.checkHead(4, entries.get(2).hash());
    assertThat(v.result().ok()).isFalse();
    assertThat(v.result().problem()).contains("journal head says seq 4");
  }

  @Test
  void resuming_after_a_verified_prefix_checks_only_the_rest_and_its_link() {
    var entries = chain(6);
    var v = new ChainVerifier(3, entries.get(2).hash());
    entries.subList(3, 6).forEach(v::accept);
    v.checkHead(6, entries.get(5).hash());
    assertThat(v.result().ok()).isTrue();
    assertThat(v.result().entries()).isEqualTo(3);
    assertThat(v.verifiedSeq()).isEqualTo(6);

    var wrongAnchor = new ChainVerifier(3, entries.get(1).hash());
    entries.subList(3, 6).forEach(wrongAnchor::accept);
    assertThat(wrongAnchor.result().firstBadSeq()).isEqualTo(4);
    assertThat(wrongAnchor.verifiedSeq()).isEqualTo(3);

    var gap = new ChainVerifier(2, entries.get(1).hash());
    entries.subList(3, 6).forEach(gap::accept);
    assertThat(gap.result().problem()).isEqualTo("expected seq 3 but found 4");
  }
}
