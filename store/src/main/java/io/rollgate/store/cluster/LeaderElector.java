package io.rollgate.store.cluster;

import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Fencing;
import io.rollgate.store.journal.Journal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader among the replicas of one PostgreSQL database and fences the others off
 * (issue 10, DESIGN.md §2).
 *
 * <ul>
 *   <li>The leader holds a session-level advisory lock on a dedicated connection with TCP keepalives.
 *       When that session ends (the process died, the connection was cut), PostgreSQL releases the
 *       lock and the next replica's {@link #step} takes it.
 *   <li>Each election increments {@code cluster_leader.epoch} through the journal writer, so under
 *       the journal head lock, where the writer also checks the epoch of every leader action
 *       ({@link Fencing}): a deposed leader's command is refused, never applied.
 *   <li>The leader renews a lease ({@code lease_until}, by the injected clock). A leader that stops
 *       renewing while its session lives on (paused, hung) loses the lock anyway: once the lease has
 *       run out, a candidate terminates the stale session. A leader whose own view of its lease ran out
 *       renews before acting and steps down if it cannot.
 *   <li>{@link #act} pings the lock connection before every leader action (the cached "I am leader"
 *       flag alone is what split Wolverine's brain).
 * </ul>
 *
 * <p>One instance per replica; {@link #step} is called on a schedule (a third of the lease) by the
 * server, and by tests directly.
 */
public final class LeaderElector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);
  /** The advisory lock key ("Roll"), one per database: replicas of other databases do not compete. */
  static final long LOCK_KEY = 0x526f6c6cL;
  public static final String ELECTED = "cluster.leader_elected";
  static final String ACTOR = "rollgate:cluster";
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);

  private final Database db;
  private final Journal journal;
  private final String replicaId;
  private final InstantSource clock;
  private final Duration lease;
  private final Object lock = new Object();
  private Connection connection; // guarded by lock: the leader lock's session, or a candidate's
  private Instant leaseUntil = Instant.EPOCH; // guarded by lock: this leader's own view of its lease
  private volatile long epoch; // this replica's epoch while it leads, else 0
  private volatile long observedEpoch;
  private volatile String observedLeader;
  private final AtomicLong changes = new AtomicLong();
  /** The lock connection's application_name is this plus the replica id. */
  static final String APPLICATION_PREFIX = "rollgate-leader-";
  private int unrecordedPid; // guarded by lock: a lock holder seen that is not the recorded leader
  private Instant unrecordedSince = Instant.EPOCH; // guarded by lock

  public LeaderElector(Database db, Journal journal, String replicaId, InstantSource clock, Duration lease) {
    this.db = Objects.requireNonNull(db, "db");
    this.journal = Objects.requireNonNull(journal, "journal");
    this.replicaId = Objects.requireNonNull(replicaId, "replicaId");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.lease = Objects.requireNonNull(lease, "lease");
    if (lease.compareTo(Duration.ofSeconds(1)) < 0 || lease.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("the leader lease must be between 1 s and 10 min, got " + lease.toMillis()
          + " ms");
    }
  }

  public String replicaId() {
    return replicaId;
  }

  public Duration lease() {
    return lease;
  }

  /** True while this replica believes it leads; {@link #act} checks before trusting it. */
  public boolean isLeader() {
    return epoch != 0;
  }

  /** The epoch this replica leads at, or the latest it has seen another replica elected at. */
  public long epoch() {
    long e = epoch;
    return e != 0 ? e : observedEpoch;
  }

  /** The leader's replica id as last seen (this one's when leading), or null if none is known. */
  public String leader() {
    return epoch != 0 ? replicaId : observedLeader;
  }

  /** Elections this replica has seen (the epoch moving on), its own included. */
  public long leaderChanges() {
    return changes.get();
  }

  /**
   * One round: a leader renews its lease (and steps down if it cannot); a candidate tries the lock,
   * is elected if it gets it, or else terminates the holder's session if the holder's lease ran out.
   */
  public void step() {
    synchronized (lock) {
      try {
        if (epoch != 0) {
          if (!renew()) {
            stepDown("the lease could not be renewed: epoch " + epoch + " is no longer this replica's");
          }
          return;
        }
        Connection c = connection();
        if (tryLock(c)) {
          elect();
          return;
        }
        observe(c);
        terminateExpiredHolder(c);
      } catch (SQLException | RuntimeException e) {
        if (epoch != 0) {
          stepDown("the leader connection failed: " + e.getMessage());
        } else {
          log.warn("cluster: election round failed: {}", e.toString());
          closeConnection();
        }
      }
    }
  }

  /**
   * Runs {@code action} as the leader, with this replica's epoch bound to the thread so that every
   * journal command it submits is fenced. Pings the lock connection first; returns false without
   * running it when this replica does not lead (or stopped leading just now).
   */
  public boolean act(Runnable action) {
    long e = ping();
    if (e == 0) {
      return false;
    }
    Fencing.run(e, action);
    return true;
  }

  /** Checks leadership on the lock connection; the epoch to act under, or 0 when not leading. */
  long ping() {
    synchronized (lock) {
      if (epoch == 0) {
        return 0;
      }
      try {
        if (!clock.instant().isBefore(leaseUntil)) {
          // paused past the lease, say: others may be taking over; act only if the lease is still ours
          if (!renew()) {
            stepDown("the lease ran out and could not be renewed");
            return 0;
          }
          return epoch;
        }
        try (var st = connection.prepareStatement("SELECT epoch, leader_id FROM cluster_leader WHERE id = 1")) {
          st.setQueryTimeout(queryTimeoutSeconds());
          try (var rs = st.executeQuery()) {
            rs.next();
            if (rs.getLong(1) != epoch || !replicaId.equals(rs.getString(2))) {
              stepDown("replica " + rs.getString(2) + " was elected at epoch " + rs.getLong(1));
              return 0;
            }
          }
        }
        return epoch;
      } catch (SQLException | RuntimeException e) {
        stepDown("the leader connection failed its ping: " + e.getMessage());
        return 0;
      }
    }
  }

  private boolean renew() throws SQLException {
    Instant now = clock.instant();
    try (var st = connection.prepareStatement(
        "UPDATE cluster_leader SET lease_until = ? WHERE id = 1 AND epoch = ? AND leader_id = ?")) {
      st.setQueryTimeout(queryTimeoutSeconds());
      st.setLong(1, now.plus(lease).toEpochMilli());
      st.setLong(2, epoch);
      st.setString(3, replicaId);
      if (st.executeUpdate() != 1) {
        return false;
      }
    }
    leaseUntil = now.plus(lease);
    return true;
  }

  private boolean tryLock(Connection c) throws SQLException {
    try (var st = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      st.setQueryTimeout(queryTimeoutSeconds());
      st.setLong(1, LOCK_KEY);
      try (var rs = st.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Holding the lock: bump the epoch through the journal writer, so under the head lock. */
  private void elect() {
    Instant now = clock.instant();
    long elected;
    try {
      elected = journal.execute(tx -> {
        long previous = tx.handle().createQuery("SELECT epoch FROM cluster_leader WHERE id = 1")
            .mapTo(Long.class).one();
        String before = tx.handle().createQuery("SELECT leader_id FROM cluster_leader WHERE id = 1")
            .mapTo(String.class).findOne().orElse(null);
        long next = previous + 1;
        tx.handle().createUpdate("""
                UPDATE cluster_leader SET epoch = :epoch, leader_id = :me, lease_until = :until, elected_at = :now
                WHERE id = 1""")
            .bind("epoch", next).bind("me", replicaId).bind("until", tx.now().plus(lease).toEpochMilli())
            .bind("now", tx.now().toEpochMilli()).execute();
        var payload = Json.object().put("replica", replicaId).put("epoch", next)
            .put("leaseSeconds", lease.toSeconds());
        if (before != null) {
          payload.put("previous", before);
        }
        tx.append(ELECTED, "cluster", ACTOR, payload);
        return next;
      });
    } catch (RuntimeException e) {
      log.warn("cluster: got the leader lock but could not record the election: {}; letting it go", e.toString());
      closeConnection(); // releases the lock: another replica may do better
      return;
    }
    leaseUntil = now.plus(lease);
    epoch = elected;
    observedEpoch = elected;
    observedLeader = replicaId;
    changes.incrementAndGet();
    log.info("cluster: replica {} is the leader at epoch {} (lease {} s)", replicaId, elected, lease.toSeconds());
  }

  private void observe(Connection c) throws SQLException {
    try (var st = c.prepareStatement("SELECT epoch, leader_id FROM cluster_leader WHERE id = 1")) {
      st.setQueryTimeout(queryTimeoutSeconds());
      try (var rs = st.executeQuery()) {
        rs.next();
        long e = rs.getLong(1);
        if (e > observedEpoch) {
          if (observedEpoch != 0) { // the first look is not a change
            changes.incrementAndGet();
          }
          observedEpoch = e;
        }
        observedLeader = rs.getString(2);
      }
    }
  }

  /**
   * The lock is held but its lease ran out: its holder is paused or hung with its session alive.
   * Ends that session, in the same statement that checks the lease, so that a holder that renewed
   * meanwhile is left alone. The next round takes the lock.
   *
   * <p>Only the session of the <em>recorded</em> leader (its lock connection is named after its
   * replica id) is ended for an expired lease. A holder that has just taken the lock and is still
   * recording its election holds it under an old, expired lease too; ending it there made two
   * candidates depose each other and left the cluster without a leader for a round (seen with
   * {@code ReplicaBench failover}). A holder that stays unrecorded for a whole lease of this
   * replica's observation is stuck (stopped between taking the lock and recording) and is ended.
   */
  private void terminateExpiredHolder(Connection c) throws SQLException {
    Instant now = clock.instant();
    int pid = 0;
    boolean recorded = false;
    try (var st = c.prepareStatement("""
        SELECT l.pid, a.application_name = ? || c.leader_id
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, cluster_leader c
        WHERE c.id = 1 AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid::bigint = ? AND l.objid::bigint = ? AND l.pid <> pg_backend_pid()""")) {
      st.setQueryTimeout(queryTimeoutSeconds());
      st.setString(1, APPLICATION_PREFIX);
      st.setLong(2, LOCK_KEY >>> 32);
      st.setLong(3, LOCK_KEY & 0xffffffffL);
      try (var rs = st.executeQuery()) {
        if (rs.next()) {
          pid = rs.getInt(1);
          recorded = rs.getBoolean(2);
        }
      }
    }
    if (pid == 0 || recorded) {
      unrecordedPid = 0;
      if (pid != 0) {
        terminateIfLeaseExpired(c, pid, now);
      }
      return;
    }
    if (pid != unrecordedPid) {
      unrecordedPid = pid;
      unrecordedSince = now;
      return;
    }
    if (Duration.between(unrecordedSince, now).compareTo(lease) >= 0) {
      log.warn("cluster: backend pid {} has held the leader lock for {} s without recording an election; "
          + "terminating its session", pid, lease.toSeconds());
      terminateIfLeaseExpired(c, pid, now);
      unrecordedPid = 0;
    }
  }

  private void terminateIfLeaseExpired(Connection c, int pid, Instant now) throws SQLException {
    try (var st = c.prepareStatement(
        "SELECT pg_terminate_backend(?) FROM cluster_leader WHERE id = 1 AND lease_until < ?")) {
      st.setQueryTimeout(queryTimeoutSeconds());
      st.setInt(1, pid);
      st.setLong(2, now.toEpochMilli());
      try (var rs = st.executeQuery()) {
        if (rs.next() && rs.getBoolean(1)) {
          log.warn("cluster: the leader's lease ran out while it still holds the lock; terminated its session "
              + "(backend pid {}) so that another replica can take over", pid);
        }
      }
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      // named after this replica, so that candidates can tell the recorded leader's session (above)
      connection = db.dedicatedConnection(APPLICATION_PREFIX.substring("rollgate-".length()) + replicaId);
    }
    return connection;
  }

  /** The backend pid of the lock connection (0 if none): tests terminate it to cut the leader off. */
  public int backendPid() {
    synchronized (lock) {
      if (connection == null) {
        return 0;
      }
      try (var st = connection.createStatement(); var rs = st.executeQuery("SELECT pg_backend_pid()")) {
        rs.next();
        return rs.getInt(1);
      } catch (SQLException e) {
        return 0;
      }
    }
  }

  private int queryTimeoutSeconds() {
    return (int) Math.max(1, lease.toSeconds() / 3);
  }

  private void stepDown(String reason) {
    long was = epoch;
    epoch = 0;
    leaseUntil = Instant.EPOCH;
    closeConnection(); // ends the session: the lock goes with it, if we still had it
    if (was != 0) {
      log.warn("cluster: replica {} is no longer the leader (epoch {}): {}", replicaId, was, reason);
    }
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // it is gone either way
      }
      connection = null;
    }
  }

  /** Gives up leadership (closing the session releases the lock); the next replica's round takes over. */
  @Override
  public void close() {
    synchronized (lock) {
      stepDown("shutting down");
    }
  }
}
