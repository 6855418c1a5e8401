package io.rollgate.server.http;

import io.javalin.Javalin;
import io.rollgate.server.cluster.Cluster;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /api/v1/cluster}: the replicas of this database, which one leads, at which epoch. */
final class ClusterRoutes {
  private final Cluster cluster;

  ClusterRoutes(Cluster cluster) {
    this.cluster = cluster;
  }

  void register(Javalin app) {
    app.get("/api/v1/cluster", ctx -> {
      Cluster.View v = cluster.view();
      var body = new LinkedHashMap<String, Object>();
      body.put("self", v.self());
      body.put("leader", v.leader());
      body.put("epoch", v.epoch());
      body.put("replicas", v.replicas().stream().map(r -> {
        var m = new LinkedHashMap<String, Object>();
        m.put("id", r.id());
        m.put("address", r.address());
        m.put("leader", r.leader());
        m.put("lastSeenAt", r.lastSeenAt().toString());
        m.put("journalSeq", r.journalSeq());
        return m;
      }).toList());
      ctx.json(body);
    }, Access.VIEWER);
  }

  /** The {@code cluster} entry of {@code /health}: informational, it never makes the server unhealthy. */
  static Map<String, Object> health(Cluster cluster, boolean databaseUp) {
    var m = new LinkedHashMap<String, Object>();
    m.put("status", "up");
    m.put("role", cluster.role());
    m.put("replica", cluster.replicaId());
    m.put("epoch", cluster.epoch());
    Long lag = null;
    if (databaseUp) {
      try {
        lag = cluster.lagEntries();
      } catch (RuntimeException e) { // the database went away between the two checks
        lag = null;
      }
    }
    m.put("lagEntries", lag);
    return m;
  }
}
