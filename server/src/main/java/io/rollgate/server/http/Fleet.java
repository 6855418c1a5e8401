package io.rollgate.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.rollgate.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Fleet convergence: the state hashes SDK clients report they serve ({@code POST /api/v1/sdk/report}),
 * the latest report per client, in memory. A report expires after {@link #TTL} (clients report every
 * flush interval, 10 s by default, at most 60 s); at most {@link #MAX_CLIENTS} clients are kept, the
 * one that reported longest ago evicted first. Per replica: each replica sees the clients that
 * report to it (until issue 10 shares them).
 */
final class Fleet {
  static final Duration TTL = Duration.ofMinutes(2);
  static final int MAX_CLIENTS = 10_000;

  private final InstantSource clock;
  private final Duration ttl;
  private final int maxClients;
  /** Oldest report first: a client that reports again moves to the end. */
  private final LinkedHashMap<String, Report> clients = new LinkedHashMap<>();

  private record Report(Instant at, Map<String, String> policies) {}

  Fleet(InstantSource clock, Duration ttl, int maxClients) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("fleet ttl must be positive, got " + ttl);
    }
    if (maxClients < 1) {
      throw new IllegalArgumentException("fleet maxClients must be at least 1, got " + maxClients);
    }
    this.clock = clock;
    this.ttl = ttl;
    this.maxClients = maxClients;
  }

  /** Exports {@code rollgate_sdk_clients{policy,state_hash}}, computed at scrape: an expired report leaves no series. */
  void register(PrometheusRegistry registry) {
    GaugeWithCallback.builder().name("rollgate_sdk_clients")
        .help("SDK clients whose latest report (within the last " + ttl.toSeconds() + " s) serves this state hash of "
            + "the policy; per replica")
        .labelNames("policy", "state_hash")
        .callback(cb -> counts().forEach((policy, hashes) ->
            hashes.forEach((hash, n) -> cb.call(n, policy, hash))))
        .register(registry);
  }

  synchronized void report(String client, Map<String, String> policies) {
    clients.remove(client);
    clients.put(client, new Report(clock.instant(), Map.copyOf(policies)));
    while (clients.size() > maxClients) {
      Iterator<String> oldest = clients.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
  }

  /** policy → state hash → clients, over the live reports. */
  synchronized Map<String, Map<String, Integer>> counts() {
    prune();
    var out = new TreeMap<String, Map<String, Integer>>();
    for (Report r : clients.values()) {
      r.policies().forEach((policy, hash) -> out.computeIfAbsent(policy, k -> new TreeMap<>()).merge(hash, 1,
          Integer::sum));
    }
    return out;
  }

  /**
   * {@code {"clients","stateHashes":{hash:count},"converged"}} for one policy: converged when at
   * least one client reports it and every one serves {@code currentHash}.
   */
  synchronized ObjectNode of(String policy, String currentHash) {
    prune();
    var hashes = new TreeMap<String, Integer>();
    int n = 0;
    for (Report r : clients.values()) {
      String h = r.policies().get(policy);
      if (h != null) {
        hashes.merge(h, 1, Integer::sum);
        n++;
      }
    }
    ObjectNode o = Json.object();
    o.put("clients", n);
    ObjectNode byHash = o.putObject("stateHashes");
    hashes.forEach(byHash::put);
    o.put("converged", n > 0 && hashes.size() == 1 && hashes.containsKey(currentHash));
    return o;
  }

  private void prune() {
    Instant cutoff = clock.instant().minus(ttl);
    Iterator<Report> it = clients.values().iterator();
    while (it.hasNext()) {
      if (it.next().at().isBefore(cutoff)) {
        it.remove();
      } else {
        break; // oldest first: the rest are newer
      }
    }
  }
}
