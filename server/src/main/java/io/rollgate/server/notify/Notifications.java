package io.rollgate.server.notify;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import io.rollgate.store.db.Database;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalReader;
import io.rollgate.store.journal.Tx;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notifications from a durable outbox (issue 6). Callers enqueue inside their own journal command
 * ({@link IncidentSink}); rollout entries are picked up from the journal by a cursor that commits with
 * the rows it produces. One delivery loop sends due rows in order per incident and sink, and records
 * every outcome through the journal writer.
 *
 * <p>One external issue per incident and tracker: before the first create, a {@code creating} record is
 * committed; a later attempt that finds it (after a timeout, a crash, a restart) first searches the
 * tracker for the incident's marker and only creates if nothing is there. Chat and webhook messages
 * are at least once.
 */
public final class Notifications implements IncidentSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Notifications.class);
  static final String ACTOR = "rollgate:notifier";
  static final String ROLLOUT_CURSOR = "rollouts";
  /** Lookups search from this long before the first create was sent (clock skew between us and the tracker). */
  static final Duration LOOKUP_SLACK = Duration.ofMinutes(5);
  private static final int BATCH = 200;

  private final Jdbi reads;
  private final Journal journal;
  private final JournalReader reader;
  private final InstantSource clock;
  private final RandomGenerator random;
  private final NotifySettings.Delivery delivery;
  private final Templates templates;
  private final Map<String, Tracker> trackers = new LinkedHashMap<>();
  private final Map<String, Poster> posters = new LinkedHashMap<>();
  private final Semaphore wake = new Semaphore(0);
  private final Object deliveryLock = new Object();
  private volatile boolean running;
  private Thread loop;

  private Notifications(Database db, Journal journal, NotifySettings settings, String configName,
      InstantSource clock, RandomGenerator random, HttpClient http) {
    this.reads = db.reads();
    this.journal = journal;
    this.reader = new JournalReader(db);
    this.clock = clock;
    this.random = random;
    this.delivery = settings.delivery();
    Set<String> types = new HashSet<>();
    settings.sinks().forEach(s -> types.add(s.type()));
    this.templates = Templates.load(configName, settings.templatesDir(), types);
    Duration t = delivery.requestTimeout();
    for (SinkSpec s : settings.sinks()) {
      switch (s) {
        case SinkSpec.GitHub g -> trackers.put(g.id(), new GitHubSink(g, http, t, clock));
        case SinkSpec.GitLab g -> trackers.put(g.id(), new GitLabSink(g, http, t, clock));
        case SinkSpec.Jira j -> trackers.put(j.id(), new JiraSink(j, http, t, clock));
        case SinkSpec.Slack sl -> posters.put(sl.id(), new SlackSink(sl, templates, http, t, clock));
        case SinkSpec.Webhook w -> posters.put(w.id(), new WebhookSink(w, http, t, clock));
      }
    }
  }

  /**
   * Builds the sinks and validates every template they use (a bad one throws {@link NotifyConfigException}
   * naming {@code configName}, the template and the line). The rollout cursor starts at the journal's
   * head the first time, so history is not replayed into Slack.
   */
  public static Notifications create(Database db, Journal journal, NotifySettings settings, String configName,
      InstantSource clock, RandomGenerator random) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(settings.delivery().requestTimeout())
        .followRedirects(HttpClient.Redirect.NEVER).build();
    var n = new Notifications(db, journal, settings, configName, clock, random, http);
    if (n.posters.values().stream().anyMatch(Poster::rollouts) && Outbox.cursor(n.reads, ROLLOUT_CURSOR).isEmpty()) {
      long head = n.reader.head().seq();
      journal.execute(tx -> {
        Outbox.setCursor(tx.handle(), ROLLOUT_CURSOR, head);
        return null;
      });
    }
    journal.addListener(entries -> n.wake.release()); // never work on the writer thread: just wake the loop
    return n;
  }

  // ---- enqueueing, inside the caller's command ----

  @Override
  public void incidentOpened(Tx tx, IncidentNotice incident) {
    ObjectNode payload = Outbox.payload(incident);
    for (String sink : incidentSinks()) {
      if (!Outbox.hasMessage(tx.handle(), incident.id(), sink, "opened")) {
        Outbox.insert(tx.handle(), incident.id(), sink, "opened", payload, tx.now());
      }
    }
  }

  @Override
  public void incidentUpdated(Tx tx, IncidentNotice incident) {
    ObjectNode payload = Outbox.payload(incident);
    for (String sink : incidentSinks()) {
      if (!Outbox.coalesceUpdate(tx.handle(), incident.id(), sink, payload, tx.now())) {
        Outbox.insert(tx.handle(), incident.id(), sink, "updated", payload, tx.now());
      }
    }
  }

  private List<String> incidentSinks() {
    List<String> ids = new ArrayList<>(trackers.keySet());
    posters.values().stream().filter(Poster::incidents).forEach(p -> ids.add(p.id()));
    return ids;
  }

  @Override
  public List<ExternalLink> links(String incidentId) {
    return Outbox.externals(reads, incidentId).stream()
        .filter(e -> trackers.containsKey(e.sinkId()) || true)
        .map(e -> new ExternalLink(e.sinkId(), trackers.containsKey(e.sinkId()) ? trackers.get(e.sinkId()).type() : null,
            e.state(), e.externalId(), e.externalUrl()))
        .toList();
  }

  /** The outbox rows of one incident (or {@code rollout:<id>}), oldest first: for tests and diagnostics. */
  public List<Delivery> deliveries(String incidentId) {
    return Outbox.rows(reads, incidentId).stream()
        .map(r -> new Delivery(r.id(), r.sinkId(), r.message(), r.state(), r.attempts(), r.nextAttemptAt(),
            r.lastError(), r.externalId(), r.externalUrl()))
        .toList();
  }

  /** One outbox row as seen from outside. */
  public record Delivery(long id, String sink, String message, String state, int attempts, Instant nextAttemptAt,
      String lastError, String externalId, String externalUrl) {}

  // ---- rollout messages: journal → outbox ----

  /**
   * Moves {@code rollout.*} journal entries past the cursor into outbox rows for the sinks that want
   * them, in one command per page (rows and cursor commit together: none lost, none twice).
   * Returns the number of rows enqueued.
   */
  public int pumpRollouts() {
    List<Poster> wanting = posters.values().stream().filter(Poster::rollouts).toList();
    if (wanting.isEmpty()) {
      return 0;
    }
    int enqueued = 0;
    for (int pages = 0; pages < 1_000; pages++) { // bounded; the next wake continues
      long after = Outbox.cursor(reads, ROLLOUT_CURSOR).orElse(0L);
      List<JournalEntry> page = reader.page(after, JournalReader.MAX_PAGE);
      if (page.isEmpty()) {
        return enqueued;
      }
      List<JournalEntry> rollouts = page.stream().filter(RolloutMessages::concerns).toList();
      long last = page.getLast().seq();
      if (rollouts.isEmpty() && page.size() < JournalReader.MAX_PAGE) {
        return enqueued; // nothing to send; the cursor moves with the next rollout entry (saves a write per batch)
      }
      enqueued += journal.execute(tx -> {
        long current = Outbox.cursor(reads, ROLLOUT_CURSOR).orElse(0L);
        if (current != after) {
          return 0; // another pump moved it meanwhile
        }
        int n = 0;
        for (JournalEntry e : rollouts) {
          ObjectNode ctx = RolloutMessages.context(e);
          for (Poster p : wanting) {
            Outbox.insert(tx.handle(), "rollout:" + ctx.path("rollout").path("id").asText(), p.id(), "rollout", ctx,
                tx.now());
            n++;
          }
        }
        Outbox.setCursor(tx.handle(), ROLLOUT_CURSOR, last);
        return n;
      });
    }
    return enqueued;
  }

  // ---- delivery ----

  /** Attempts every due row once (in id order, one incident-and-sink at a time); returns the attempts made. */
  public int deliverDue() {
    synchronized (deliveryLock) {
      Instant now = clock.instant();
      Set<String> blocked = new HashSet<>();
      int attempts = 0;
      for (Outbox.Row r : Outbox.due(reads, now, BATCH)) {
        String key = r.incidentId() + "\u0000" + r.sinkId();
        if (blocked.contains(key)) {
          continue;
        }
        Tracker tracker = trackers.get(r.sinkId());
        Poster poster = posters.get(r.sinkId());
        if (tracker == null && poster == null) {
          continue; // a notifier removed from the config: its rows wait for it to come back
        }
        Instant paused = tracker != null ? tracker.pausedUntil() : poster.pausedUntil();
        if (paused.isAfter(now) || Outbox.earlierPending(reads, r)) {
          blocked.add(key);
          continue;
        }
        attempts++;
        boolean finished = tracker != null ? deliverTracker(tracker, r) : deliverPost(poster, r);
        if (!finished) {
          blocked.add(key);
        }
      }
      return attempts;
    }
  }

  private boolean deliverPost(Poster p, Outbox.Row r) {
    Attempt a;
    try {
      a = p.post(r.id(), r.message(), r.payload());
    } catch (NotifyConfigException e) { // a template that cannot render this payload: retrying will not help
      a = new Attempt.Failed(e.getMessage());
    }
    return settle(r, a, p.id());
  }

  private boolean deliverTracker(Tracker t, Outbox.Row r) {
    IncidentNotice n = Outbox.incident(r.payload());
    var ext = Outbox.external(reads, r.incidentId(), t.id()).orElse(null);
    Attempt issue;
    boolean createdNow = false;
    if (ext != null && ext.state().equals("created")) {
      issue = new Attempt.Delivered(ext.externalId(), ext.externalUrl());
    } else {
      Instant firstTry;
      boolean mine = false;
      if (ext == null) {
        mine = journal.execute(tx -> Outbox.creating(tx.handle(), r.incidentId(), t.id(), tx.now()));
        ext = Outbox.external(reads, r.incidentId(), t.id()).orElseThrow();
      }
      if (mine) {
        firstTry = ext.createdAt();
        issue = new Attempt.NotFound(); // we just wrote the record: nothing was ever sent, no need to look
      } else {
        firstTry = ext.createdAt();
        issue = t.find(r.incidentId(), firstTry.minus(LOOKUP_SLACK)); // a create may have landed
      }
      if (issue instanceof Attempt.NotFound) {
        try {
          issue = t.create(n, templates.title(n), templates.incident(t.type(), r.message(), n));
        } catch (NotifyConfigException e) {
          issue = new Attempt.Failed(e.getMessage());
        }
        createdNow = true;
      }
      if (issue instanceof Attempt.Delivered d) {
        journal.execute(tx -> {
          Outbox.created(tx.handle(), r.incidentId(), t.id(), d.externalId(), d.url(), tx.now());
          tx.append("notification.linked", r.incidentId(), ACTOR, Json.object().put("sink", t.id())
              .put("type", t.type()).put("externalId", d.externalId()).put("url", d.url()));
          return null;
        });
        log.info("incident {} is {} #{} on notifier {}", r.incidentId(), d.url(), d.externalId(), t.id());
      } else if (issue instanceof Attempt.Failed && createdNow) {
        journal.execute(tx -> {
          Outbox.forget(tx.handle(), r.incidentId(), t.id()); // refused: nothing exists on the tracker
          return null;
        });
      }
    }
    if (!(issue instanceof Attempt.Delivered d)) {
      return settle(r, issue, t.id());
    }
    if (r.message().equals("opened") || createdNow) {
      return settle(r, issue, t.id());
    }
    Attempt comment;
    try {
      comment = t.comment(d.externalId(), templates.incident(t.type(), r.message(), n));
    } catch (NotifyConfigException e) {
      comment = new Attempt.Failed(e.getMessage());
    }
    return settle(r, comment instanceof Attempt.Delivered ? issue : comment, t.id());
  }

  /** Records the outcome of one attempt; true when the row is finished (done or failed). */
  private boolean settle(Outbox.Row r, Attempt a, String sink) {
    int attempts = r.attempts() + 1;
    return switch (a) {
      case Attempt.Delivered d -> {
        journal.execute(tx -> {
          Outbox.done(tx.handle(), r.id(), attempts, d.externalId(), d.url(), tx.now());
          return null;
        });
        yield true;
      }
      case Attempt.Failed f -> {
        fail(r, attempts, f.reason());
        yield true;
      }
      case Attempt.Retry retry -> {
        if (attempts >= delivery.maxAttempts()) {
          fail(r, attempts, "gave up after " + attempts + " attempts; last: " + retry.reason());
          yield true;
        }
        Instant now = clock.instant();
        Instant next = now.plus(backoff(attempts));
        if (retry.notBefore() != null && retry.notBefore().isAfter(next)) {
          next = retry.notBefore();
        }
        Instant at = next;
        journal.execute(tx -> {
          Outbox.retry(tx.handle(), r.id(), attempts, at, retry.reason(), tx.now());
          return null;
        });
        log.warn("notifier {}: {} message for {} will be retried at {} (attempt {} of {}): {}", sink, r.message(),
            r.incidentId(), at, attempts, delivery.maxAttempts(), retry.reason());
        yield false;
      }
      case Attempt.NotFound nf -> throw new IllegalStateException("a lookup result cannot settle a row");
    };
  }

  private void fail(Outbox.Row r, int attempts, String reason) {
    journal.execute(tx -> {
      Outbox.failed(tx.handle(), r.id(), attempts, reason, tx.now());
      tx.append("notification.failed", r.incidentId(), ACTOR, Json.object().put("sink", r.sinkId())
          .put("message", r.message()).put("attempts", attempts).put("error", reason));
      return null;
    });
    log.error("notifier {}: {} message for {} failed after {} attempt(s): {}", r.sinkId(), r.message(),
        r.incidentId(), attempts, reason);
  }

  /** Exponential backoff with "equal jitter": half the delay fixed, half random, so retries spread out. */
  Duration backoff(int attempts) {
    long base = delivery.baseBackoff().toMillis();
    long cap = delivery.maxBackoff().toMillis();
    long d = attempts >= 40 ? cap : Math.min(cap, base << Math.min(attempts - 1, 40));
    long half = d / 2;
    return Duration.ofMillis(half + (half == 0 ? 0 : random.nextLong(half + 1)));
  }

  // ---- the loop ----

  /** Runs the pump and the delivery loop every {@code tick} and whenever the journal commits. */
  public synchronized void start(Duration tick) {
    start(tick, java.util.function.UnaryOperator.identity());
  }

  /** As {@link #start(Duration)}, each round wrapped by {@code around} (on replicas: run only by the leader). */
  public synchronized void start(Duration tick, java.util.function.UnaryOperator<Runnable> around) {
    Runnable round = around.apply(() -> {
      pumpRollouts();
      deliverDue();
    });
    if (running || tick.isZero()) {
      return;
    }
    running = true;
    loop = Thread.ofPlatform().daemon().name("rollgate-notifier").start(() -> {
      while (running) {
        try {
          round.run();
        } catch (RuntimeException e) { // e.g. the journal saturated or closing: try again on the next tick
          log.warn("notification loop: {}", e.toString());
        }
        try {
          wake.tryAcquire(tick.toMillis(), TimeUnit.MILLISECONDS);
          wake.drainPermits();
        } catch (InterruptedException e) {
          return;
        }
      }
    });
  }

  @Override
  public synchronized void close() {
    running = false;
    if (loop != null) {
      loop.interrupt();
      try {
        loop.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      loop = null;
    }
  }
}
