package io.rollgate.store.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.ApplyResult;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.testing.StoreFixture;
import io.rollgate.store.testing.WriterGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** A batch that cannot commit fails all its callers, acknowledges nothing, and the writer carries on. */
@ParameterizedClass(name = "{0}")
@EnumSource(Dialect.class)
class JournalCommitFailureTest {
  @Parameter
  Dialect dialect;

  private StoreFixture fx;

  @BeforeEach
  void open() {
    fx = StoreFixture.open(dialect);
    fx.sql("CREATE TABLE probe (id TEXT PRIMARY KEY)");
  }

  @AfterEach
  void close() {
    fx.close();
  }

  private static Command<Long> probe(String id) {
    return tx -> {
      tx.handle().createUpdate("INSERT INTO probe (id) VALUES (:id)").bind("id", id).execute();
      return tx.append("test.probe", id, "tester", Json.object().put("id", id));
    };
  }

  @Test
  void a_batch_whose_commit_fails_fails_every_future_with_journal_exception_and_the_writer_recovers()
      throws Exception {
    Journal journal = fx.journal();
    assertThat(journal.execute(probe("before"))).isEqualTo(1L);
    var headBefore = fx.reader().head();
    // the journal table disappears from under the writer (it is idle, so nothing blocks the DDL)
    fx.sql("ALTER TABLE journal RENAME TO journal_aside");

    var futures = new ArrayList<CompletableFuture<?>>();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (WriterGate gate = WriterGate.hold(journal)) {
      for (int i = 0; i < 5; i++) {
        futures.add(journal.submit(probe("doomed-" + i)));
      }
      futures.add(CompletableFuture.supplyAsync(() -> fx.policies()
          .put(PolicyName.of("doomed"), (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse("{\"a\":1}", "t"),
              "r", "alice"), caller));
      await().atMost(Duration.ofSeconds(10)).until(() -> journal.queueDepth() == 6);
      gate.release();
      // the gate appended nothing, so its own batch committed without the journal table
      assertThat(gate.held()).succeedsWithin(Duration.ofSeconds(10));
      for (var f : futures) {
        assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
            .havingCause().isInstanceOf(JournalException.class).withMessageStartingWith("journal commit failed");
      }
    } finally {
      caller.shutdownNow();
    }
    assertThat(journal.problem()).startsWith("last batch failed to commit");
    assertThat(journal.lastBatchSize()).as("the last committed batch was the gate's").isEqualTo(1);

    // nothing of the failed batch is left: no state, no entry, head unchanged
    assertThat(fx.queryLong("SELECT COUNT(*) FROM probe")).isEqualTo(1);
    assertThat(fx.queryLong("SELECT COUNT(*) FROM policies")).isZero();
    assertThat(fx.reader().head()).isEqualTo(headBefore);

    fx.sql("ALTER TABLE journal_aside RENAME TO journal");
    assertThat(journal.execute(probe("after"))).isEqualTo(2L);
    assertThat(journal.problem()).isNull();
    ApplyResult created = fx.policies().put(PolicyName.of("later"),
        (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse("{\"a\":1}", "t"), "r", "alice");
    assertThat(created.applied()).isTrue();
    assertThat(fx.entries()).extracting(JournalEntry::subject).containsExactly("before", "after", "later");
    assertThat(fx.queryLong("SELECT COUNT(*) FROM probe")).isEqualTo(2);
    assertThat(fx.reader().verify().ok()).isTrue();
  }

  @Test
  void a_batch_fails_when_its_database_is_gone_and_the_writer_thread_survives_to_report_it() throws Exception {
    Journal journal = fx.journal();
    journal.execute(probe("before"));
    fx.db().close();

    CompletableFuture<Long> f = journal.submit(probe("after-close"));

    assertThat(f).failsWithin(Duration.ofSeconds(20)).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(JournalException.class);
    assertThat(journal.problem()).startsWith("last batch failed to commit");
    // still running: it keeps taking commands (and keeps failing them) rather than dying
    CompletableFuture<Long> g = journal.submit(probe("again"));
    assertThat(g).failsWithin(Duration.ofSeconds(20)).withThrowableOfType(ExecutionException.class)
        .havingCause().isInstanceOf(JournalException.class);
    assertThat(journal.problem()).doesNotContain("not running");
  }
}
