package io.rollgate.store.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.audit.ChainVerifier;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * JournalReader.verify() recomputes the chain and names the first entry that does not verify. One
 * database per dialect for the whole class; each test starts from an empty journal (the writer
 * keeps no head in memory, it reads it from journal_head at every batch).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class ChainVerificationTest {
  private static final Map<Dialect, StoreFixture> FIXTURES = new EnumMap<>(Dialect.class);

  private static final int ENTRIES = 10;

  /** A change made with SQL behind the journal's back, and the first seq that no longer verifies. */
  enum Tamper {
    PAYLOAD("UPDATE journal SET payload = '{\"n\":400}' WHERE seq = 4", 4, "entry 4 content does not match its hash"),
    TYPE("UPDATE journal SET type = 'forged' WHERE seq = 7", 7, "entry 7 content does not match its hash"),
    ACTOR("UPDATE journal SET actor = 'mallory' WHERE seq = 9", 9, "entry 9 content does not match its hash"),
    RECORDED_AT("UPDATE journal SET recorded_at = recorded_at + 1 WHERE seq = 2", 2, "entry 2 content does not match"),
    HASH("UPDATE journal SET hash = (SELECT j.hash FROM journal j WHERE j.seq = 2) WHERE seq = 3", 3,
        "entry 3 content does not match its hash"),
    PREV_HASH("UPDATE journal SET prev_hash = (SELECT j.hash FROM journal j WHERE j.seq = 4) WHERE seq = 6", 6,
        "entry 6 links to"),
    DELETE_FIRST("DELETE FROM journal WHERE seq = 1", 1, "expected seq 1 but found 2"),
    DELETE_MIDDLE("DELETE FROM journal WHERE seq = 5", 5, "expected seq 5 but found 6"),
    DELETE_LAST("DELETE FROM journal WHERE seq = 10", 10, "journal head says seq 10"),
    HEAD_HASH("UPDATE journal_head SET hash = (SELECT j.hash FROM journal j WHERE j.seq = 9)", 10,
        "journal head says seq 10");

    final String sql;
    final long firstBadSeq;
    final String problem;

    Tamper(String sql, long firstBadSeq, String problem) {
      this.sql = sql;
      this.firstBadSeq = firstBadSeq;
      this.problem = problem;
    }
  }

  @Parameter
  Dialect dialect;

  private StoreFixture fx;

  @BeforeEach
  void emptyJournal() {
    fx = FIXTURES.computeIfAbsent(dialect, StoreFixture::open);
    fx.sql("DELETE FROM journal",
        "UPDATE journal_head SET seq = 0, hash = '" + JournalEntry.GENESIS_HASH + "' WHERE id = 1");
  }

  @AfterAll
  static void close() {
    FIXTURES.values().forEach(StoreFixture::close);
    FIXTURES.clear();
  }

  @Test
  void an_empty_journal_verifies_at_the_genesis_hash() {
    ChainVerifier.Result r = fx.reader().verify();

    assertThat(r.ok()).isTrue();
    assertThat(r.entries()).isZero();
    assertThat(r.headHash()).isEqualTo(JournalEntry.GENESIS_HASH);
    assertThat(fx.reader().head()).isEqualTo(new JournalReader.Head(0, JournalEntry.GENESIS_HASH));
  }

  @Test
  void a_healthy_journal_verifies_and_reports_its_head() {
    writeEntries();

    ChainVerifier.Result r = fx.reader().verify();

    List<JournalEntry> all = fx.entries();
    assertThat(all).extracting(JournalEntry::seq).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.get(i).prevHash()).isEqualTo(all.get(i - 1).hash());
    }
    assertThat(r.ok()).isTrue();
    assertThat(r.entries()).isEqualTo(ENTRIES);
    assertThat(r.firstBadSeq()).isNull();
    assertThat(r.problem()).isNull();
    assertThat(r.headHash()).isEqualTo(all.get(ENTRIES - 1).hash()).isEqualTo(fx.reader().head().hash());
  }

  @ParameterizedTest
  @EnumSource(Tamper.class)
  void tampering_with_the_stored_journal_is_reported_at_the_first_bad_seq(Tamper tamper) {
    writeEntries();
    assertThat(fx.reader().verify().ok()).isTrue();

    fx.sql(tamper.sql);
    ChainVerifier.Result r = fx.reader().verify();

    assertThat(r.ok()).isFalse();
    assertThat(r.firstBadSeq()).isEqualTo(tamper.firstBadSeq);
    assertThat(r.problem()).contains(tamper.problem);
    assertThat(r.entries()).isEqualTo(fx.reader().count());
    if (tamper == Tamper.HEAD_HASH) {
      return; // every entry verified; only the stored head disagrees with them
    }
    // everything before the first bad seq still verifies, so the reported head is the last good entry's hash
    String lastGood = tamper.firstBadSeq == 1 ? JournalEntry.GENESIS_HASH
        : fx.entries().stream().filter(e -> e.seq() == tamper.firstBadSeq - 1).findFirst().orElseThrow().hash();
    assertThat(r.headHash()).isEqualTo(lastGood);
  }

  @Test
  void a_row_forged_past_the_stored_head_is_reported() {
    writeEntries();
    JournalEntry last = fx.entries().get(ENTRIES - 1);
    // a correctly chained entry 11 inserted behind the writer's back: the head still says 10
    JournalEntry forged = JournalEntry.chain(11, last.recordedAt(), "test.event", "chain", "mallory",
        Json.object().put("n", 11), last.hash());
    fx.sql("INSERT INTO journal (seq, recorded_at, type, subject, actor, payload, prev_hash, hash) VALUES (11, "
        + forged.recordedAt().toEpochMilli() + ", 'test.event', 'chain', 'mallory', '{\"n\":11}', '"
        + forged.prevHash() + "', '" + forged.hash() + "')");

    ChainVerifier.Result r = fx.reader().verify();

    assertThat(r.ok()).isFalse();
    assertThat(r.entries()).isEqualTo(ENTRIES + 1);
    assertThat(r.problem()).contains("journal head says seq 10").contains("chain ends at seq 11");
  }

  @Test
  void an_incremental_pass_reads_only_the_entries_after_its_anchor() {
    writeEntries();
    var full = fx.reader().verify();
    assertThat(full.verifiedSeq()).isEqualTo(ENTRIES);
    writeEntries();

    var incremental = fx.reader().verifyAfter(full.verifiedSeq(), full.headHash());

    assertThat(incremental.ok()).isTrue();
    assertThat(incremental.entries()).isEqualTo(ENTRIES);
    assertThat(incremental.verifiedSeq()).isEqualTo(2 * ENTRIES);
    assertThat(incremental.headHash()).isEqualTo(fx.reader().head().hash());
  }

  @Test
  void an_incremental_pass_finds_tampering_after_its_anchor() {
    writeEntries();
    var full = fx.reader().verify();
    writeEntries();
    fx.sql("UPDATE journal SET actor = 'mallory' WHERE seq = 13");

    var r = fx.reader().verifyAfter(full.verifiedSeq(), full.headHash());

    assertThat(r.ok()).isFalse();
    assertThat(r.firstBadSeq()).isEqualTo(13);
    assertThat(r.entries()).isEqualTo(ENTRIES);
  }

  @Test
  void a_rewritten_anchor_falls_back_to_a_full_pass_that_names_the_first_bad_entry() {
    writeEntries();
    var full = fx.reader().verify();
    // the whole chain re-hashed from entry 4 on would carry a different hash at the anchor; so does this
    fx.sql("UPDATE journal SET payload = '{\"n\":400}' WHERE seq = 4",
        "UPDATE journal SET hash = '" + "f".repeat(64) + "' WHERE seq = " + ENTRIES);

    var r = fx.reader().verifyAfter(full.verifiedSeq(), full.headHash());

    assertThat(r.ok()).isFalse();
    assertThat(r.firstBadSeq()).isEqualTo(4);
    assertThat(r.entries()).isEqualTo(ENTRIES);
  }

  @Test
  void an_incremental_pass_does_not_reread_the_verified_prefix_which_is_what_the_full_pass_is_for() {
    writeEntries();
    var full = fx.reader().verify();
    fx.sql("UPDATE journal SET payload = '{\"n\":400}' WHERE seq = 4");

    assertThat(fx.reader().verifyAfter(full.verifiedSeq(), full.headHash()).ok()).isTrue();
    assertThat(fx.reader().verify().firstBadSeq()).isEqualTo(4);
  }

  /** Ten entries in several batches, some commands appending more than one. */
  private void writeEntries() {
    var journal = fx.journal();
    int n = 0;
    for (int perCommand : new int[] {1, 3, 2, 1, 3}) {
      int first = n + 1;
      journal.execute(tx -> {
        for (int i = 0; i < perCommand; i++) {
          tx.append("test.event", "chain", "tester", Json.object().put("n", first + i));
        }
        return null;
      });
      n += perCommand;
      fx.clock.advanceSeconds(1);
    }
    assertThat(n).isEqualTo(ENTRIES);
  }
}
