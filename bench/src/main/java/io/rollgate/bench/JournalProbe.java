package io.rollgate.bench;

import io.rollgate.store.db.Dialect;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalConfig;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where does the journal writer's time go? Drives the journal closed-loop with N submitters (the
 * JMH workload) and samples the writer thread's stack every millisecond: a poor man's wall-clock
 * profiler that, unlike CPU samplers, also sees time spent waiting for fsync or the database.
 *
 * Also prints the writer thread's CPU time per committed command, a steadier before/after figure
 * than throughput on a shared machine. Sampling itself slows the writer a little; pass
 * {@code nosample} to measure without it. {@code touch} makes each command also take the
 * transaction handle (as every state-changing command does), so it pays for its savepoint.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.rollgate.bench.JournalProbe SQLITE [seconds] [threads] [nosample] [touch]</pre>
 */
public final class JournalProbe {
  private JournalProbe() {}

  public static void main(String[] args) throws Exception {
    Dialect dialect = Dialect.valueOf(args.length > 0 ? args[0] : "SQLITE");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    var flags = java.util.Arrays.asList(args).subList(Math.min(3, args.length), args.length);
    boolean sample = !flags.contains("nosample");
    boolean touch = flags.contains("touch");
    try (var dbs = BenchDatabases.open(dialect)) {
      Journal journal = new Journal(dbs.db, Clock.systemUTC(), JournalConfig.DEFAULTS);
      var stop = new java.util.concurrent.atomic.AtomicBoolean();
      var done = new AtomicLong();
      List<Thread> submitters = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int id = i;
        Thread t = Thread.ofPlatform().name("submitter-" + i).start(() -> {
          long n = 0;
          while (!stop.get()) {
            var append = AuditWorkload.appendOne(id, n++);
            journal.execute(touch ? tx -> {
              tx.handle(); // opens the command's savepoint, like any command that reads or writes state
              return append.execute(tx);
            } : append);
            done.incrementAndGet();
          }
        });
        submitters.add(t);
      }
      Thread.sleep(10_000); // warm-up
      Thread writer = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().equals("rollgate-journal-writer")).findFirst().orElseThrow();
      var mx = ManagementFactory.getThreadMXBean();
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long cpu0 = mx.getThreadCpuTime(writer.threadId());
      long proc0 = os.getProcessCpuTime();
      long ops0 = done.get();
      long b0 = journal.batches();
      long c0 = journal.committedCommands();
      long t0 = System.nanoTime();
      Map<String, Integer> phases = new HashMap<>();
      Map<String, Integer> leaves = new HashMap<>();
      int samples = 0;
      while (System.nanoTime() - t0 < seconds * 1_000_000_000L) {
        if (!sample) {
          Thread.sleep(100);
          continue;
        }
        StackTraceElement[] st = writer.getStackTrace();
        samples++;
        String phase = "?";
        for (StackTraceElement e : st) {
          if (e.getClassName().startsWith("io.rollgate.store.journal.Journal")
              || e.getClassName().startsWith("io.rollgate.store.journal.Tx")) {
            phase = e.getClassName().substring("io.rollgate.store.journal.".length()) + "." + e.getMethodName()
                + ":" + e.getLineNumber();
            break;
          }
        }
        phases.merge(phase, 1, Integer::sum);
        StringBuilder leaf = new StringBuilder();
        for (int i = 0; i < Math.min(4, st.length); i++) {
          leaf.append(i == 0 ? "" : " < ").append(st[i].getClassName().replaceAll(".*\\.", "")).append('.')
              .append(st[i].getMethodName());
        }
        leaves.merge(leaf.toString(), 1, Integer::sum);
        Thread.sleep(1);
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      long ops = done.get() - ops0;
      long b = journal.batches() - b0;
      long c = journal.committedCommands() - c0;
      System.out.printf("%s: %.0f ops/s, %d batches, average batch %.1f, %.2f ms per batch%n", dialect, ops / secs, b,
          (double) c / b, secs * 1000 / b);
      long writerCpu = mx.getThreadCpuTime(writer.threadId()) - cpu0;
      System.out.printf("writer CPU %.1f us per command, %.0f%% of one core; process CPU %.0f%% of one core (%d cores)%n",
          writerCpu / 1e3 / c, 100.0 * writerCpu / (secs * 1e9),
          100.0 * (os.getProcessCpuTime() - proc0) / (secs * 1e9), Runtime.getRuntime().availableProcessors());
      if (sample) {
        print("writer phase (innermost Journal/Tx frame)", phases, samples, 25);
        print("writer leaf frames", leaves, samples, 25);
      }
      stop.set(true);
      for (Thread t : submitters) {
        t.join();
      }
      journal.close();
    }
    System.exit(0);
  }

  private static void print(String title, Map<String, Integer> counts, int samples, int top) {
    System.out.println("--- " + title + " (" + samples + " samples)");
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
        .forEach(e -> System.out.printf("%5.1f%%  %s%n", 100.0 * e.getValue() / samples, e.getKey()));
  }
}
