package io.rollgate.store.journal;

import io.rollgate.audit.ChainVerifier;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A concurrency harness for anything that appends to the journal table: many platform threads,
 * released together by a latch, each appending entries with unique ids and waiting for each
 * acknowledgement before the next (so a thread's entries have a program order). Afterwards
 * {@link #check} reads the table back and lists every way it disagrees with the acknowledgements.
 * Bounded in count (threads × perThread) and in time (the budget).
 */
final class JournalStressHarness {
  static final String TYPE = "stress.append";

  /** Appends one entry carrying {@link #payload} and returns the seq it was acknowledged at. */
  @FunctionalInterface
  interface Appender {
    long append(String id, int thread, int index) throws Exception;
  }

  record Ack(String id, int thread, int index, long seq) {}

  record Run(int threads, int perThread, List<Ack> acks, int failures, List<String> sampleFailures,
      boolean outOfTime, Duration elapsed) {
    int attempted() {
      return acks.size() + failures;
    }
  }

  /** Violations by kind (chain, gap, lost, duplicate, misplaced, order, phantom, head) with a few examples each. */
  record Report(Map<String, Integer> counts, List<String> examples) {
    boolean clean() {
      return counts.isEmpty();
    }

    @Override
    public String toString() {
      return counts + " e.g. " + examples;
    }
  }

  private JournalStressHarness() {}

  static com.fasterxml.jackson.databind.node.ObjectNode payload(String id, int thread, int index) {
    return Json.object().put("id", id).put("thread", thread).put("index", index);
  }

  static Run run(Appender appender, int threads, int perThread, Duration budget) throws InterruptedException {
    var start = new CountDownLatch(1);
    var done = new CountDownLatch(threads);
    var acks = new ConcurrentLinkedQueue<Ack>();
    var failures = new AtomicInteger();
    var sampleFailures = Collections.synchronizedList(new ArrayList<String>());
    long deadline = System.nanoTime() + budget.toNanos();
    var workers = new ArrayList<Thread>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      workers.add(Thread.ofPlatform().name("stress-" + t).start(() -> {
        try {
          if (!start.await(30, TimeUnit.SECONDS)) {
            return;
          }
          for (int i = 0; i < perThread && System.nanoTime() < deadline; i++) {
            String id = "t%02d-%05d".formatted(thread, i);
            try {
              acks.add(new Ack(id, thread, i, appender.append(id, thread, i)));
            } catch (Exception e) {
              if (failures.incrementAndGet() <= 5) {
                sampleFailures.add(e.toString());
              }
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }));
    }
    long started = System.nanoTime();
    start.countDown();
    // the deadline stops new appends; allow in-flight ones a grace period to finish
    boolean finished = done.await(budget.toMillis() + 30_000, TimeUnit.MILLISECONDS);
    if (!finished) {
      workers.forEach(Thread::interrupt);
    }
    var elapsed = Duration.ofNanos(System.nanoTime() - started);
    boolean outOfTime = !finished || System.nanoTime() >= deadline;
    return new Run(threads, perThread, List.copyOf(acks), failures.get(), List.copyOf(sampleFailures), outOfTime,
        elapsed);
  }

  /** Reads the whole journal and compares it with what was acknowledged. */
  static Report check(Run run, Database db) {
    var reader = new JournalReader(db);
    var entries = new ArrayList<JournalEntry>();
    for (long after = 0; ; ) {
      var page = reader.page(after, JournalReader.MAX_PAGE);
      entries.addAll(page);
      if (page.size() < JournalReader.MAX_PAGE) {
        break;
      }
      after = page.get(page.size() - 1).seq();
    }
    var counts = new TreeMap<String, Integer>();
    var examples = new ArrayList<String>();
    var perKind = new HashMap<String, Integer>();
    java.util.function.BiConsumer<String, String> violation = (kind, what) -> {
      counts.merge(kind, 1, Integer::sum);
      if (perKind.merge(kind, 1, Integer::sum) <= 3) {
        examples.add(kind + ": " + what);
      }
    };

    // one contiguous order 1..N
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).seq() != i + 1) {
        violation.accept("gap", "position " + (i + 1) + " holds seq " + entries.get(i).seq());
        break;
      }
    }
    var head = reader.head();
    long lastSeq = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).seq();
    if (head.seq() != lastSeq) {
      violation.accept("head", "head says seq " + head.seq() + " but the last entry is " + lastSeq);
    }
    ChainVerifier.Result verdict = reader.verify();
    if (!verdict.ok()) {
      violation.accept("chain", "verify() failed at seq " + verdict.firstBadSeq() + ": " + verdict.problem());
    }

    // every acknowledged id exactly once, at the seq it was acknowledged with
    var stored = new LinkedHashMap<String, List<JournalEntry>>();
    for (JournalEntry e : entries) {
      if (TYPE.equals(e.type())) {
        stored.computeIfAbsent(e.payload().path("id").asText(), k -> new ArrayList<>()).add(e);
      }
    }
    var acked = new HashMap<String, Ack>();
    for (Ack a : run.acks()) {
      acked.put(a.id(), a);
      List<JournalEntry> found = stored.getOrDefault(a.id(), List.of());
      if (found.isEmpty()) {
        violation.accept("lost", a.id() + " was acknowledged at seq " + a.seq() + " but is not in the journal");
      } else if (found.size() > 1) {
        violation.accept("duplicate", a.id() + " is stored " + found.size() + " times, at seqs "
            + found.stream().map(JournalEntry::seq).toList());
      } else if (found.get(0).seq() != a.seq()) {
        violation.accept("misplaced", a.id() + " was acknowledged at seq " + a.seq() + " but stored at "
            + found.get(0).seq());
      }
    }
    for (var e : stored.entrySet()) {
      if (!acked.containsKey(e.getKey())) {
        violation.accept("phantom", e.getKey() + " is stored but was never acknowledged");
      }
    }

    // each thread's entries appear in the order the thread made them
    var lastIndex = new HashMap<Integer, Integer>();
    for (JournalEntry e : entries) {
      if (!TYPE.equals(e.type())) {
        continue;
      }
      int thread = e.payload().path("thread").asInt();
      int index = e.payload().path("index").asInt();
      Integer previous = lastIndex.put(thread, index);
      if (previous != null && previous >= index) {
        violation.accept("order", "thread " + thread + " entry " + index + " at seq " + e.seq()
            + " follows its entry " + previous);
      }
    }
    return new Report(Map.copyOf(counts), List.copyOf(examples));
  }
}
