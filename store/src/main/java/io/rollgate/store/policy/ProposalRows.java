package io.rollgate.store.policy;

import io.rollgate.gate.Proposal;
import io.rollgate.gate.ProposalOutcome;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jdbi.v3.core.Handle;

/** The SQL of {@code policy_proposals}: one row per counted proposal, keyed by its journal entry. */
final class ProposalRows {
  private ProposalRows() {}

  static void insert(Handle h, long seq, String policy, Instant at, String session, String signature,
      ProposalOutcome outcome) {
    h.createUpdate("""
            INSERT INTO policy_proposals (journal_seq, policy, recorded_at, session, signature, outcome)
            VALUES (:seq, :policy, :at, :session, :signature, :outcome)
            """)
        .bind("seq", seq).bind("policy", policy).bind("at", at.toEpochMilli()).bind("session", session)
        .bind("signature", signature).bind("outcome", outcome.wire())
        .execute();
  }

  /**
   * The newest {@code limit} proposals of {@code policy} at or after {@code since} (null: any time) and
   * in {@code session} (null: any session), oldest first.
   */
  static List<Proposal> proposals(Handle h, String policy, Instant since, String session, int limit) {
    var sql = new StringBuilder("SELECT journal_seq, recorded_at, signature, outcome FROM policy_proposals "
        + "WHERE policy = :policy");
    if (since != null) {
      sql.append(" AND recorded_at >= :since");
    }
    if (session != null) {
      sql.append(" AND session = :session");
    }
    sql.append(" ORDER BY journal_seq DESC LIMIT :limit");
    var q = h.createQuery(sql.toString()).bind("policy", policy).bind("limit", limit);
    if (since != null) {
      q.bind("since", since.toEpochMilli());
    }
    if (session != null) {
      q.bind("session", session);
    }
    List<Proposal> newestFirst = new ArrayList<>(q.map((rs, ctx) -> new Proposal(rs.getLong("journal_seq"),
        Instant.ofEpochMilli(rs.getLong("recorded_at")), rs.getString("signature"),
        ProposalOutcome.fromWire(rs.getString("outcome")))).list());
    Collections.reverse(newestFirst);
    return newestFirst;
  }

  /** The session tags of {@code policy}'s proposals at or after {@code since}, the most recently used first. */
  static List<String> sessions(Handle h, String policy, Instant since, int limit) {
    return h.createQuery("SELECT session FROM policy_proposals WHERE policy = :policy AND session IS NOT NULL "
            + "AND recorded_at >= :since GROUP BY session ORDER BY MAX(journal_seq) DESC LIMIT :limit")
        .bind("policy", policy).bind("since", since.toEpochMilli()).bind("limit", limit)
        .mapTo(String.class).list();
  }
}
