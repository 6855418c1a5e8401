package io.rollgate.incident.playbook;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How playbooks run.
 *
 * @param approvalTtl how long a high-risk execution waits for its approval before it is TIMED_OUT (default 1 h)
 * @param httpAllow URL prefixes http-call may reach, e.g. {@code https://dbt.internal.example/api/}; empty (the
 *     default) disables http-call. Each names a scheme, a host and a path that ends with {@code /}, so a prefix
 *     cannot be stretched to another host ({@code https://a.example} would also match {@code https://a.example.evil}).
 */
public record PlaybookSettings(Duration approvalTtl, List<String> httpAllow) {
  public static final PlaybookSettings DEFAULTS = new PlaybookSettings(Duration.ofHours(1), List.of());
  public static final int MAX_ALLOW = 100;

  public PlaybookSettings {
    Objects.requireNonNull(approvalTtl, "approvalTtl");
    if (approvalTtl.compareTo(Duration.ofMinutes(1)) < 0 || approvalTtl.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException("approvalTtl must be between 1 min and 7 days, got "
          + approvalTtl.toSeconds() + " s");
    }
    httpAllow = List.copyOf(httpAllow);
    if (httpAllow.size() > MAX_ALLOW) {
      throw new IllegalArgumentException("httpAllow may list at most " + MAX_ALLOW + " prefixes, got "
          + httpAllow.size());
    }
    for (String p : httpAllow) {
      URI u;
      try {
        u = URI.create(p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("httpAllow prefix '" + p + "' is not a URL: " + e.getMessage());
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getRawUserInfo() != null
          || u.getRawPath() == null || !u.getRawPath().endsWith("/") || u.getRawQuery() != null
          || u.getRawFragment() != null) {
        throw new IllegalArgumentException("httpAllow prefix '" + p + "' must be http(s)://HOST[:PORT]/PATH/ "
            + "ending with '/', without user info, query or fragment");
      }
    }
  }

  public PlaybookSettings withHttpAllow(List<String> prefixes) {
    return new PlaybookSettings(approvalTtl, prefixes);
  }

  public PlaybookSettings withApprovalTtl(Duration ttl) {
    return new PlaybookSettings(ttl, httpAllow);
  }

  /**
   * Whether {@code url} may be called: it parses, has no user info or fragment, and its normalised
   * form starts with an allowed prefix. Normalising first stops {@code /api/../admin} from passing as {@code /api/}.
   */
  public boolean allows(String url) {
    URI u;
    try {
      u = URI.create(url).normalize();
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null
        || u.getRawPath() != null && u.getRawPath().contains("..")) {
      return false;
    }
    String s = u.toString();
    String lower = s.substring(0, s.indexOf("://")).toLowerCase(Locale.ROOT) + s.substring(s.indexOf("://"));
    return httpAllow.stream().anyMatch(lower::startsWith);
  }
}
