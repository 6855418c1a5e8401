package io.rollgate.server.cluster;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.rollgate.store.cluster.LeaderElector;
import io.rollgate.store.cluster.Replicas;
import io.rollgate.store.db.Database;
import io.rollgate.store.db.Dialect;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.journal.JournalTail;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This server's place among the replicas of one database (issue 10). On PostgreSQL it follows the
 * other replicas' commits ({@link JournalTail}), takes part in leader election ({@link LeaderElector})
 * and heartbeats into {@code cluster_replicas}, every third of the lease. On SQLite it is alone and
 * always the leader: no tail, no election, no fencing, and no cost.
 *
 * <p>Singleton loops (rollout reconciler, attestor, notifier outbox, incident bridge) run their work
 * through {@link #leaderOnly}: on a follower it is skipped; on the leader it runs after a ping of the
 * lock connection, with the fencing epoch bound, so that a deposed leader's commands are refused.
 */
public final class Cluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  /** How often a replica with no notification looks at the journal anyway. */
  static final Duration TAIL_POLL = Duration.ofSeconds(1);
  /** Replicas silent for this many leases are no longer listed, and forgotten after ten times as long. */
  static final int LISTED_LEASES = 3;

  private final String replicaId;
  private final InstantSource clock;
  private final Journal journal;
  private final JournalReader reader;
  private final Duration lease;
  private final LeaderElector elector; // null: alone (SQLite)
  private final JournalTail tail; // null: alone
  private final Replicas replicas;
  private final Instant startedAt;
  private final AtomicReference<Runnable> pause = new AtomicReference<>(() -> {});
  private volatile String address = "";
  private ScheduledExecutorService heartbeats;

  private Cluster(String replicaId, InstantSource clock, Journal journal, JournalReader reader, Duration lease,
      LeaderElector elector, JournalTail tail, Replicas replicas) {
    this.replicaId = replicaId;
    this.clock = clock;
    this.journal = journal;
    this.reader = reader;
    this.lease = lease;
    this.elector = elector;
    this.tail = tail;
    this.replicas = replicas;
    this.startedAt = clock.instant();
  }

  /** A replica on PostgreSQL, alone on SQLite. Nothing runs until {@link #start}. */
  public static Cluster open(Database db, Journal journal, JournalReader reader, InstantSource clock, Duration lease) {
    String id = "r-" + HexFormat.of().formatHex(randomBytes());
    if (db.dialect() == Dialect.SQLITE) {
      return new Cluster(id, clock, journal, reader, lease, null, null, null);
    }
    return new Cluster(id, clock, journal, reader, lease, new LeaderElector(db, journal, id, clock, lease),
        new JournalTail(db, journal, TAIL_POLL), new Replicas(db.reads()));
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[4];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  /**
   * Starts following, runs one election round at once (so that a lone replica leads before its
   * loops first run), then heartbeats every third of the lease.
   *
   * @param address this replica's HTTP address, as other replicas' operators would reach it
   */
  public void start(String address) {
    this.address = Objects.requireNonNull(address, "address");
    if (elector == null) {
      return;
    }
    tail.start();
    heartbeat();
    heartbeats = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
        .name("rollgate-cluster").unstarted(r));
    long every = Math.max(1, lease.toMillis() / 3);
    heartbeats.scheduleWithFixedDelay(this::heartbeatQuietly, every, every, TimeUnit.MILLISECONDS);
    log.info("cluster: replica {} at {} (lease {} s)", replicaId, address, lease.toSeconds());
  }

  private void heartbeatQuietly() {
    try {
      heartbeat();
    } catch (RuntimeException e) { // the database is down, say: the next beat tries again
      log.warn("cluster: heartbeat failed: {}", e.toString());
    }
  }

  /** One round: election (or lease renewal), then this replica's heartbeat row. The server runs it on a schedule. */
  public void heartbeat() {
    if (elector == null) {
      return;
    }
    pause.get().run();
    elector.step();
    Instant now = clock.instant();
    replicas.beat(replicaId, address, startedAt, now, journal.followerPosition());
    replicas.prune(now.minus(lease.multipliedBy(LISTED_LEASES * 10L)));
  }

  /**
   * Wraps a singleton loop's work: runs it only on the leader, after a ping of the lock connection,
   * with the fencing epoch bound to the thread. The identity when alone.
   */
  public UnaryOperator<Runnable> leaderOnly() {
    if (elector == null) {
      return UnaryOperator.identity();
    }
    return action -> () -> {
      pause.get().run();
      elector.act(action);
    };
  }

  public String replicaId() {
    return replicaId;
  }

  /** True when alone, or elected and not known to be deposed. */
  public boolean isLeader() {
    return elector == null || elector.isLeader();
  }

  /** {@code leader} or {@code follower} on PostgreSQL, {@code single} on SQLite. */
  public String role() {
    return elector == null ? "single" : elector.isLeader() ? "leader" : "follower";
  }

  public long epoch() {
    return elector == null ? 0 : elector.epoch();
  }

  public long leaderChanges() {
    return elector == null ? 0 : elector.leaderChanges();
  }

  /** Entries committed (by any replica) that this replica has not yet published to its own listeners. */
  public long lagEntries() {
    return Math.max(0, reader.head().seq() - journal.followerPosition());
  }

  /** The cluster as this replica sees it. */
  public View view() {
    if (elector == null) {
      long seq = journal.followerPosition();
      return new View(replicaId, replicaId, 0,
          List.of(new ReplicaView(replicaId, address, true, clock.instant(), Math.max(seq, 0))));
    }
    String leader = elector.leader();
    Instant since = clock.instant().minus(lease.multipliedBy(LISTED_LEASES));
    List<ReplicaView> listed = replicas.seenSince(since).stream()
        .map(r -> new ReplicaView(r.id(), r.address(), r.id().equals(leader), r.lastSeenAt(), r.journalSeq()))
        .toList();
    return new View(replicaId, leader, elector.epoch(), listed);
  }

  public record View(String self, String leader, long epoch, List<ReplicaView> replicas) {}

  public record ReplicaView(String id, String address, boolean leader, Instant lastSeenAt, long journalSeq) {}

  /** Exports leadership changes, the epoch, this replica's role and how far its events trail the journal. */
  public void register(PrometheusRegistry registry) {
    CounterWithCallback.builder().name("rollgate_cluster_leader_changes")
        .help("Leader elections this replica has seen (its own included) since it started")
        .callback(cb -> cb.call(leaderChanges())).register(registry);
    GaugeWithCallback.builder().name("rollgate_cluster_epoch")
        .help("The fencing epoch: incremented at each election; 0 on a single SQLite node")
        .callback(cb -> cb.call(epoch())).register(registry);
    GaugeWithCallback.builder().name("rollgate_cluster_leader")
        .help("1 when this replica runs the singleton loops (the leader, or a single SQLite node), else 0")
        .callback(cb -> cb.call(isLeader() ? 1 : 0)).register(registry);
    GaugeWithCallback.builder().name("rollgate_cluster_notify_lag_seconds").unit(Unit.SECONDS)
        .help("From the commit of the last entry another replica wrote to its delivery to this replica's "
            + "event clients (0 on a single node)")
        .callback(cb -> cb.call(journal.tailLag().toMillis() / 1000.0)).register(registry);
    GaugeWithCallback.builder().name("rollgate_cluster_tail_lag_entries")
        .help("Journal entries committed that this replica has not yet published to its event clients")
        .callback(cb -> {
          try {
            cb.call(lagEntries());
          } catch (RuntimeException e) { // the database is down: no value rather than a failed scrape
            cb.call(Double.NaN);
          }
        }).register(registry);
  }

  /**
   * Test seam for a paused process (SIGSTOP) in one JVM: {@code gate} runs at the start of every
   * heartbeat and every leader action, and may block there.
   */
  public void pauseForTest(Runnable gate) {
    pause.set(Objects.requireNonNull(gate));
  }

  /**
   * Test seam for kill -9 in one JVM: no more heartbeats or leader actions, and this replica's
   * sessions end the way a dead process's do (PostgreSQL drops the lock with the session); its row
   * stays in the replica list, as a crashed process's would.
   */
  public void crashForTest() {
    pause.set(() -> {
      throw new IllegalStateException("replica " + replicaId + " crashed");
    });
    if (heartbeats != null) {
      heartbeats.shutdownNow();
    }
    if (tail != null) {
      tail.close();
      elector.close();
    }
  }

  public LeaderElector electorForTest() {
    return elector;
  }

  public JournalTail tailForTest() {
    return tail;
  }

  /** Stops heartbeats and the tail, gives up leadership and leaves the replica list. */
  @Override
  public void close() {
    if (elector == null) {
      return;
    }
    if (heartbeats != null) {
      heartbeats.shutdownNow();
    }
    tail.close();
    elector.close();
    try {
      replicas.remove(replicaId);
    } catch (RuntimeException e) {
      log.warn("cluster: could not remove replica {} from the list: {}", replicaId, e.toString());
    }
  }
}
