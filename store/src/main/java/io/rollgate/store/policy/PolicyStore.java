package io.rollgate.store.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.ConflictException;
import io.rollgate.error.IntegrityException;
import io.rollgate.error.NotFoundException;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.json.MergePatch;
import io.rollgate.policy.ApplyPipeline;
import io.rollgate.policy.ApplyResult;
import io.rollgate.policy.ChangeKind;
import io.rollgate.policy.GuardConfig;
import io.rollgate.policy.PolicyName;
import io.rollgate.policy.PolicyVersion;
import io.rollgate.policy.SkipReason;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.Tx;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Policies: every mutation is a journal command (guards → state rows → audit entry in one
 * transaction), every read goes to the read pool. After an applied change the verification barrier
 * re-reads the stored version and re-hashes it.
 */
public final class PolicyStore {
  private static final Logger log = LoggerFactory.getLogger(PolicyStore.class);
  public static final int MAX_HISTORY = 1000;
  /** Apply statistics count at most this many of the newest proposals (a bounded read per request). */
  public static final int MAX_STATS_PROPOSALS = 100_000;

  private final Jdbi reads;
  private final Journal journal;

  public PolicyStore(Database db, Journal journal) {
    this.reads = db.reads();
    this.journal = journal;
  }

  /** Creates the policy, or proposes {@code document} as its next version. */
  public ApplyResult put(PolicyName name, ObjectNode document, String reason, String actor) {
    return put(name, document, reason, actor, null);
  }

  /**
   * As {@link #put(PolicyName, ObjectNode, String, String)}; a replacement is counted in the apply
   * statistics under {@code session} (null: no session).
   *
   * @throws ConflictException the policy is under a rollout (the refusal is journaled as {@code policy.rejected})
   */
  public ApplyResult put(PolicyName name, ObjectNode document, String reason, String actor, String session) {
    Canonical.requireIJson(document, "/document");
    var proposed = new Proposed(Canonical.sha256Hex(Canonical.canonicalize(document)), session);
    return verified(rejectedOrResult(journal.execute(tx -> {
      var row = PolicyRows.find(tx.handle(), name.value());
      if (row.isEmpty()) {
        PolicyRows.insertPolicy(tx.handle(), name.value(), GuardConfig.NONE, tx.now());
        return new Answer(commit(tx, name, null, ApplyPipeline.create(document), ChangeKind.CREATE, reason, actor,
            null), null);
      }
      return proposeCounted(tx, row.get(), document, ChangeKind.REPLACE, reason, actor, proposed);
    })));
  }

  /** Proposes the current document with the JSON Merge Patch {@code delta} applied. */
  public ApplyResult change(PolicyName name, ObjectNode delta, String reason, String actor) {
    return change(name, delta, reason, actor, null);
  }

  /**
   * As {@link #change(PolicyName, ObjectNode, String, String)}, counted in the apply statistics under
   * {@code session} (null: no session). The proposal's signature is the SHA-256 of the canonical delta.
   *
   * @throws ConflictException the policy is under a rollout (the refusal is journaled as {@code policy.rejected})
   */
  public ApplyResult change(PolicyName name, ObjectNode delta, String reason, String actor, String session) {
    Canonical.requireIJson(delta, "/delta");
    var proposed = new Proposed(Canonical.sha256Hex(Canonical.canonicalize(delta)), session);
    return verified(rejectedOrResult(journal.execute(tx -> {
      var row = require(tx.handle(), name);
      PolicyVersion current = PolicyRows.version(tx.handle(), name.value(), row.currentVersion()).orElseThrow();
      JsonNode candidate = MergePatch.apply(current.document(), delta);
      return proposeCounted(tx, row, (ObjectNode) candidate, ChangeKind.PATCH, reason, actor, proposed);
    })));
  }

  /**
   * Records a proposal that failed before it could reach the pipeline (a tuner that exited non-zero
   * or printed no JSON merge patch), so that the apply statistics count it: a {@code policy.rejected}
   * entry, no state change.
   *
   * @param signature SHA-256 (hex) identifying the failed proposal (e.g. of the tuner's output), or null
   */
  public Rejection recordFailedProposal(PolicyName name, String reason, String session, String signature,
      String actor) {
    return journal.execute(tx -> {
      require(tx.handle(), name);
      long seq = rejected(tx, name, reason, "reported", new Proposed(signature, session), actor);
      return new Rejection(name.value(), seq, tx.now(), session, signature, reason);
    });
  }

  /** A recorded failed proposal. */
  public record Rejection(String policy, long seq, java.time.Instant recordedAt, String session, String signature,
      String reason) {}

  /**
   * Apply statistics of {@code name}: the proposals recorded since {@code since} (inclusive), or in
   * {@code session}, or both. At most {@link #MAX_STATS_PROPOSALS} of the newest are counted.
   */
  public io.rollgate.gate.ApplyStats applyStats(PolicyName name, java.time.Instant since, String session) {
    return reads.withHandle(h -> {
      require(h, name);
      return io.rollgate.gate.ApplyStats.of(ProposalRows.proposals(h, name.value(), since, session,
          MAX_STATS_PROPOSALS));
    });
  }

  /**
   * The soak sessions that made proposals to {@code name} since {@code since}, the most recently used
   * first, at most {@code limit}: what the dashboard shows apply statistics for, session by session.
   */
  public List<String> applySessions(PolicyName name, java.time.Instant since, int limit) {
    return reads.withHandle(h -> {
      require(h, name);
      return ProposalRows.sessions(h, name.value(), since, Math.max(0, Math.min(limit, 100)));
    });
  }

  /** Proposes the content of {@code toVersion} as a new version. Only freeze stops it. */
  public ApplyResult rollback(PolicyName name, int toVersion, String reason, String actor) {
    return verified(journal.execute(tx -> {
      var row = require(tx.handle(), name);
      PolicyVersion target = PolicyRows.version(tx.handle(), name.value(), toVersion)
          .orElseThrow(() -> new NotFoundException("version " + toVersion + " of policy '" + name
              + "' does not exist (versions are 1 to " + row.currentVersion() + ")"));
      return propose(tx, row, target.document(), ChangeKind.ROLLBACK,
          reason == null || reason.isBlank() ? "rollback to version " + toVersion : reason, actor);
    }));
  }

  public PolicyView freeze(PolicyName name, String reason, String actor) {
    return journal.execute(tx -> freezeInCommand(tx, name, reason, actor));
  }

  public PolicyView unfreeze(PolicyName name, String reason, String actor) {
    return journal.execute(tx -> unfreezeInCommand(tx, name, reason, actor));
  }

  /** {@link #freeze} inside another store's command (a playbook execution); idempotent. */
  public static PolicyView freezeInCommand(Tx tx, PolicyName name, String reason, String actor) {
    var row = require(tx.handle(), name);
    if (!row.frozen()) {
      PolicyRows.setFrozen(tx.handle(), name.value(), true, reason, actor, tx.now());
      ObjectNode p = Json.object().put("reason", reason);
      tx.append("policy.frozen", name.value(), actor, p);
    }
    return view(tx.handle(), name);
  }

  /** {@link #unfreeze} inside another store's command (a playbook execution); idempotent. */
  public static PolicyView unfreezeInCommand(Tx tx, PolicyName name, String reason, String actor) {
    var row = require(tx.handle(), name);
    if (row.frozen()) {
      PolicyRows.setFrozen(tx.handle(), name.value(), false, null, null, tx.now());
      tx.append("policy.unfrozen", name.value(), actor, Json.object().put("reason", reason));
    }
    return view(tx.handle(), name);
  }

  /** The policy as {@code h} sees it (a command's transaction, or a read), if it exists. */
  public static Optional<PolicyView> find(Handle h, PolicyName name) {
    return PolicyRows.find(h, name.value()).map(r -> view(h, r));
  }

  /** One stored version as {@code h} sees it. */
  public static Optional<PolicyVersion> version(Handle h, PolicyName name, int version) {
    return PolicyRows.version(h, name.value(), version);
  }

  public PolicyView setGuards(PolicyName name, GuardConfig guards, String actor) {
    return journal.execute(tx -> {
      var row = require(tx.handle(), name);
      if (!row.guards().equals(guards)) { // idempotent, like freeze: no entry when nothing changes
        PolicyRows.setGuards(tx.handle(), name.value(), guards, tx.now());
        ObjectNode p = Json.object();
        p.set("guards", Json.mapper().valueToTree(guards));
        tx.append("policy.guards_set", name.value(), actor, p);
      }
      return view(tx.handle(), name);
    });
  }

  public Optional<PolicyView> get(PolicyName name) {
    return reads.withHandle(h -> PolicyRows.find(h, name.value()).map(r -> view(h, r)));
  }

  public List<PolicyView> list() {
    return reads.withHandle(h -> PolicyRows.all(h).stream().map(r -> view(h, r)).toList());
  }

  /** Versions newest first, at most {@code limit}. */
  public List<PolicyVersion> versions(PolicyName name, int limit) {
    return reads.withHandle(h -> {
      require(h, name);
      return PolicyRows.history(h, name.value(), Math.min(limit, MAX_HISTORY));
    });
  }

  public PolicyVersion version(PolicyName name, int version) {
    return reads.withHandle(h -> {
      var row = require(h, name);
      return PolicyRows.version(h, name.value(), version).orElseThrow(() -> new NotFoundException(
          "version " + version + " of policy '" + name + "' does not exist (versions are 1 to "
              + row.currentVersion() + ")"));
    });
  }

  /**
   * Re-hashes every policy's current version and checks it against the stored hash and the hash the
   * journal recorded for it (the journal is chained, so a version rewritten with a matching hash
   * still disagrees with it). One read snapshot; the attestor calls this.
   */
  public StateAttestation attestCurrentVersions() {
    record Current(String name, int version, String document, String stateHash, String journalPayload) {}
    var problems = new java.util.ArrayList<String>();
    int policies = reads.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
      // streamed: one document in memory at a time, however many policies there are
      try (var rows = h.createQuery("""
              SELECT p.name, p.current_version, v.document, v.state_hash, j.payload
              FROM policies p
              LEFT JOIN policy_versions v ON v.policy = p.name AND v.version = p.current_version
              LEFT JOIN journal j ON j.seq = v.journal_seq
              ORDER BY p.name
              """)
          .setFetchSize(100)
          .map((rs, ctx) -> new Current(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
              rs.getString(5)))
          .stream()) {
        int[] n = {0};
        rows.forEach(c -> {
          n[0]++;
          String problem = check(c.name(), c.version(), c.document(), c.stateHash(), c.journalPayload());
          if (problem != null) {
            problems.add(problem);
          }
        });
        return n[0];
      }
    });
    return new StateAttestation(policies, problems);
  }

  /** What is wrong with one current version, or null. */
  private static String check(String name, int version, String document, String stateHash, String journalPayload) {
    String where = "policy '" + name + "' version " + version;
    if (document == null) {
      return where + " is missing";
    }
    String rehash = Canonical.sha256Hex(document);
    if (!rehash.equals(stateHash)) {
      return where + " re-hashes to " + abbrev(rehash) + " but its stored state hash is " + abbrev(stateHash);
    }
    String canonical;
    try {
      canonical = Canonical.canonicalize(document);
    } catch (java.io.IOException | RuntimeException e) {
      return where + " is not valid JSON: " + e.getMessage();
    }
    if (!canonical.equals(document)) {
      return where + " is not stored in canonical form";
    }
    String journaled = journalPayload == null ? null
        : Json.parseStoredObject(journalPayload).path("stateHash").asText(null);
    if (!rehash.equals(journaled)) {
      return where + " hashes to " + abbrev(rehash) + " but the journal recorded "
          + (journaled == null ? "no entry for it" : abbrev(journaled));
    }
    return null;
  }

  private static String abbrev(String hash) {
    return hash == null ? "null" : hash.length() > 12 ? hash.substring(0, 12) + "…" : hash;
  }

  private static PolicyRows.Row require(Handle h, PolicyName name) {
    return PolicyRows.find(h, name.value())
        .orElseThrow(() -> new NotFoundException("policy '" + name + "' does not exist"));
  }

  /**
   * A proposal counted in the apply statistics: its signature (SHA-256 of the delta or document) and
   * the soak session it belongs to (either may be null).
   */
  private record Proposed(String signature, String session) {}

  /** A command's answer: the apply result, or the message of a journaled refusal (then thrown as a 409). */
  private record Answer(ApplyResult result, String rejection) {}

  private static ApplyResult rejectedOrResult(Answer a) {
    if (a.rejection() != null) {
      throw new ConflictException(a.rejection());
    }
    return a.result();
  }

  /**
   * A counted proposal: refused while the policy is under a rollout — journaled as
   * {@code policy.rejected}, since a tuner that keeps proposing then is exactly what the statistics
   * must show — else through the pipeline.
   */
  private static Answer proposeCounted(Tx tx, PolicyRows.Row row, ObjectNode candidate, ChangeKind kind,
      String reason, String actor, Proposed proposed) {
    Optional<String> conflict = rolloutConflict(tx.handle(), row.name());
    if (conflict.isPresent()) {
      rejected(tx, PolicyName.of(row.name()), conflict.get(), "rollout", proposed, actor);
      return new Answer(null, conflict.get());
    }
    return new Answer(decideAndRecord(tx, row, candidate, kind, reason, actor, proposed), null);
  }

  private static long rejected(Tx tx, PolicyName name, String why, String cause, Proposed proposed, String actor) {
    ObjectNode p = Json.object().put("cause", cause).put("reason", why);
    proposalFields(p, proposed);
    long seq = tx.append("policy.rejected", name.value(), actor, p);
    ProposalRows.insert(tx.handle(), seq, name.value(), tx.now(), proposed.session(), proposed.signature(),
        io.rollgate.gate.ProposalOutcome.FAILED);
    return seq;
  }

  private static void proposalFields(ObjectNode p, Proposed proposed) {
    if (proposed == null) {
      return;
    }
    if (proposed.signature() != null) {
      p.put("signature", proposed.signature());
    }
    if (proposed.session() != null) {
      p.put("session", proposed.session());
    }
  }

  private static ApplyResult propose(
      Tx tx, PolicyRows.Row row, ObjectNode candidate, ChangeKind kind, String reason, String actor) {
    rolloutConflict(tx.handle(), row.name()).ifPresent(message -> {
      throw new ConflictException(message);
    });
    return decideAndRecord(tx, row, candidate, kind, reason, actor, null);
  }

  private static ApplyResult decideAndRecord(Tx tx, PolicyRows.Row row, ObjectNode candidate, ChangeKind kind,
      String reason, String actor, Proposed proposed) {
    var current = new ApplyPipeline.Current(row.frozen(), row.frozenReason(), row.guards(),
        PolicyRows.recent(tx.handle(), row.name(), tx.now().minus(row.guards().lookBack())));
    var decision = ApplyPipeline.decide(current, candidate, kind, tx.now());
    PolicyName name = PolicyName.of(row.name());
    return switch (decision) {
      case ApplyPipeline.Decision.Apply apply -> commit(tx, name, current.version(), apply, kind, reason, actor,
          proposed);
      case ApplyPipeline.Decision.Skip skip -> skipped(tx, name, current.version(), skip, kind, reason, actor,
          proposed);
    };
  }

  private static ApplyResult commit(Tx tx, PolicyName name, PolicyVersion head, ApplyPipeline.Decision.Apply apply,
      ChangeKind kind, String reason, String actor, Proposed proposed) {
    int version = head == null ? 1 : head.version() + 1;
    String oldHash = head == null ? null : head.stateHash();
    ObjectNode p = Json.object();
    p.put("version", version).put("kind", kind.wire()).put("stateHash", apply.stateHash()).put("oldHash", oldHash);
    p.set("changedKeys", Json.mapper().valueToTree(apply.changedKeys()));
    p.put("bytesWritten", apply.bytes()).put("reason", reason);
    proposalFields(p, proposed);
    long seq = tx.append("policy.applied", name.value(), actor, p);
    PolicyRows.insertVersion(tx.handle(), name.value(), version, apply.canonical(), apply.stateHash(), kind,
        reason, actor, tx.now(), seq);
    if (proposed != null) {
      ProposalRows.insert(tx.handle(), seq, name.value(), tx.now(), proposed.session(), proposed.signature(),
          io.rollgate.gate.ProposalOutcome.APPLIED);
    }
    return new ApplyResult(name.value(), true, false, version, apply.stateHash(), oldHash, apply.changedKeys(),
        apply.bytes(), null);
  }

  private static ApplyResult skipped(Tx tx, PolicyName name, PolicyVersion head, ApplyPipeline.Decision.Skip skip,
      ChangeKind kind, String reason, String actor, Proposed proposed) {
    SkipReason why = skip.reason();
    ObjectNode p = Json.object();
    p.put("version", head.version()).put("kind", kind.wire()).put("candidateHash", skip.candidateHash())
        .put("stateHash", head.stateHash());
    p.set("changedKeys", Json.mapper().valueToTree(skip.changedKeys()));
    p.set("skipReason", Json.mapper().valueToTree(why));
    p.put("reason", reason);
    proposalFields(p, proposed);
    long seq = tx.append("policy.skipped", name.value(), actor, p);
    if (proposed != null) {
      ProposalRows.insert(tx.handle(), seq, name.value(), tx.now(), proposed.session(), proposed.signature(),
          io.rollgate.gate.ProposalOutcome.SKIPPED);
    }
    return new ApplyResult(name.value(), false, why.noOp(), head.version(), head.stateHash(), head.stateHash(),
        skip.changedKeys(), 0, why);
  }

  /**
   * While a staged rollout runs, its baseline must stay the current version: a direct change would
   * silently move the baseline cohort and the candidate would no longer be what was measured.
   * Freezing stays possible (it stops the rollout from completing).
   */
  private static Optional<String> rolloutConflict(Handle h, String policy) {
    return h.createQuery("SELECT id, phase FROM rollouts WHERE policy = :p AND active = :t")
        .bind("p", policy).bind("t", true)
        .map((rs, ctx) -> rs.getString("id") + "' (" + rs.getString("phase") + ")")
        .findOne()
        .map(r -> "policy '" + policy + "' has an active rollout '" + r
              + "; its changes go through the rollout: let it complete, or abort or roll it back first");
  }

  /**
   * Commits a completed rollout's candidate as the next version, inside the rollout's own command.
   * Freeze still stops it; the other guards do not apply (the rollout was the slow path, measured at
   * every stage). Call {@link #verifyCommitted} after the command has committed.
   *
   * @throws ConflictException the policy is frozen
   */
  public static ApplyResult commitRolloutCandidate(Tx tx, PolicyName name, ObjectNode candidate, String reason,
      String actor) {
    var row = require(tx.handle(), name);
    if (row.frozen()) {
      throw new ConflictException("policy '" + name + "' is frozen (" + row.frozenReason() + "); unfreeze it "
          + "to let the rollout complete");
    }
    PolicyVersion head = PolicyRows.version(tx.handle(), name.value(), row.currentVersion()).orElseThrow();
    var apply = ApplyPipeline.create(candidate);
    var fresh = new ApplyPipeline.Decision.Apply(apply.document(), apply.canonical(), apply.stateHash(),
        io.rollgate.json.JsonPointers.changedKeys(head.document(), apply.document()));
    return commit(tx, name, head, fresh, ChangeKind.ROLLOUT, reason, actor, null);
  }

  /** The policy as the command's transaction sees it (earlier commands of the batch included). */
  public static PolicyView current(Tx tx, PolicyName name) {
    return view(tx.handle(), name);
  }

  /**
   * Runs the apply pipeline's guards on {@code candidate} without committing anything: what a staged
   * rollout checks when it is created (freeze, no-op and the other guards refuse it).
   */
  public static ApplyPipeline.Decision check(Tx tx, PolicyName name, ObjectNode candidate, ChangeKind kind) {
    var row = require(tx.handle(), name);
    var current = new ApplyPipeline.Current(row.frozen(), row.frozenReason(), row.guards(),
        PolicyRows.recent(tx.handle(), row.name(), tx.now().minus(row.guards().lookBack())));
    return ApplyPipeline.decide(current, candidate, kind, tx.now());
  }

  /**
   * Proposes {@code candidate} through the full apply pipeline inside another store's command (a
   * promotion): guards, then an applied version or a journaled skip. Call {@link #verifyCommitted}
   * after the command has committed.
   */
  public static ApplyResult proposeInCommand(Tx tx, PolicyName name, ObjectNode candidate, ChangeKind kind,
      String reason, String actor) {
    return propose(tx, require(tx.handle(), name), candidate, kind, reason, actor);
  }

  /** One stored version as the command's transaction sees it. */
  public static Optional<PolicyVersion> versionInCommand(Tx tx, PolicyName name, int version) {
    return PolicyRows.version(tx.handle(), name.value(), version);
  }

  /** The verification barrier for a version committed by another store's command. */
  public ApplyResult verifyCommitted(ApplyResult result) {
    return verified(result);
  }

  /**
   * The verification barrier: after the commit, re-read the stored version, re-hash it and compare.
   * A mismatch is journaled and reported; it means the store did not keep what it acknowledged.
   */
  private ApplyResult verified(ApplyResult result) {
    if (!result.applied()) {
      return result;
    }
    var stored = reads.withHandle(h -> PolicyRows.storedBytes(h, result.policy(), result.version()));
    String problem;
    if (stored.isEmpty()) {
      problem = "version " + result.version() + " is missing after its commit";
    } else {
      String rehash = Canonical.sha256Hex(stored.get()[0]);
      problem = rehash.equals(result.stateHash()) && stored.get()[1].equals(result.stateHash())
          ? null
          : "version " + result.version() + " re-hashes to " + rehash.substring(0, 12) + "… (stored hash "
              + stored.get()[1].substring(0, 12) + "…) but " + result.stateHash().substring(0, 12) + "… was committed";
    }
    if (problem == null) {
      return result;
    }
    log.error("verification barrier failed for policy '{}': {}", result.policy(), problem);
    journal.execute(tx -> {
      ObjectNode p = Json.object().put("version", result.version()).put("expectedHash", result.stateHash())
          .put("problem", problem);
      return tx.append("policy.verification_failed", result.policy(), "system", p);
    });
    throw new IntegrityException("verification failed for policy '" + result.policy() + "': " + problem);
  }

  private static PolicyView view(Handle h, PolicyName name) {
    return view(h, require(h, name));
  }

  private static PolicyView view(Handle h, PolicyRows.Row r) {
    PolicyVersion v = PolicyRows.version(h, r.name(), r.currentVersion())
        .orElseThrow(() -> new IllegalStateException("policy '" + r.name() + "' has no version " + r.currentVersion()));
    return new PolicyView(r.name(), v.version(), v.stateHash(), v.document(), r.frozen(), r.frozenReason(),
        r.frozenBy(), r.frozenAt(), r.guards(), r.createdAt(), r.updatedAt());
  }
}
