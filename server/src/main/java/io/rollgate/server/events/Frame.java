package io.rollgate.server.events;

import io.rollgate.audit.JournalEntry;
import io.rollgate.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

/**
 * A journal entry and its SSE event block, rendered at most once however many clients send it:
 * rendering per client (JSON, then UTF-8) was a quarter of the server's CPU with 1,000 clients
 * (docs/BENCHMARKS.md, "SSE propagation"). Rendered lazily by the first client thread that needs
 * it, so the journal writer, which hands frames out, never pays for it; two threads racing to
 * render produce equal bytes, so the race is benign.
 */
final class Frame {
  final JournalEntry entry;
  private volatile byte[] block;

  Frame(JournalEntry entry) {
    this.entry = entry;
  }

  byte[] block() {
    byte[] b = block;
    if (b == null) {
      var data = new LinkedHashMap<String, Object>();
      data.put("seq", entry.seq());
      data.put("type", entry.type());
      data.put("subject", entry.subject());
      data.put("actor", entry.actor());
      data.put("recordedAt", entry.recordedAt());
      data.put("payload", entry.payload());
      var text = new StringBuilder();
      EventStream.appendEvent(text, entry.type(), entry.seq(), Json.write(data));
      b = text.toString().getBytes(StandardCharsets.UTF_8);
      block = b;
    }
    return b;
  }
}
