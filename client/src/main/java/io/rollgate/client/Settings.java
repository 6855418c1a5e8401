package io.rollgate.client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * A client's configuration, checked as a whole when {@link RollgateClient.Builder#build()} runs;
 * a bad value fails there, naming the option and the value.
 *
 * @param server the Rollgate server's base URL; null for an offline client that serves its files only
 * @param scheduler runs the flush timer; null for one the client owns (and shuts down on close)
 */
record Settings(URI server, String token, Set<String> policies, Path snapshotFile, Path bootstrapFile,
    Duration flushInterval, Duration connectTimeout, Duration requestTimeout, Duration reconnectInitial,
    Duration reconnectMax, Duration streamIdleTimeout, boolean streaming, String clientId, InstantSource clock,
    ScheduledExecutorService scheduler, RandomGenerator random) {
  static final Pattern POLICY = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  static final Duration MAX_FLUSH_INTERVAL = Duration.ofSeconds(60);
  /** The server's snapshot endpoint takes at most this many policies by name. */
  static final int MAX_POLICIES = 100;

  Settings {
    if (server != null) {
      String scheme = server.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme) || server.getHost() == null) {
        throw new IllegalArgumentException("serverUrl must be an http or https URL with a host, got '" + server + "'");
      }
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("token is required with a serverUrl (a Rollgate API token; operator "
            + "role to report outcomes)");
      }
    }
    if (server == null && snapshotFile == null && bootstrapFile == null) {
      throw new IllegalArgumentException("give a serverUrl, a snapshotFile or a bootstrapFile: without any the "
          + "client has nothing to serve");
    }
    policies = Set.copyOf(policies);
    if (policies.size() > MAX_POLICIES) {
      throw new IllegalArgumentException("policies names " + policies.size() + " policies; at most " + MAX_POLICIES
          + " (leave it empty for every policy)");
    }
    for (String p : policies) {
      if (!POLICY.matcher(p).matches()) {
        throw new IllegalArgumentException("policies: '" + p + "' is not a policy name ([a-z0-9][a-z0-9_-]{0,63})");
      }
    }
    positive("flushInterval", flushInterval, MAX_FLUSH_INTERVAL);
    positive("connectTimeout", connectTimeout, Duration.ofMinutes(5));
    positive("requestTimeout", requestTimeout, Duration.ofMinutes(5));
    positive("reconnectInitial", reconnectInitial, Duration.ofMinutes(10));
    positive("reconnectMax", reconnectMax, Duration.ofMinutes(10));
    if (reconnectMax.compareTo(reconnectInitial) < 0) {
      throw new IllegalArgumentException("reconnectMax (" + reconnectMax.toMillis() + " ms) must be at least "
          + "reconnectInitial (" + reconnectInitial.toMillis() + " ms)");
    }
    positive("streamIdleTimeout", streamIdleTimeout, Duration.ofMinutes(10));
    if (clientId == null || clientId.isBlank() || clientId.length() > 200) {
      throw new IllegalArgumentException("clientId must be 1 to 200 characters, got "
          + (clientId == null ? "none" : clientId.length() + " characters"));
    }
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(random, "random");
  }

  private static void positive(String name, Duration d, Duration max) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero() || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(name + " must be positive and at most " + max.toSeconds() + " s, got "
          + d.toMillis() + " ms");
    }
  }

  /** The snapshot query for these policies: {@code ?policy=a&policy=b}, or "" for every policy. */
  String snapshotQuery() {
    if (policies.isEmpty()) {
      return "";
    }
    var sb = new StringBuilder();
    policies.stream().sorted().forEach(p -> sb.append(sb.isEmpty() ? "?" : "&").append("policy=").append(p));
    return sb.toString();
  }
}
