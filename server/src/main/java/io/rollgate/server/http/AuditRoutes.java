package io.rollgate.server.http;

import io.javalin.Javalin;
import io.rollgate.error.InvalidInputException;
import io.rollgate.store.journal.JournalReader;
import java.util.LinkedHashMap;

/** {@code /api/v1/audit}: pages of the journal and chain verification. */
final class AuditRoutes {
  private final JournalReader reader;

  AuditRoutes(JournalReader reader) {
    this.reader = reader;
  }

  void register(Javalin app) {
    app.get("/api/v1/audit", ctx -> {
      long after = PolicyRoutes.longQuery(ctx, "afterSeq", 0);
      if (after < 0) {
        throw new InvalidInputException("afterSeq", "'afterSeq' must not be negative, got " + after);
      }
      int limit = PolicyRoutes.intQuery(ctx, "limit", 100, 1, JournalReader.MAX_PAGE);
      var entries = reader.page(after, limit);
      var body = new LinkedHashMap<String, Object>();
      body.put("entries", entries);
      body.put("nextAfterSeq", entries.isEmpty() ? after : entries.get(entries.size() - 1).seq());
      body.put("headSeq", reader.head().seq());
      ctx.json(body);
    }, Access.VIEWER);
    app.get("/api/v1/audit/verify", ctx -> {
      var r = reader.verify();
      var body = new LinkedHashMap<String, Object>();
      body.put("ok", r.ok());
      body.put("entries", r.entries());
      body.put("headHash", r.headHash());
      body.put("firstBadSeq", r.firstBadSeq());
      body.put("problem", r.problem());
      ctx.json(body);
    }, Access.VIEWER);
  }
}
