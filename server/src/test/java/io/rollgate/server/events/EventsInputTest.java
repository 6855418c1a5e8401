package io.rollgate.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rollgate.audit.JournalEntry;
import io.rollgate.error.InvalidInputException;
import io.rollgate.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure parts: configuration checks, the resume point and the filter. */
class EventsInputTest {
  private static JournalEntry entry(String type, String subject) {
    return JournalEntry.chain(1, Instant.EPOCH, type, subject, "test", Json.object(), JournalEntry.GENESIS_HASH);
  }

  @Test
  void configRefusesValuesThatCannotWorkAndNamesThem() {
    var d = EventsConfig.DEFAULTS;
    assertThat(d.heartbeatInterval()).isEqualTo(Duration.ofSeconds(15));
    assertThat(d.bufferCapacity()).isEqualTo(1024);
    assertThatThrownBy(() -> d.withHeartbeatInterval(Duration.ZERO))
        .hasMessage("events heartbeatInterval must be positive and at most PT25S, got PT0S");
    assertThatThrownBy(() -> d.withHeartbeatInterval(Duration.ofSeconds(26)))
        .hasMessageContaining("heartbeatInterval").hasMessageContaining("PT26S");
    assertThatThrownBy(() -> d.withBufferCapacity(0))
        .hasMessage("events bufferCapacity must be between 1 and 1000000, got 0");
    assertThatThrownBy(() -> d.withReplayPageSize(1001))
        .hasMessage("events replayPageSize must be between 1 and 1000, got 1001");
    assertThatThrownBy(() -> new EventsConfig(Duration.ofSeconds(1), 1, 1, Duration.ofMillis(-1)))
        .hasMessage("events retry must be positive, got PT-0.001S");
  }

  @Test
  void resumeTakesTheHeaderOverTheQueryAndTreatsEmptyAsAbsent() {
    assertThat(EventStreamHandler.resume(null, null)).isNull();
    assertThat(EventStreamHandler.resume("", "")).isNull();
    assertThat(EventStreamHandler.resume("7", "3")).isEqualTo(new EventStreamHandler.Resume(7, "Last-Event-ID"));
    assertThat(EventStreamHandler.resume("", "3")).isEqualTo(new EventStreamHandler.Resume(3, "lastEventId"));
    assertThat(EventStreamHandler.resume(null, "9223372036854775807"))
        .isEqualTo(new EventStreamHandler.Resume(Long.MAX_VALUE, "lastEventId"));
    for (String bad : List.of("+1", "-0", "0x10", "1e3", "٣", "１")) { // signs, hex, exponents, non-ASCII digits
      assertThatThrownBy(() -> EventStreamHandler.resume(bad, null))
          .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("Last-Event-ID"))
          .hasMessageContaining("must be a journal sequence number");
    }
  }

  @Test
  void filterMatchesExactTypesPrefixesAndSubject() {
    var f = EventFilter.parse(List.of("policy.frozen, token.*"), List.of());
    assertThat(f.matches(entry("policy.frozen", "a"))).isTrue();
    assertThat(f.matches(entry("token.created", "token:x"))).isTrue();
    assertThat(f.matches(entry("policy.applied", "a"))).isFalse();

    var prefix = EventFilter.parse(List.of("policy.*"), List.of("a"));
    assertThat(prefix.matches(entry("policy.applied", "a"))).isTrue();
    assertThat(prefix.matches(entry("policy.applied", "b"))).isFalse();
    assertThat(prefix.matches(entry("policyx.applied", "a"))).as("the prefix keeps its dot").isFalse();

    var repeated = EventFilter.parse(List.of("policy.applied", "policy.skipped"), List.of());
    assertThat(repeated.types()).containsExactlyInAnyOrder("policy.applied", "policy.skipped");
    assertThat(EventFilter.parse(List.of(), List.of()).matches(entry("anything.new", "x")))
        .as("no filter: types added later pass too").isTrue();
  }

  @Test
  void filterRefusesUnknownTypesAndBadSubjects() {
    assertThatThrownBy(() -> EventFilter.parse(List.of("*"), List.of()))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("types"));
    assertThatThrownBy(() -> EventFilter.parse(List.of(".*"), List.of())).hasMessageContaining("unknown event type '.*'");
    assertThatThrownBy(() -> EventFilter.parse(List.of("x".repeat(2001)), List.of()))
        .hasMessage("'types' is 2001 characters long; at most 2000 are accepted");
    assertThatThrownBy(() -> EventFilter.parse(List.of(), List.of("a", "b")))
        .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("subject"))
        .hasMessage("'subject' was given 2 times; give it once");
    assertThat(EventFilter.parse(List.of(), List.of("s".repeat(200))).subject()).hasSize(200);
  }

  @Test
  void everyKnownTypeIsListedOnce() {
    assertThat(EventTypes.ALL).doesNotHaveDuplicates()
        .contains("policy.applied", "policy.skipped", "policy.frozen", "policy.unfrozen", "policy.guards_set",
            "policy.verification_failed", "token.created", "attestation.failed", "attestation.recovered",
            "server.shutdown", "stream.overflow");
  }
}
