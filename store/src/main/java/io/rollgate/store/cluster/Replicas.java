package io.rollgate.store.cluster;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;

/**
 * The replicas' heartbeats ({@code cluster_replicas}): liveness telemetry for the cluster view, written
 * straight through the read pool rather than the journal writer. A beat is not a change of state
 * anyone audits, and it must not take the journal head lock every few seconds on every replica.
 */
public final class Replicas {
  private final Jdbi jdbi;

  /** One replica as it last reported itself. */
  public record Replica(String id, String address, Instant startedAt, Instant lastSeenAt, long journalSeq) {}

  public Replicas(Jdbi jdbi) {
    this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
  }

  public void beat(String id, String address, Instant startedAt, Instant now, long journalSeq) {
    jdbi.useHandle(h -> h.createUpdate("""
            INSERT INTO cluster_replicas (id, address, started_at, last_seen_at, journal_seq)
            VALUES (:id, :address, :started, :now, :seq)
            ON CONFLICT (id) DO UPDATE SET address = excluded.address, last_seen_at = excluded.last_seen_at,
              journal_seq = excluded.journal_seq""")
        .bind("id", id).bind("address", address).bind("started", startedAt.toEpochMilli())
        .bind("now", now.toEpochMilli()).bind("seq", journalSeq).execute());
  }

  /** Replicas seen at or after {@code since}, by id. */
  public List<Replica> seenSince(Instant since) {
    return jdbi.withHandle(h -> h.createQuery("""
            SELECT id, address, started_at, last_seen_at, journal_seq FROM cluster_replicas
            WHERE last_seen_at >= :since ORDER BY id""")
        .bind("since", since.toEpochMilli())
        .map((rs, ctx) -> new Replica(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)),
            Instant.ofEpochMilli(rs.getLong(4)), rs.getLong(5)))
        .list());
  }

  /** Forgets replicas silent since before {@code before} (gone for good, or restarted under a new id). */
  public int prune(Instant before) {
    return jdbi.withHandle(h -> h.createUpdate("DELETE FROM cluster_replicas WHERE last_seen_at < :before")
        .bind("before", before.toEpochMilli()).execute());
  }

  public void remove(String id) {
    jdbi.useHandle(h -> h.createUpdate("DELETE FROM cluster_replicas WHERE id = :id").bind("id", id).execute());
  }
}
