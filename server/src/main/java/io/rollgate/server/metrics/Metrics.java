package io.rollgate.server.metrics;

import io.javalin.http.Context;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.rollgate.store.journal.Journal;
import io.rollgate.store.journal.JournalObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;

/**
 * The Prometheus metrics of one server instance, served at {@code GET /metrics} in the text format
 * 0.0.4. Each instance has its own {@link PrometheusRegistry} (never the static default one), so
 * several servers in one JVM do not collide. Other components register their metrics in
 * {@link #registry()}, with the {@code rollgate_} prefix and Prometheus base units.
 *
 * <p>Wiring: create it first, give {@link #journalObserver()} to the {@link Journal}, then
 * {@link #watch} the journal and {@link #observeHttp} every answered request.
 */
public final class Metrics {
  /** {@code text/plain; version=0.0.4; charset=utf-8} */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final byte[] scrapeTokenHash;
  private final JournalMetrics journal;
  private final ApplyMetrics applies;
  private final HttpMetrics http;
  private final RolloutMetrics rollouts;

  private Metrics(String scrapeToken) {
    this.scrapeTokenHash = scrapeToken == null || scrapeToken.isBlank() ? null : sha256(scrapeToken);
    this.journal = new JournalMetrics(registry);
    this.applies = new ApplyMetrics(registry);
    this.http = new HttpMetrics(registry);
    this.rollouts = new RolloutMetrics(registry);
  }

  /** Rollout gauges and counters; fed by the journal (see {@link #watch}) and the rollout loop. */
  public RolloutMetrics rollouts() {
    return rollouts;
  }

  /** @param scrapeToken when non-blank, scrapes need {@code Authorization: Bearer <it>}; null leaves them open */
  public static Metrics create(String scrapeToken) {
    return new Metrics(scrapeToken);
  }

  /** This instance's registry, for other components' metrics; JVM and process metrics are added at scrape. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Give this to the journal's constructor: it counts batches, commit latency, failures and rejections. */
  public JournalObserver journalObserver() {
    return journal;
  }

  /**
   * Adds the journal's queue and head gauges and follows its commits (head sequence, apply
   * outcomes). Call once, before the journal takes commands from anyone else.
   *
   * @param headAtStart the journal's head sequence number when the server started
   */
  public void watch(Journal journal, long headAtStart) {
    this.journal.watch(journal, headAtStart);
    journal.addListener(applies);
    journal.addListener(rollouts);
  }

  /**
   * Exports the SSE event stream's state: connected clients, events delivered and clients cut off
   * because they fell behind (they resume from their last id; a rising rate means clients too slow
   * for the change rate or a buffer too small).
   */
  public void watchEvents(java.util.function.IntSupplier connected, java.util.function.LongSupplier delivered,
      java.util.function.LongSupplier overflows) {
    io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("rollgate_events_clients")
        .help("SSE clients connected to /api/v1/events now")
        .callback(cb -> cb.call(connected.getAsInt())).register(registry);
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("rollgate_events_delivered_total")
        .help("Events written to SSE clients (one per client per event)")
        .callback(cb -> cb.call(delivered.getAsLong())).register(registry);
    io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name("rollgate_events_overflow_disconnects_total")
        .help("SSE clients disconnected because their buffer filled; they resume from their last event id")
        .callback(cb -> cb.call(overflows.getAsLong())).register(registry);
  }

  /** Counts one answered request; call it from the request logger, which sees the final status. */
  public void observeHttp(Context ctx, double millis) {
    http.observe(ctx, millis);
  }

  /** Whether a request with this {@code Authorization} header may scrape: always, unless a token is set. */
  /** True when scrapes must carry the metrics token. */
  public boolean requiresToken() {
    return scrapeTokenHash != null;
  }

  public boolean scrapeAllowed(String authorization) {
    if (scrapeTokenHash == null) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    // compare digests: equal lengths, so isEqual's time does not depend on where the tokens differ
    return MessageDigest.isEqual(scrapeTokenHash, sha256(authorization.substring(7).trim()));
  }

  /** One scrape: this instance's metrics plus the JVM's, in the Prometheus text format. */
  public byte[] scrape() {
    var all = new ArrayList<MetricSnapshot>();
    registry.scrape().forEach(all::add);
    JvmRegistry.INSTANCE.scrape().forEach(all::add);
    var out = new ByteArrayOutputStream(64 * 1024);
    try {
      writer.write(out, new MetricSnapshots(all));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write metrics to memory", e); // a ByteArrayOutputStream does not throw
    }
    return out.toByteArray();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /**
   * JVM and process metrics describe the process, not a server instance, so they live in one
   * registry per JVM. Also, {@code JvmMetrics} keeps every registry it was given in a static set
   * forever; registering them in each instance's registry would keep every stopped server's
   * registry (and the journal its gauges read) reachable.
   */
  private static final class JvmRegistry {
    static final PrometheusRegistry INSTANCE = create();

    private static PrometheusRegistry create() {
      var r = new PrometheusRegistry();
      JvmMetrics.builder().register(r);
      return r;
    }
  }
}
