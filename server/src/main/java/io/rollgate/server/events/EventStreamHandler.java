package io.rollgate.server.events;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.rollgate.error.InvalidInputException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/events}: checks the request (bad input is a 400 problem document, not a
 * stream), then holds the request thread (virtual) and streams until the client leaves, overflows
 * or the server drains. It writes to the servlet output stream itself, past Javalin's result
 * handling and compression, and flushes after every write.
 */
public final class EventStreamHandler implements Handler {
  public static final String PATH = "/api/v1/events";
  public static final String CONTENT_TYPE = "text/event-stream";
  static final String HEADER = "Last-Event-ID";
  static final String QUERY = "lastEventId";
  private static final Logger log = LoggerFactory.getLogger(EventStreamHandler.class);
  private static final Pattern ID = Pattern.compile("[0-9]{1,19}");

  private final EventHub hub;

  public EventStreamHandler(EventHub hub) {
    this.hub = Objects.requireNonNull(hub, "hub");
  }

  /** Where a client resumes: after {@code seq}, as sent in {@code field}. */
  record Resume(long seq, String field) {}

  @Override
  public void handle(Context ctx) throws Exception {
    Resume resume = resume(ctx.header(HEADER), ctx.queryParam(QUERY));
    EventFilter filter = EventFilter.parse(ctx.queryParams("types"), ctx.queryParams("subject"));
    try (EventStream stream = hub.newStream(filter)) {
      long head = stream.open();
      long after = resume == null ? head : resume.seq();
      if (after > head) {
        throw new InvalidInputException(resume.field(), "'" + resume.field() + "' " + after
            + " is beyond the journal head " + head + "; resume from an id this server sent");
      }
      HttpServletResponse res = ctx.res();
      res.setStatus(200);
      res.setContentType(CONTENT_TYPE);
      res.setHeader("Cache-Control", "no-cache");
      res.setHeader("X-Accel-Buffering", "no"); // nginx: pass each event on at once
      try {
        stream.run(after, res.getOutputStream());
      } catch (IOException e) {
        log.debug("event stream client went away: {}", e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        // the stream has started: a problem document can no longer be sent. End it; the client
        // reconnects with its last id and is replayed what it missed once the store answers again
        log.warn("event stream ended early: {}", e.toString());
      }
    }
  }

  /**
   * The resume point: the {@code Last-Event-ID} header (what an EventSource sends when it
   * reconnects) wins over the {@code lastEventId} query parameter. Empty means absent: that is how
   * the SSE standard resets an id. Null when neither is given.
   */
  static Resume resume(String header, String query) {
    if (header != null && !header.isEmpty()) {
      return new Resume(parse(header, HEADER), HEADER);
    }
    if (query != null && !query.isEmpty()) {
      return new Resume(parse(query, QUERY), QUERY);
    }
    return null;
  }

  private static long parse(String raw, String field) {
    // a header's surrounding whitespace is HTTP framing; a query value's is part of the value
    String v = field.equals(HEADER) ? raw.strip() : raw;
    if (!ID.matcher(v).matches()) {
      String shown = v.length() > 40 ? v.substring(0, 40) + "…" : v;
      throw new InvalidInputException(field, "'" + field + "' must be a journal sequence number (a non-negative "
          + "integer of at most 19 digits), got '" + shown + "'");
    }
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) { // 19 digits above Long.MAX_VALUE
      throw new InvalidInputException(field, "'" + field + "' " + v + " is larger than the largest sequence number "
          + Long.MAX_VALUE);
    }
  }
}
