package io.rollgate.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  final List<String> seen = new ArrayList<>();
  final SseParser parser = new SseParser(new SseParser.Sink() {
    @Override
    public void alive() {}

    @Override
    public void lastEventId(long id) {
      seen.add("id " + id);
    }

    @Override
    public void event(String type, long id, String data) {
      seen.add(type + " " + id + " " + data);
    }

    @Override
    public void ended(Throwable cause) {
      seen.add("ended");
    }
  });

  void lines(String... lines) {
    for (String l : lines) {
      parser.onNext(l);
    }
  }

  @Test
  void events_heartbeat_ids_comments_and_multi_line_data() {
    lines("retry: 3000", "id: 41", "",
        "event: policy.applied", "id: 42", "data: {\"seq\":42}", "",
        ": heartbeat", "",
        ": heartbeat", "id: 57", "",
        "event: x", "data:a", "data: b", "id:58", "");
    parser.onComplete();

    assertThat(seen).containsExactly("id 41", "id 42", "policy.applied 42 {\"seq\":42}", "id 57",
        "id 58", "x 58 a\nb", "ended");
  }
}
