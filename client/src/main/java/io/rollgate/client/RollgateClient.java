package io.rollgate.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Evaluates Rollgate policies locally, exactly as the server's {@code GET /api/v1/evaluate} would,
 * from a snapshot kept current in the background (the event stream, with polling as a fallback),
 * saved to a file and booted from it when the server is unreachable.
 *
 * <pre>{@code
 * RollgateClient rollgate = RollgateClient.builder()
 *     .serverUrl("http://127.0.0.1:8080").token(System.getenv("ROLLGATE_TOKEN"))
 *     .policies("guardian-enforcement")
 *     .snapshotFile(Path.of("/var/lib/app/rollgate-snapshot.json"))
 *     .build();
 * boolean enforce = rollgate.getBoolean("guardian-enforcement.enforce", userId, false);
 * rollgate.recordSuccess("guardian-enforcement", userId);
 * }</pre>
 *
 * <p>Reads are lock-free: one volatile read of an immutable snapshot, a hash-map lookup, and for a
 * policy under rollout one MurmurHash3 of the subject key; {@link #evaluate} of a policy name and
 * the typed getters of a path seen before allocate nothing. No method throws into the caller: a
 * missing policy, path or snapshot gives the caller's default (and, from {@link #evaluate}, a
 * {@link Reason}).
 */
public final class RollgateClient implements AutoCloseable {
  private static final System.Logger log = System.getLogger(RollgateClient.class.getName());
  /** Parsed keys kept; past this, keys are parsed on each call (a program reading that many is generating them). */
  static final int MAX_CACHED_KEYS = 10_000;

  private enum State { NOT_READY, STALE, SYNCED }

  private final Settings settings;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Sync sync;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final List<Consumer<ClientEvent>> listeners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<String, KeyPath> keys = new ConcurrentHashMap<>();
  private final Object stateLock = new Object();
  private final Instant createdAt;

  private volatile Snapshot snapshot;
  private volatile State state = State.NOT_READY;
  private volatile Instant lastSync;
  private volatile String lastError;
  private volatile boolean closed;
  private ScheduledFuture<?> flushTask;

  private RollgateClient(Settings settings, List<Consumer<ClientEvent>> initialListeners) {
    this.settings = settings;
    this.listeners.addAll(initialListeners);
    this.createdAt = settings.clock().instant();
    this.sync = settings.server() == null ? null : new Sync(this, settings, mapper);
    this.ownsScheduler = settings.scheduler() == null;
    this.scheduler = ownsScheduler ? Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rollgate-client-flush");
      t.setDaemon(true);
      return t;
    }) : settings.scheduler();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * One attempt at the server; if it fails, the snapshot file, then the bootstrap file; then the
   * background work. Returns with a snapshot whenever one of the three had one.
   */
  private void start() {
    if (sync == null || !sync.fetchNow()) {
      if (!boot(settings.snapshotFile(), Snapshot.Source.SNAPSHOT_FILE)
          && !boot(settings.bootstrapFile(), Snapshot.Source.BOOTSTRAP_FILE)) {
        failed((sync == null ? "no usable snapshot or bootstrap file" : "the server is unreachable and there is "
            + "no usable snapshot or bootstrap file") + (lastError == null ? "" : ": " + lastError));
      } else if (sync == null) {
        synced(); // offline: the file is the source of truth
      } else {
        stale("serving " + snapshot.source().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
            + " saved at " + snapshot.fetchedAt() + " while the server is unreachable: " + lastError);
      }
    }
    if (sync != null) {
      sync.start();
      long every = settings.flushInterval().toNanos();
      flushTask = scheduler.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.NANOSECONDS);
    }
  }

  private boolean boot(Path file, Snapshot.Source source) {
    if (file == null || !Files.exists(file)) {
      return false;
    }
    try {
      SnapshotFile.Loaded loaded = SnapshotFile.read(mapper, file);
      Snapshot s = Snapshot.parse(loaded.body(), null, source, loaded.savedAt(), settings.policies(), null);
      install(s);
      lastSync = loaded.savedAt();
      return true;
    } catch (java.io.IOException | RuntimeException e) {
      String why = source.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " " + file
          + " ignored: " + e.getMessage();
      log.log(System.Logger.Level.WARNING, "rollgate: " + why);
      lastError = why;
      return false;
    }
  }

  // ---- evaluation ------------------------------------------------------------------------------

  /**
   * What {@code subjectKey} gets for {@code key}: a policy name, or {@code policy.field.sub} for a
   * nested value. During a rollout the subject's bucket picks the baseline or the candidate; a null
   * or blank subject gets the baseline. For a policy name this allocates nothing; for a path it
   * allocates the result. Never throws.
   */
  public Evaluation evaluate(String key, String subjectKey) {
    try {
      if (key == null) {
        return Evaluation.noValue(null, Reason.UNKNOWN_POLICY, "no key given");
      }
      Snapshot s = snapshot;
      if (s == null) {
        return notReady(key);
      }
      if (key.indexOf('.') < 0) {
        CompiledPolicy p = s.policies().get(key);
        return p == null ? unknown(key) : p.evaluate(subjectKey);
      }
      KeyPath path = keyPath(key);
      CompiledPolicy p = s.policies().get(path.policy());
      if (p == null) {
        return unknown(key);
      }
      Evaluation whole = p.evaluate(subjectKey);
      JsonNode nested = path.resolve(whole.value());
      if (nested == null) {
        return Evaluation.noValue(key, Reason.PATH_NOT_FOUND, "'" + key + "': the " + whole.variant().wire()
            + " of policy '" + path.policy() + "' has nothing at " + String.join(".", path.fields()));
      }
      return whole.at(key, nested);
    } catch (RuntimeException e) {
      return Evaluation.noValue(key, Reason.ERROR, "'" + key + "': " + e);
    }
  }

  /** The boolean at {@code key} for the subject, or {@code defaultValue} (missing, not a boolean, no snapshot). */
  public boolean getBoolean(String key, String subjectKey, boolean defaultValue) {
    try {
      JsonNode n = lookup(key, subjectKey);
      return n != null && n.isBoolean() ? n.booleanValue() : defaultValue;
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  /** The string at {@code key} for the subject, or {@code defaultValue}. */
  public String getString(String key, String subjectKey, String defaultValue) {
    try {
      JsonNode n = lookup(key, subjectKey);
      return n != null && n.isTextual() ? n.textValue() : defaultValue;
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  /** The integer at {@code key} for the subject (an integral JSON number that fits a long), or {@code defaultValue}. */
  public long getLong(String key, String subjectKey, long defaultValue) {
    try {
      JsonNode n = lookup(key, subjectKey);
      return n != null && n.isIntegralNumber() && n.canConvertToLong() ? n.longValue() : defaultValue;
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  /** The number at {@code key} for the subject, or {@code defaultValue}. */
  public double getDouble(String key, String subjectKey, double defaultValue) {
    try {
      JsonNode n = lookup(key, subjectKey);
      return n != null && n.isNumber() ? n.doubleValue() : defaultValue;
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  /** The JSON value at {@code key} (shared: do not modify it), or {@code defaultValue}. */
  public JsonNode getJson(String key, String subjectKey, JsonNode defaultValue) {
    try {
      JsonNode n = lookup(key, subjectKey);
      return n != null ? n : defaultValue;
    } catch (RuntimeException e) {
      return defaultValue;
    }
  }

  private JsonNode lookup(String key, String subjectKey) {
    Snapshot s = snapshot;
    if (s == null || key == null) {
      return null;
    }
    KeyPath path = keyPath(key);
    CompiledPolicy p = s.policies().get(path.policy());
    return p == null ? null : path.resolve(p.evaluate(subjectKey).value());
  }

  private KeyPath keyPath(String key) {
    KeyPath k = keys.get(key);
    if (k == null) {
      k = KeyPath.parse(key);
      if (keys.size() < MAX_CACHED_KEYS) {
        keys.putIfAbsent(key, k);
      }
    }
    return k;
  }

  private Evaluation notReady(String key) {
    return Evaluation.noValue(key, Reason.NOT_READY, "'" + key + "': no snapshot yet"
        + (lastError == null ? "" : " (" + lastError + ")"));
  }

  private Evaluation unknown(String key) {
    String policy = key.indexOf('.') < 0 ? key : key.substring(0, key.indexOf('.'));
    return Evaluation.noValue(key, Reason.UNKNOWN_POLICY, "'" + key + "': policy '" + policy + "' is not in the "
        + "snapshot" + (settings.policies().isEmpty() || settings.policies().contains(policy)
            ? " (the server does not have it)" : " (this client was built for " + settings.policies() + ")"));
  }

  // ---- outcomes --------------------------------------------------------------------------------

  /**
   * Counts one success of {@code policy} for the subject, under the variant it gets. Counted only
   * while the policy is under a rollout (that is what the counts are for); a lock-free increment,
   * sent in the background every flush interval. Never blocks, never throws.
   */
  public void recordSuccess(String policy, String subjectKey) {
    record(policy, subjectKey, true);
  }

  /** Counts one error of {@code policy} for the subject; see {@link #recordSuccess}. */
  public void recordError(String policy, String subjectKey) {
    record(policy, subjectKey, false);
  }

  private void record(String policy, String subjectKey, boolean ok) {
    try {
      Snapshot s = snapshot;
      if (s == null || policy == null) {
        return;
      }
      CompiledPolicy p = s.policies().get(policy);
      if (p != null && p.outcomes != null) {
        p.outcomes.record(p.variant(subjectKey), ok);
      }
    } catch (RuntimeException e) {
      // a count is not worth an exception in the caller's request
    }
  }

  /** Sends the outcome counts and the fleet report now, on the calling thread (the background does it every flush interval). */
  public void flush() {
    if (sync != null) {
      sync.flush();
    }
  }

  private void flushQuietly() {
    try {
      sync.flush();
    } catch (RuntimeException e) {
      error("flush failed: " + e);
    }
  }

  // ---- health ----------------------------------------------------------------------------------

  /** True once the client has a snapshot to serve (from the server, the snapshot file or the bootstrap file). */
  public boolean isReady() {
    return snapshot != null;
  }

  /**
   * True while the client serves a snapshot it could not confirm with the server: booted from a
   * file, or the server became unreachable. Evaluation goes on from that snapshot.
   */
  public boolean isStale() {
    return state == State.STALE;
  }

  /**
   * How long since the client last knew its snapshot was current: zero while it is in sync; for a
   * snapshot from a file, counted from when the file was saved; before any snapshot, since the client was built.
   */
  public Duration staleness() {
    if (state == State.SYNCED) {
      return Duration.ZERO;
    }
    Instant since = lastSync != null ? lastSync : createdAt;
    Duration d = Duration.between(since, settings.clock().instant());
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** The last problem met in the background (server unreachable, a refused report, a corrupt file), if any. */
  public Optional<String> lastError() {
    return Optional.ofNullable(lastError);
  }

  /** The policies in the snapshot served now. */
  public Set<String> policies() {
    Snapshot s = snapshot;
    return s == null ? Set.of() : s.policies().keySet();
  }

  /** The journal sequence number the served snapshot is current at (-1 before any). */
  public long snapshotSeq() {
    Snapshot s = snapshot;
    return s == null ? -1 : s.seq();
  }

  /** The id this client reports itself by for fleet convergence. */
  public String clientId() {
    return settings.clientId();
  }

  /** Adds a listener for readiness, changes, staleness and failure; see {@link ClientEvent}. */
  public void addListener(Consumer<ClientEvent> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void removeListener(Consumer<ClientEvent> listener) {
    listeners.remove(listener);
  }

  // ---- called by Sync (and start) ----------------------------------------------------------------

  boolean hasServerSnapshot() {
    Snapshot s = snapshot;
    return s != null && s.source() == Snapshot.Source.SERVER;
  }

  Snapshot serverSnapshot() {
    Snapshot s = snapshot;
    return s != null && s.source() == Snapshot.Source.SERVER ? s : null;
  }

  Snapshot currentSnapshot() {
    return snapshot;
  }

  void install(Snapshot next) {
    Set<String> changed;
    synchronized (stateLock) {
      Snapshot before = snapshot;
      snapshot = next;
      changed = before == null ? Set.of() : before.changesTo(next);
    }
    if (!changed.isEmpty()) {
      fire(new ClientEvent.Changed(changed));
    }
  }

  void synced() {
    lastSync = settings.clock().instant();
    boolean announce;
    synchronized (stateLock) {
      announce = state != State.SYNCED && snapshot != null;
      if (snapshot != null) {
        state = State.SYNCED;
      }
    }
    if (announce) {
      log.log(System.Logger.Level.INFO, "rollgate: in sync with the server at journal seq " + snapshotSeq());
      fire(new ClientEvent.Ready());
    }
  }

  void stale(String reason) {
    lastError = reason;
    boolean announce;
    synchronized (stateLock) {
      if (snapshot == null) {
        return;
      }
      announce = state != State.STALE;
      state = State.STALE;
    }
    if (announce) {
      log.log(System.Logger.Level.WARNING, "rollgate: serving a stale snapshot: " + reason);
      fire(new ClientEvent.Stale(reason));
    }
  }

  void error(String message) {
    if (!message.equals(lastError)) {
      log.log(System.Logger.Level.DEBUG, "rollgate: " + message);
    }
    lastError = message;
  }

  private void failed(String reason) {
    lastError = reason;
    log.log(System.Logger.Level.WARNING, "rollgate: not ready: " + reason);
    fire(new ClientEvent.Failed(reason));
  }

  private void fire(ClientEvent event) {
    for (Consumer<ClientEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        log.log(System.Logger.Level.WARNING, "rollgate: a listener failed on " + event + ": " + e);
      }
    }
  }

  /** Stops following the server, sends the outcome counts and fleet report once more, and releases the threads. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (flushTask != null) {
      flushTask.cancel(false);
    }
    if (sync != null) {
      sync.close();
      sync.flush();
      sync.shutdownHttp();
    }
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
  }

  /** Configures a {@link RollgateClient}; {@link #build()} checks everything at once. */
  public static final class Builder {
    private URI server;
    private String token;
    private final Set<String> policies = new LinkedHashSet<>();
    private Path snapshotFile;
    private Path bootstrapFile;
    private Duration flushInterval = Duration.ofSeconds(10);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration reconnectInitial = Duration.ofMillis(500);
    private Duration reconnectMax = Duration.ofSeconds(30);
    private Duration streamIdleTimeout = Duration.ofSeconds(60);
    private boolean streaming = true;
    private String clientId;
    private InstantSource clock = InstantSource.system();
    private ScheduledExecutorService scheduler;
    private RandomGenerator random;
    private final List<Consumer<ClientEvent>> listeners = new ArrayList<>();

    private Builder() {}

    /** The server's base URL, e.g. {@code http://127.0.0.1:8080}. Leave it out for a client that serves its files only. */
    public Builder serverUrl(String url) {
      this.server = url == null ? null : URI.create(url);
      return this;
    }

    public Builder serverUrl(URI url) {
      this.server = url;
      return this;
    }

    /** An API token: viewer reads, operator also reports outcomes and fleet state. Never logged. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** The policies this client serves (at most 100); none means every policy on the server. */
    public Builder policies(String... names) {
      return policies(Arrays.asList(names));
    }

    public Builder policies(Collection<String> names) {
      this.policies.addAll(names);
      return this;
    }

    /** Where the last good snapshot is saved (atomically), and booted from when the server is unreachable. */
    public Builder snapshotFile(Path file) {
      this.snapshotFile = file;
      return this;
    }

    /**
     * A snapshot shipped with the application (e.g. {@code curl …/api/v1/sdk/snapshot > bootstrap.json}),
     * used when the server is unreachable and there is no snapshot file.
     */
    public Builder bootstrapFile(Path file) {
      this.bootstrapFile = file;
      return this;
    }

    /** How often outcome counts and the fleet report are sent (default 10 s, at most 60 s). */
    public Builder flushInterval(Duration interval) {
      this.flushInterval = interval;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = timeout;
      return this;
    }

    /** For snapshot, outcome and report requests (default 10 s); the event stream has none, see {@link #streamIdleTimeout}. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    /** Reconnection delays: doubling from {@code initial} to {@code max}, each with jitter (default 0.5 s to 30 s). */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      this.reconnectInitial = initial;
      this.reconnectMax = max;
      return this;
    }

    /** A stream silent this long is taken as dead and reconnected (default 60 s; the server sends a heartbeat every 15 s). */
    public Builder streamIdleTimeout(Duration timeout) {
      this.streamIdleTimeout = timeout;
      return this;
    }

    /** False: poll the snapshot (with its ETag) every {@code reconnectBackoff} maximum instead of streaming. */
    public Builder streaming(boolean streaming) {
      this.streaming = streaming;
      return this;
    }

    /** This instance's id in fleet reports (default: a random UUID). */
    public Builder clientId(String id) {
      this.clientId = id;
      return this;
    }

    public Builder clock(InstantSource clock) {
      this.clock = clock;
      return this;
    }

    /** Runs the flush timer; the client does not shut it down. Default: a daemon thread of its own. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** The source of reconnection jitter (seed it in tests). */
    public Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    /** A listener that also hears what happens while {@link #build()} runs (the first Ready, Stale or Failed). */
    public Builder listener(Consumer<ClientEvent> listener) {
      this.listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Checks the options, then tries the server once (within the connect and request timeouts);
     * if it cannot be reached, boots from the snapshot file or the bootstrap file. Returns in
     * every case: see {@link RollgateClient#isReady()}.
     *
     * @throws IllegalArgumentException an option is invalid (named in the message)
     */
    public RollgateClient build() {
      var s = new Settings(server, token, policies, snapshotFile, bootstrapFile, flushInterval, connectTimeout,
          requestTimeout, reconnectInitial, reconnectMax, streamIdleTimeout, streaming,
          clientId == null ? UUID.randomUUID().toString() : clientId, clock, scheduler,
          random == null ? RandomGenerator.getDefault() : random);
      var client = new RollgateClient(s, listeners);
      client.start();
      return client;
    }
  }
}
