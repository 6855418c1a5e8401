package io.rollgate.store.incident;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.error.NotFoundException;
import io.rollgate.incident.Action;
import io.rollgate.incident.Dedup;
import io.rollgate.incident.IncidentSettings;
import io.rollgate.incident.Signal;
import io.rollgate.incident.State;
import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.Tx;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Incidents. A signal is decided and applied inside one journal command: the key's history is read
 * as the writer sees it, {@link Dedup#decide} picks create / occurrence / reopen / suppressed, and
 * the rows and the journal entry commit together — so concurrent signals on one key are serialised
 * and yield one incident. The partial unique index {@code incidents_one_open} is the database's
 * guarantee of the same rule, should any other path ever write incidents.
 *
 * <p>Journal entries: {@code incident.created}, {@code incident.updated} (an occurrence, a reopen,
 * a person's transition; {@code change} says which) and {@code incident.suppressed} (a signal over
 * the key's creation limit, counted on the latest incident). Their subject is {@code incident:{id}}.
 */
public final class IncidentStore {
  public static final int MAX_LIST = 1_000;
  public static final int MAX_OCCURRENCES_SHOWN = 100;
  public static final int MAX_REASON = 1_000;
  /** The actor of what signals do (creations, occurrences, reopens). */
  public static final String SYSTEM = "system";

  private final Jdbi reads;
  private final Journal journal;
  private final IncidentSettings settings;
  private final Observer observer;

  /**
   * Told about every created, reopened or changed incident inside the command that changed it, so that
   * what it writes (the notifiers' outbox) commits with the incident or not at all.
   */
  public interface Observer {
    /** Created, or reopened. */
    void opened(Tx tx, IncidentView incident);

    /** Counted again, suppressed onto it, or moved through its lifecycle. */
    void updated(Tx tx, IncidentView incident);

    Observer NONE = new Observer() {
      @Override
      public void opened(Tx tx, IncidentView incident) {}

      @Override
      public void updated(Tx tx, IncidentView incident) {}
    };
  }

  public IncidentStore(Database db, Journal journal, IncidentSettings settings) {
    this(db, journal, settings, Observer.NONE);
  }

  public IncidentStore(Database db, Journal journal, IncidentSettings settings, Observer observer) {
    this.reads = db.reads();
    this.journal = journal;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.observer = Objects.requireNonNull(observer, "observer");
  }

  public IncidentSettings settings() {
    return settings;
  }

  /**
   * What a signal did.
   *
   * @param incident the incident it created or was counted on, after the signal
   * @param seq the journal entry it appended
   */
  public record Signaled(IncidentView incident, Dedup.Outcome outcome, long seq) {}

  /** Records {@code signal}: a new incident, an occurrence, a reopen, or a suppressed occurrence. Never dropped. */
  public Signaled signal(Signal signal) {
    return journal.execute(tx -> apply(tx, signal, settings, observer));
  }

  /**
   * Records {@code signal}, derived from journal entry {@code seq}, unless cursor {@code cursor} is already
   * at or past it (a replay after a restart); the cursor advances to {@code seq} in the same command, so
   * a signal is recorded exactly when its cursor moves. Entries must be offered in journal order.
   *
   * @return empty when the entry was already turned into a signal
   */
  public Optional<Signaled> signalFromJournal(String cursor, long seq, Signal signal) {
    return journal.execute(tx -> {
      if (seq <= IncidentRows.cursor(tx.handle(), cursor)) {
        return Optional.<Signaled>empty();
      }
      Signaled s = apply(tx, signal, settings, observer);
      IncidentRows.advanceCursor(tx.handle(), cursor, seq);
      return Optional.of(s);
    });
  }

  /** The last journal seq cursor {@code name} has turned into signals; empty when it was never set. */
  public java.util.OptionalLong cursor(String name) {
    return reads.withHandle(h -> IncidentRows.findCursor(h, name));
  }

  /** Moves cursor {@code name} forward to {@code seq} (never back): entries up to it produced no signal. */
  public void advanceCursor(String name, long seq) {
    journal.execute(tx -> {
      IncidentRows.advanceCursor(tx.handle(), name, seq);
      return null;
    });
  }

  /** The command itself, for callers that must signal inside a command of their own. */
  public static Signaled apply(Tx tx, Signal signal, IncidentSettings settings) {
    return apply(tx, signal, settings, Observer.NONE);
  }

  /** {@link #apply(Tx, Signal, IncidentSettings)}, telling {@code observer} in the same command. */
  public static Signaled apply(Tx tx, Signal signal, IncidentSettings settings, Observer observer) {
    Signaled s = decideAndWrite(tx, signal, settings);
    switch (s.outcome()) {
      case Dedup.Outcome.Create c -> observer.opened(tx, s.incident());
      case Dedup.Outcome.Reopen r -> observer.opened(tx, s.incident());
      case Dedup.Outcome.Occurrence o -> observer.updated(tx, s.incident());
      case Dedup.Outcome.Suppressed x -> observer.updated(tx, s.incident());
    }
    return s;
  }

  private static Signaled decideAndWrite(Tx tx, Signal signal, IncidentSettings settings) {
    var h = tx.handle();
    Instant now = tx.now();
    String key = signal.dedupKey();
    Optional<IncidentView> latest = IncidentRows.latest(h, key);
    int created = IncidentRows.createdSince(h, key, now.minus(settings.rateWindow()));
    var history = new Dedup.History(latest.map(l -> new Dedup.Latest(l.id(), l.state(), l.resolvedAt())), created);
    Dedup.Outcome outcome = Dedup.decide(history, now, settings);
    String details = Json.write(signal.details());
    return switch (outcome) {
      case Dedup.Outcome.Create c -> {
        long id = IncidentRows.nextId(h);
        var v = new IncidentView(id, key, signal.identity(), signal.kind(), signal.source(), signal.severity(),
            State.OPEN, signal.title(), 1, now, now, now, null, null, null, null, 0);
        IncidentRows.insert(h, v);
        ObjectNode p = payload(v, "created");
        p.set("details", signal.details());
        long seq = tx.append("incident.created", subject(id), SYSTEM, p);
        IncidentRows.insertOccurrence(h, id, 1, now, seq, outcome.wire(), signal.severity(), signal.title(), details);
        IncidentRows.insertTransition(h, id, now, seq, null, State.OPEN, SYSTEM, signal.title());
        yield new Signaled(v, outcome, seq);
      }
      case Dedup.Outcome.Occurrence o -> counted(tx, latest.orElseThrow(), signal, outcome, "incident.updated", null);
      case Dedup.Outcome.Reopen r -> counted(tx, latest.orElseThrow(), signal, outcome, "incident.updated",
          "a new signal within " + settings.reopenWindow().toMinutes() + " min of resolve: " + signal.title());
      case Dedup.Outcome.Suppressed s -> counted(tx, latest.orElseThrow(), signal, outcome, "incident.suppressed", null);
    };
  }

  /** An occurrence on {@code before}: counted, severity escalated, reopened when {@code reopenReason} is set. */
  private static Signaled counted(Tx tx, IncidentView before, Signal signal, Dedup.Outcome outcome, String type,
      String reopenReason) {
    Instant now = tx.now();
    boolean reopen = reopenReason != null;
    var v = new IncidentView(before.id(), before.dedupKey(), before.identity(), before.kind(), before.source(),
        before.severity().worst(signal.severity()), reopen ? State.OPEN : before.state(), before.title(),
        before.occurrences() + 1, before.createdAt(), now, now, reopen ? null : before.acknowledgedAt(),
        reopen ? null : before.mitigatedAt(), reopen ? null : before.resolvedAt(), before.closedAt(),
        before.reopened() + (reopen ? 1 : 0));
    IncidentRows.update(tx.handle(), v);
    ObjectNode p = payload(v, outcome.wire());
    p.put("signalSeverity", signal.severity().wire()).put("signalTitle", signal.title());
    p.set("details", signal.details());
    if (before.severity() != v.severity()) {
      p.put("fromSeverity", before.severity().wire());
    }
    if (reopen) {
      p.put("fromState", before.state().wire()).put("reason", reopenReason);
    }
    if (outcome instanceof Dedup.Outcome.Suppressed s) {
      p.put("createdInWindow", s.createdInWindow()).put("limit", s.limit());
      p.put("note", "over the creation limit of " + s.limit() + " incidents per key and window ("
          + s.createdInWindow() + " created): counted on incident " + v.id() + " instead of opening another");
    }
    long seq = tx.append(type, subject(v.id()), SYSTEM, p);
    IncidentRows.insertOccurrence(tx.handle(), v.id(), v.occurrences(), now, seq, outcome.wire(), signal.severity(),
        signal.title(), Json.write(signal.details()));
    if (reopen) {
      IncidentRows.insertTransition(tx.handle(), v.id(), now, seq, before.state(), State.OPEN, SYSTEM, reopenReason);
    }
    return new Signaled(v, outcome, seq);
  }

  /**
   * A person's action on incident {@code id}, checked against {@link State#TRANSITIONS}.
   *
   * @throws NotFoundException no such incident
   * @throws io.rollgate.error.ConflictException the action is not legal from the incident's state
   */
  public IncidentView act(long id, Action action, String actor, String reason) {
    return journal.execute(tx -> {
      IncidentView before = IncidentRows.find(tx.handle(), id).orElseThrow(() -> notFound(id));
      State to = before.state().requireTransition(action.target(), "incident " + id + " (" + action.wire() + ")");
      Instant now = tx.now();
      var v = new IncidentView(before.id(), before.dedupKey(), before.identity(), before.kind(), before.source(),
          before.severity(), to, before.title(), before.occurrences(), before.createdAt(), now,
          before.lastOccurrenceAt(),
          to == State.ACKNOWLEDGED ? now : to == State.OPEN ? null : before.acknowledgedAt(),
          to == State.MITIGATED ? now : before.mitigatedAt(),
          to == State.RESOLVED ? now : before.resolvedAt(),
          to == State.CLOSED ? now : before.closedAt(), before.reopened());
      IncidentRows.update(tx.handle(), v);
      ObjectNode p = payload(v, "transition");
      p.put("action", action.wire()).put("fromState", before.state().wire()).put("reason", reason);
      long seq = tx.append("incident.updated", subject(id), actor, p);
      IncidentRows.insertTransition(tx.handle(), id, now, seq, before.state(), to, actor, reason);
      observer.updated(tx, v);
      return v;
    });
  }

  public Optional<IncidentView> get(long id) {
    return reads.withHandle(h -> IncidentRows.find(h, id));
  }

  public IncidentView require(long id) {
    return get(id).orElseThrow(() -> notFound(id));
  }

  /** Newest first, at most {@code limit} (capped at {@link #MAX_LIST}). */
  public List<IncidentView> list(IncidentFilter filter, int limit) {
    return reads.withHandle(h -> IncidentRows.list(h, filter, Math.min(limit, MAX_LIST)));
  }

  /** Newest first. */
  public List<Occurrence> occurrences(long id, int limit) {
    return reads.withHandle(h -> IncidentRows.occurrences(h, id, Math.min(limit, MAX_LIST)));
  }

  /** Oldest first, the creation included. */
  public List<StateChange> transitions(long id) {
    return reads.withHandle(h -> IncidentRows.transitions(h, id));
  }

  public static String subject(long id) {
    return "incident:" + id;
  }

  private static ObjectNode payload(IncidentView v, String change) {
    ObjectNode p = Json.object();
    p.put("incidentId", v.id()).put("change", change).put("dedupKey", v.dedupKey()).put("kind", v.kind().wire())
        .put("source", v.source()).put("severity", v.severity().wire()).put("state", v.state().wire())
        .put("title", v.title()).put("occurrences", v.occurrences());
    return p;
  }

  private static NotFoundException notFound(long id) {
    return new NotFoundException("incident " + id + " does not exist");
  }
}
