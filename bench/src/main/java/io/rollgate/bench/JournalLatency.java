package io.rollgate.bench;

import io.rollgate.store.db.Dialect;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import io.rollgate.store.journal.JournalReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Acknowledgement latency of the journal at half its maximum rate, per dialect.
 *
 * <ol>
 *   <li>Maximum rate: {@code threads} closed-loop submitters call {@link Journal#execute} as fast as
 *       acknowledgements come back (the JMH {@code journal} workload); after {@code --warmup}
 *       seconds, the rate over {@code --max-seconds} is the maximum. {@code --max-rate} skips this
 *       and takes the given figure instead (e.g. the JMH median).
 *   <li>Open loop at half that rate for {@code --seconds}: each of the {@code threads} submitters
 *       owns every {@code threads}-th slot of a fixed schedule, submits when its slot comes (never
 *       waiting for its previous acknowledgement) and records, on completion of the future, the
 *       time from the slot's <em>intended</em> start. A stalled journal therefore shows up in the
 *       percentiles instead of silently slowing the load (no coordinated omission).
 * </ol>
 *
 * <pre>java -cp bench/target/benchmarks.jar io.rollgate.bench.JournalLatency
 *     [--dialects SQLITE,POSTGRESQL] [--threads 64] [--warmup 15] [--max-seconds 10] [--seconds 20]
 *     [--max-rate OPS_PER_SEC] [--json bench/results/latency.json]</pre>
 */
public final class JournalLatency {
  private JournalLatency() {}

  public static void main(String[] args) throws Exception {
    List<Dialect> dialects = List.of(Dialect.SQLITE, Dialect.POSTGRESQL);
    int threads = 64;
    int warmup = 15;
    double givenMax = 0;
    int maxSeconds = 10;
    int seconds = 20;
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dialects" -> dialects = Arrays.stream(args[++i].split(",")).map(Dialect::valueOf).toList();
        case "--threads" -> threads = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--max-seconds" -> maxSeconds = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--json" -> json = Path.of(args[++i]);
        case "--max-rate" -> givenMax = Double.parseDouble(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<String> results = new ArrayList<>();
    for (Dialect d : dialects) {
      results.add(run(d, threads, warmup, maxSeconds, seconds, givenMax));
    }
    String out = "[\n" + String.join(",\n", results) + "\n]\n";
    System.out.print(out);
    if (json != null) {
      Files.createDirectories(json.toAbsolutePath().getParent());
      Files.writeString(json, out);
    }
    System.exit(0); // the embedded PostgreSQL is stopped by its shutdown hook
  }

  private static String run(Dialect dialect, int threads, int warmup, int maxSeconds, int seconds, double givenMax)
      throws InterruptedException, IOException {
    try (var dbs = BenchDatabases.open(dialect)) {
      Journal journal = new Journal(dbs.db, Clock.systemUTC(), JournalConfig.DEFAULTS);
      double maxRate;
      if (givenMax > 0) {
        closedLoop(journal, threads, warmup, 0); // warm up all the same
        maxRate = givenMax;
        System.err.printf(Locale.ROOT, "[%s] maximum rate given: %.0f ops/s%n", dialect, maxRate);
      } else {
        maxRate = closedLoop(journal, threads, warmup, maxSeconds);
        System.err.printf(Locale.ROOT, "[%s] maximum rate (closed loop, %d submitters): %.0f ops/s%n", dialect,
            threads, maxRate);
      }
      double target = maxRate / 2;
      long b0 = journal.batches();
      long c0 = journal.committedCommands();
      OpenLoop r = openLoop(journal, threads, target, seconds);
      long b = journal.batches() - b0;
      long c = journal.committedCommands() - c0;
      journal.close();
      var verify = new JournalReader(dbs.db).verify();
      if (!verify.ok()) {
        throw new IllegalStateException("chain broken: " + verify.problem());
      }
      long[] lat = r.fromIntended;
      Arrays.sort(lat);
      long[] svc = r.fromSubmit;
      Arrays.sort(svc);
      String s = String.format(Locale.ROOT, """
            {"dialect": "%s", "threads": %d, "maxRateOpsPerSec": %.1f, "targetRateOpsPerSec": %.1f,
             "achievedRateOpsPerSec": %.1f, "seconds": %d, "acknowledged": %d, "failed": %d,
             "averageBatch": %.2f, "chainOk": %s, "chainEntries": %d,
             "latencyFromIntendedStartMs": {"p50": %.3f, "p90": %.3f, "p99": %.3f, "p999": %.3f, "max": %.3f, "mean": %.3f},
             "latencyFromSubmitMs": {"p50": %.3f, "p99": %.3f, "p999": %.3f, "max": %.3f}}""",
          dialect, threads, maxRate, target, r.acknowledged / r.seconds, seconds, r.acknowledged, r.failed,
          b == 0 ? 0.0 : (double) c / b, verify.ok(), verify.entries(),
          ms(pct(lat, 0.50)), ms(pct(lat, 0.90)), ms(pct(lat, 0.99)), ms(pct(lat, 0.999)), ms(lat[lat.length - 1]),
          ms((long) Arrays.stream(lat).average().orElse(0)),
          ms(pct(svc, 0.50)), ms(pct(svc, 0.99)), ms(pct(svc, 0.999)), ms(svc[svc.length - 1]));
      System.err.println(s);
      return s;
    }
  }

  /** Ops/s over {@code seconds} after {@code warmup} seconds, with {@code threads} blocking submitters. */
  static double closedLoop(Journal journal, int threads, int warmup, int seconds) throws InterruptedException {
    var stop = new AtomicBoolean();
    var done = new AtomicLong();
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int id = i;
      ts.add(Thread.ofPlatform().name("closed-" + i).start(() -> {
        long n = 0;
        while (!stop.get()) {
          journal.execute(AuditWorkload.appendOne(id, n++));
          done.incrementAndGet();
        }
      }));
    }
    Thread.sleep(warmup * 1000L);
    long n0 = done.get();
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long n1 = done.get();
    long t1 = System.nanoTime();
    stop.set(true);
    for (Thread t : ts) {
      t.join();
    }
    return seconds == 0 ? 0 : (n1 - n0) / ((t1 - t0) / 1e9);
  }

  record OpenLoop(long[] fromIntended, long[] fromSubmit, long acknowledged, long failed, double seconds) {}

  static OpenLoop openLoop(Journal journal, int threads, double rate, int seconds) throws InterruptedException {
    long periodNanos = (long) (threads * 1e9 / rate); // each submitter's interval
    long slots = (long) Math.ceil(seconds * rate / threads);
    long[][] intended = new long[threads][(int) slots];
    long[][] submitted = new long[threads][(int) slots];
    long[][] acked = new long[threads][(int) slots];
    @SuppressWarnings("unchecked")
    List<CompletableFuture<?>>[] futures = new List[threads];
    var failed = new AtomicLong();
    long start = System.nanoTime() + 100_000_000L;
    long end = start + seconds * 1_000_000_000L;
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int id = i;
      futures[i] = new ArrayList<>();
      ts.add(Thread.ofPlatform().name("open-" + i).start(() -> {
        long first = start + id * periodNanos / threads;
        for (int n = 0; n < slots; n++) {
          long due = first + n * periodNanos;
          if (due >= end) {
            break;
          }
          long now;
          while ((now = System.nanoTime()) < due) {
            LockSupport.parkNanos(due - now);
          }
          int slot = n;
          intended[id][slot] = due;
          submitted[id][slot] = now;
          CompletableFuture<Long> f = journal.submit(AuditWorkload.appendOne(id, slot));
          futures[id].add(f.whenComplete((r, e) -> {
            acked[id][slot] = System.nanoTime();
            if (e != null) {
              failed.incrementAndGet();
            }
          }));
        }
      }));
    }
    for (Thread t : ts) {
      t.join();
    }
    for (var fs : futures) {
      for (var f : fs) {
        f.exceptionally(e -> null).join();
      }
    }
    long count = Arrays.stream(futures).mapToLong(List::size).sum();
    long[] fromIntended = new long[(int) count];
    long[] fromSubmit = new long[(int) count];
    int k = 0;
    for (int i = 0; i < threads; i++) {
      for (int n = 0; n < futures[i].size(); n++) {
        fromIntended[k] = acked[i][n] - intended[i][n];
        fromSubmit[k] = acked[i][n] - submitted[i][n];
        k++;
      }
    }
    return new OpenLoop(fromIntended, fromSubmit, count - failed.get(), failed.get(), seconds);
  }

  private static long pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
