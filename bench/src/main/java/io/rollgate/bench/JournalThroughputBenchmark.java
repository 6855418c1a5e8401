package io.rollgate.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.rollgate.audit.ChainVerifier;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.journal.JournalReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable journal throughput with 64 concurrent submitters, side by side with two baselines in the
 * same run (docs/BENCHMARKS.md):
 *
 * <ul>
 *   <li>{@code journal}: {@link Journal#execute} of a command appending one audit entry; returns
 *       after its batch is durable (group commit).
 *   <li>{@code naiveTxPerEntry} (baseline a): what a naive audit log does. Each of the 64 threads
 *       takes a connection from a 64-connection pool and, in one serialised transaction per entry,
 *       reads the last row's hash, chains the entry (same JCS + SHA-256 as the journal), inserts
 *       it and commits durably.
 *   <li>{@code rawBatchedInsert} (baseline b, the ceiling): one thread inserting precomputed rows
 *       of the same shape with JDBC {@code addBatch/executeBatch}, {@code rawBatch} rows per
 *       durable commit, no chain, no guards, no savepoints. The primary score counts durable
 *       batches/s; the secondary {@code rows} metric is the ceiling in rows/s. With 64 submitters
 *       that each wait for their acknowledgement, a journal batch holds at most 64 entries and
 *       typically 45–60, hence {@code rawBatch} 64 (the strictest ceiling) and 48.
 * </ul>
 *
 * Every trial gets a fresh database (SQLite WAL + {@code synchronous=FULL}; PostgreSQL
 * {@code synchronous_commit=on}, embedded real binaries). Each trial checks its chain afterwards.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(64)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 10)
public class JournalThroughputBenchmark {

  private static final String INSERT = """
      INSERT INTO journal (seq, recorded_at, type, subject, actor, payload, prev_hash, hash)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """;

  @State(Scope.Benchmark)
  public static class Env {
    @Param({"SQLITE", "POSTGRESQL"})
    public Dialect dialect;
  }

  /** One submitting thread: its own subject, actor and entry counter. */
  @State(Scope.Thread)
  public static class Submitter {
    private static final AtomicInteger IDS = new AtomicInteger();
    int id;
    long n;

    @Setup(Level.Trial)
    public void setUp() {
      id = IDS.getAndIncrement();
    }
  }

  @State(Scope.Benchmark)
  public static class JournalState {
    BenchDatabases dbs;
    Journal journal;
    private long batchesAtStart;
    private long commandsAtStart;
    private long startNanos;

    @Setup(Level.Trial)
    public void setUp(Env env) {
      dbs = BenchDatabases.open(env.dialect);
      journal = new Journal(dbs.db, Clock.systemUTC(), JournalConfig.DEFAULTS);
    }

    @Setup(Level.Iteration)
    public void markIteration() {
      batchesAtStart = journal.batches();
      commandsAtStart = journal.committedCommands();
      startNanos = System.nanoTime();
    }

    @TearDown(Level.Iteration)
    public void reportIteration() {
      long b = journal.batches() - batchesAtStart;
      long c = journal.committedCommands() - commandsAtStart;
      System.out.printf("%n[journal %s] iteration: %.0f commands/s committed, %d in %d batches, average batch %.1f%n",
          dbs.dialect, c / ((System.nanoTime() - startNanos) / 1e9), c, b, b == 0 ? 0.0 : (double) c / b);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      journal.close();
      System.out.printf("[journal %s] total: %d commands in %d batches, average batch %.1f, saturations %d%n",
          dbs.dialect, journal.committedCommands(), journal.batches(),
          (double) journal.committedCommands() / Math.max(1, journal.batches()), journal.saturations());
      if (Boolean.parseBoolean(System.getProperty("rollgate.bench.verify", "true"))) {
        long t0 = System.nanoTime();
        ChainVerifier.Result r = new JournalReader(dbs.db).verify();
        System.out.printf("[journal %s] chain verify: ok=%s entries=%d (%d ms)%n", dbs.dialect, r.ok(), r.entries(),
            (System.nanoTime() - t0) / 1_000_000);
        if (!r.ok()) {
          throw new IllegalStateException("journal chain broken: " + r.problem());
        }
      }
      dbs.close();
    }
  }

  @State(Scope.Benchmark)
  public static class NaiveState {
    BenchDatabases dbs;
    HikariDataSource pool;
    String beginSql;
    ReentrantLock sqliteTurn;

    @Setup(Level.Trial)
    public void setUp(Env env) {
      dbs = BenchDatabases.open(env.dialect);
      pool = dbs.writerPool("naive", 64);
      // serialise the writers, else two transactions read the same last hash and fork the chain:
      // SQLite takes its write lock up front; PostgreSQL takes a transaction-scoped advisory lock
      // (granted in FIFO order)
      beginSql = env.dialect == Dialect.SQLITE ? "BEGIN IMMEDIATE" : "BEGIN; SELECT pg_advisory_xact_lock(4242)";
      // SQLite's own wait for the write lock is a sleep-and-retry busy handler: with 64 writers it
      // starves some past any busy timeout ("database is locked") and lets a few threads take
      // every turn, which also breaks JMH's per-thread scores. A fair in-process lock in front of
      // BEGIN IMMEDIATE gives the naive design its best case: one durable commit after another.
      sqliteTurn = env.dialect == Dialect.SQLITE ? new ReentrantLock(true) : null;
    }

    private long rowsAtStart;
    private long startNanos;

    @Setup(Level.Iteration)
    public void markIteration() {
      rowsAtStart = rows(dbs);
      startNanos = System.nanoTime();
    }

    @TearDown(Level.Iteration)
    public void reportIteration() {
      double secs = (System.nanoTime() - startNanos) / 1e9;
      System.out.printf("%n[naive %s] iteration: %.0f rows/s committed (counted in the table)%n", dbs.dialect,
          (rows(dbs) - rowsAtStart) / secs);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
      pool.close();
      if (Boolean.parseBoolean(System.getProperty("rollgate.bench.verify", "true"))) {
        long t0 = System.nanoTime();
        var verifier = new ChainVerifier();
        dbs.db.reads().useHandle(h -> {
          try (var rows = h.createQuery("""
                  SELECT seq, recorded_at, type, subject, actor, payload, prev_hash, hash FROM journal ORDER BY seq
                  """)
              .setFetchSize(1000)
              .map((rs, ctx) -> new JournalEntry(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                  rs.getString(4), rs.getString(5), Json.parseStoredObject(rs.getString(6)), rs.getString(7),
                  rs.getString(8)))
              .stream()) {
            rows.forEach(verifier::accept);
          }
        });
        ChainVerifier.Result r = verifier.result();
        System.out.printf("[naive %s] chain verify: ok=%s entries=%d (%d ms)%n", dbs.dialect, r.ok(), r.entries(),
            (System.nanoTime() - t0) / 1_000_000);
        if (!r.ok()) {
          throw new IllegalStateException("naive chain broken: " + r.problem());
        }
      }
      dbs.close();
    }
  }

  @State(Scope.Benchmark)
  public static class RawState {
    @Param({"48", "64"})
    public int rawBatch;
    BenchDatabases dbs;
    Connection conn;
    PreparedStatement insert;
    String[][] rows;
    long seq;

    @Setup(Level.Trial)
    public void setUp(Env env) throws SQLException {
      dbs = BenchDatabases.open(env.dialect);
      // the journal writer's own one-connection pool: same pragmas, same transaction mode
      conn = dbs.db.writerSource().getConnection();
      conn.setAutoCommit(false);
      insert = conn.prepareStatement(INSERT);
      // precomputed strings of real chained entries: {type, subject, actor, payload, prevHash, hash}
      rows = new String[4096][];
      String prev = JournalEntry.GENESIS_HASH;
      long now = System.currentTimeMillis();
      for (int i = 0; i < rows.length; i++) {
        JournalEntry e = AuditWorkload.entry(i + 1, now, i % 64, i, prev);
        rows[i] = new String[] {e.type(), e.subject(), e.actor(), Canonical.canonicalize(e.payload()), e.prevHash(),
            e.hash()};
        prev = e.hash();
      }
    }

    private long seqAtStart;
    private long startNanos;

    @Setup(Level.Iteration)
    public void markIteration() {
      seqAtStart = seq;
      startNanos = System.nanoTime();
    }

    @TearDown(Level.Iteration)
    public void reportIteration() {
      System.out.printf("%n[raw %s] iteration: %.0f rows/s committed%n", dbs.dialect,
          (seq - seqAtStart) / ((System.nanoTime() - startNanos) / 1e9));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
      insert.close();
      conn.close();
      long count = dbs.db.reads().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM journal").mapTo(Long.class).one());
      System.out.printf("[raw %s] rows inserted: %d%n", dbs.dialect, count);
      dbs.close();
    }
  }

  static long rows(BenchDatabases dbs) {
    return dbs.db.reads().withHandle(h -> h.createQuery("SELECT COALESCE(MAX(seq), 0) FROM journal").mapTo(Long.class).one());
  }

  @Benchmark
  public long journal(JournalState s, Submitter t) {
    return s.journal.execute(AuditWorkload.appendOne(t.id, t.n++));
  }

  @Benchmark
  public long naiveTxPerEntry(NaiveState s, Submitter t) throws SQLException {
    try (Connection c = s.pool.getConnection(); var st = c.createStatement()) {
      if (s.sqliteTurn != null) {
        s.sqliteTurn.lock();
      }
      try {
        return naiveTransaction(c, st, s.beginSql, t);
      } finally {
        if (s.sqliteTurn != null) {
          s.sqliteTurn.unlock();
        }
      }
    }
  }

  private static long naiveTransaction(Connection c, java.sql.Statement st, String beginSql, Submitter t)
      throws SQLException {
    {
      st.execute(beginSql);
      try {
        long lastSeq = 0;
        String lastHash = JournalEntry.GENESIS_HASH;
        try (var q = c.prepareStatement("SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1");
            ResultSet rs = q.executeQuery()) {
          if (rs.next()) {
            lastSeq = rs.getLong(1);
            lastHash = rs.getString(2);
          }
        }
        JournalEntry e = AuditWorkload.entry(lastSeq + 1, System.currentTimeMillis(), t.id, t.n++, lastHash);
        try (var ins = c.prepareStatement(INSERT)) {
          ins.setLong(1, e.seq());
          ins.setLong(2, e.recordedAt().toEpochMilli());
          ins.setString(3, e.type());
          ins.setString(4, e.subject());
          ins.setString(5, e.actor());
          ins.setString(6, Canonical.canonicalize(e.payload()));
          ins.setString(7, e.prevHash());
          ins.setString(8, e.hash());
          ins.executeUpdate();
        }
        st.execute("COMMIT");
        return e.seq();
      } catch (SQLException | RuntimeException ex) {
        try {
          st.execute("ROLLBACK");
        } catch (SQLException rollbackFailed) {
          ex.addSuppressed(rollbackFailed);
        }
        throw ex;
      }
    }
  }

  /** Rows committed by the raw ceiling, reported by JMH as the secondary metric {@code rows} (rows/s). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class RowCounter {
    public long rows;

    @Setup(Level.Iteration)
    public void reset() {
      rows = 0;
    }
  }

  @Benchmark
  @Threads(1)
  public void rawBatchedInsert(RawState s, RowCounter counter) throws SQLException {
    PreparedStatement ps = s.insert;
    long now = System.currentTimeMillis();
    int n = s.rawBatch;
    for (int i = 0; i < n; i++) {
      long seq = ++s.seq;
      String[] r = s.rows[(int) (seq % s.rows.length)];
      ps.setLong(1, seq);
      ps.setLong(2, now);
      ps.setString(3, r[0]);
      ps.setString(4, r[1]);
      ps.setString(5, r[2]);
      ps.setString(6, r[3]);
      ps.setString(7, r[4]);
      ps.setString(8, r[5]);
      ps.addBatch();
    }
    ps.executeBatch();
    s.conn.commit();
    counter.rows += n;
  }
}
