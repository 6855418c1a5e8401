package io.rollgate.server.metrics;

import io.javalin.http.Context;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Requests by matched route template, method and status, and their durations. */
final class HttpMetrics {
  /** The route label of a request that matched no route: the raw path would give unbounded cardinality. */
  static final String UNMATCHED = "unmatched";
  private static final double[] BUCKETS =
      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final Counter requests;
  private final Histogram seconds;

  HttpMetrics(PrometheusRegistry registry) {
    requests = Counter.builder()
        .name("rollgate_http_requests")
        .help("HTTP requests answered, by route template (unmatched for paths with no route), method and status")
        .labelNames("route", "method", "status")
        .withoutExemplars()
        .register(registry);
    seconds = Histogram.builder()
        .name("rollgate_http_request_duration_seconds")
        .help("Time to answer an HTTP request, by route template and method (event streams are not timed)")
        .labelNames("route", "method")
        .classicOnly()
        .classicUpperBounds(BUCKETS)
        .withoutExemplars()
        .register(registry);
  }

  void observe(Context ctx, double millis) {
    String route = route(ctx);
    String method = ctx.method().name();
    requests.labelValues(route, method, Integer.toString(ctx.status().getCode())).inc();
    if (!isStream(ctx)) { // a stream's lifetime is not an answer time; it would swamp the quantiles
      seconds.labelValues(route, method).observe(millis / 1000.0);
    }
  }

  private static boolean isStream(Context ctx) {
    String type = ctx.res().getContentType();
    return type != null && type.startsWith("text/event-stream");
  }

  static String route(Context ctx) {
    String path;
    try {
      path = ctx.endpointHandlerPath();
    } catch (IllegalStateException e) { // Javalin refuses while a before-handler is current
      path = null;
    }
    return path == null || path.isEmpty() ? UNMATCHED : path;
  }
}
