package io.rollgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.server.notify.fake.FakeGitHub;
import io.rollgate.server.notify.fake.FakeServer.Reply;
import io.rollgate.server.notify.fake.FakeSlack;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The outbox against fake GitHub and Slack: idempotency, retries, rate limits, restarts. */
class DeliveryTest {
  static final String TOKEN = "ghp_test_token_0123456789abcdef";
  final FakeGitHub github = new FakeGitHub("acme", "ops", TOKEN);
  final FakeSlack slack = new FakeSlack();
  final Harness h = new Harness(List.of(
      new SinkSpec.GitHub("github", URI.create(github.baseUrl()), "acme", "ops", new Secret(TOKEN), List.of("incident")),
      new SinkSpec.Slack("slack", new Secret(slack.webhookUrl()), true, true)));

  @AfterEach
  void close() {
    h.close();
    github.close();
    slack.close();
  }

  private long creates() {
    return github.requests().stream().filter(r -> r.method().equals("POST") && r.path().endsWith("/issues")).count();
  }

  @Test
  void a_thousand_notifications_for_one_incident_make_one_issue_through_failures_and_one_coalesced_comment() {
    // the first creates fail (500, a timeout, 502): every retry must find out about what came before
    github.script("create", Reply.status(500, "{\"message\":\"Server Error\"}"), Reply.hang(),
        Reply.status(502, "{\"message\":\"Bad Gateway\"}"));
    var inc = Harness.incident("inc-7", 1, "open");
    for (int i = 0; i < 500; i++) {
      h.opened(inc);
    }
    for (int i = 1; i <= 500; i++) {
      h.updated(Harness.incident("inc-7", i + 1, "open"));
    }
    h.drain();

    assertThat(github.issues()).hasSize(1);
    assertThat(github.issues().get(0).get("title").asText()).isEqualTo("[SEV1] checkout p99 regressed");
    assertThat(github.issues().get(0).get("body").asText()).contains("<!-- rollgate-incident:inc-7 -->");
    assertThat(github.comments()).hasSize(1); // 500 updates coalesced while waiting behind the create
    assertThat(github.comments().get(0).get("body").asText()).contains("501 occurrences");
    assertThat(h.notifications.links("inc-7")).containsExactly(new ExternalLink("github", "github", "created", "1347",
        "https://github.com/acme/ops/issues/1347"));
    assertThat(slack.messages()).hasSize(2);
    assertThat(h.notifications.deliveries("inc-7")).allMatch(d -> d.state().equals("done"));
  }

  @Test
  void retry_after_in_seconds_is_honoured_in_virtual_time() {
    github.script("create", Reply.status(429, "{\"message\":\"You have exceeded a secondary rate limit\"}",
        Map.of("Retry-After", "120")));
    h.opened(Harness.incident("inc-1", 1, "open"));
    Instant t0 = h.clock.instant();
    assertThat(h.notifications.deliverDue()).isEqualTo(2); // github (429) and slack
    var row = h.notifications.deliveries("inc-1").stream().filter(d -> d.sink().equals("github")).findFirst().orElseThrow();
    assertThat(row.state()).isEqualTo("pending");
    assertThat(row.nextAttemptAt()).isEqualTo(t0.plusSeconds(120));
    assertThat(row.lastError()).contains("HTTP 429");

    h.clock.advance(Duration.ofSeconds(119));
    assertThat(h.notifications.deliverDue()).isZero();
    assertThat(creates()).isEqualTo(1);

    h.clock.advance(Duration.ofSeconds(1));
    assertThat(h.notifications.deliverDue()).isEqualTo(1);
    assertThat(github.issues()).hasSize(1);
  }

  @Test
  void retry_after_as_an_http_date_is_honoured() {
    Instant at = h.clock.instant().plusSeconds(600);
    github.script("create", Reply.status(503, "{\"message\":\"Service Unavailable\"}",
        Map.of("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME.format(at.atZone(ZoneOffset.UTC)))));
    h.opened(Harness.incident("inc-1", 1, "open"));
    h.notifications.deliverDue();
    assertThat(h.notifications.deliveries("inc-1").get(0).nextAttemptAt()).isEqualTo(at);
  }

  @Test
  void github_primary_rate_limit_pauses_the_sink_until_reset() {
    Instant reset = h.clock.instant().plusSeconds(900);
    github.script("create", Reply.status(403, "{\"message\":\"API rate limit exceeded\"}",
        Map.of("x-ratelimit-remaining", "0", "x-ratelimit-reset", Long.toString(reset.getEpochSecond()))));
    h.opened(Harness.incident("inc-1", 1, "open"));
    h.opened(Harness.incident("inc-2", 1, "open"));
    h.notifications.deliverDue();
    assertThat(creates()).isEqualTo(1); // inc-2 was not sent into a known limit
    assertThat(h.notifications.deliveries("inc-1").get(0).nextAttemptAt()).isEqualTo(reset);

    h.clock.set(reset.minusSeconds(1));
    h.notifications.deliverDue();
    assertThat(creates()).isEqualTo(1);
    h.clock.set(reset);
    h.notifications.deliverDue();
    assertThat(github.issues()).hasSize(2);
  }

  @Test
  void a_429_without_retry_after_backs_off_exponentially_with_jitter() {
    github.script("create", Reply.status(429, "{}"), Reply.status(429, "{}"), Reply.status(429, "{}"));
    h.opened(Harness.incident("inc-1", 1, "open"));
    long[] waits = new long[3];
    for (int i = 0; i < 3; i++) {
      Instant before = h.clock.instant();
      h.notifications.deliverDue();
      Instant next = h.notifications.deliveries("inc-1").get(0).nextAttemptAt();
      waits[i] = Duration.between(before, next).toMillis();
      h.clock.set(next);
    }
    // base 2 s doubling: attempt n waits between half and all of 2^(n-1) * 2 s
    assertThat(waits[0]).isBetween(1_000L, 2_000L);
    assertThat(waits[1]).isBetween(2_000L, 4_000L);
    assertThat(waits[2]).isBetween(4_000L, 8_000L);
    h.notifications.deliverDue();
    assertThat(github.issues()).hasSize(1);
  }

  @Test
  void a_validation_error_is_not_retried_and_is_journaled() {
    github.script("create", Reply.status(422, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"Issue\","
        + "\"code\":\"missing_field\",\"field\":\"title\"}]}"));
    h.opened(Harness.incident("inc-1", 1, "open"));
    h.notifications.deliverDue();
    var row = h.notifications.deliveries("inc-1").stream().filter(d -> d.sink().equals("github")).findFirst().orElseThrow();
    assertThat(row.state()).isEqualTo("failed");
    assertThat(row.attempts()).isEqualTo(1);
    assertThat(row.lastError()).contains("HTTP 422").contains("missing_field");
    assertThat(h.notifications.links("inc-1")).isEmpty(); // nothing exists on GitHub
    h.clock.advance(Duration.ofDays(1));
    assertThat(h.notifications.deliverDue()).isZero();
    assertThat(creates()).isEqualTo(1);
    var entries = new io.rollgate.store.journal.JournalReader(h.db).page(0, 100);
    assertThat(entries).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo("notification.failed");
      assertThat(e.subject()).isEqualTo("inc-1");
      assertThat(e.payload().get("error").asText()).contains("422");
    });
  }

  @Test
  void bad_credentials_fail_without_retry_and_never_store_the_token() {
    var wrong = new FakeGitHub("acme", "ops", "another-token-entirely");
    try (var h2 = new Harness(List.of(new SinkSpec.GitHub("github", URI.create(wrong.baseUrl()), "acme", "ops",
        new Secret(TOKEN), List.of())))) {
      h2.opened(Harness.incident("inc-1", 1, "open"));
      h2.notifications.deliverDue();
      var row = h2.notifications.deliveries("inc-1").get(0);
      assertThat(row.state()).isEqualTo("failed");
      assertThat(row.lastError()).contains("HTTP 401").contains("Bad credentials").doesNotContain(TOKEN);
    } finally {
      wrong.close();
    }
  }

  @Test
  void a_restart_after_github_created_the_issue_but_before_it_was_recorded_links_it_instead_of_creating_again() {
    github.script("create", Reply.performThenHang()); // GitHub creates it; the answer never arrives
    h.opened(Harness.incident("inc-9", 1, "open"));
    h.notifications.deliverDue();
    assertThat(github.issues()).hasSize(1);
    assertThat(h.notifications.links("inc-9")).extracting(ExternalLink::state).containsExactly("creating");

    h.restart(); // the process dies with the outbox row pending
    h.clock.advance(Duration.ofMinutes(5));
    h.drain();

    assertThat(github.issues()).hasSize(1);
    assertThat(creates()).isEqualTo(1);
    assertThat(h.notifications.links("inc-9")).containsExactly(new ExternalLink("github", "github", "created", "1347",
        "https://github.com/acme/ops/issues/1347"));
    var row = h.notifications.deliveries("inc-9").stream().filter(d -> d.sink().equals("github")).findFirst().orElseThrow();
    assertThat(row.state()).isEqualTo("done");
    assertThat(row.externalUrl()).isEqualTo("https://github.com/acme/ops/issues/1347");
  }

  @Test
  void a_restart_after_the_create_was_sent_but_never_reached_github_creates_it_then() {
    github.script("create", Reply.hang()); // lost on the way: GitHub has nothing
    h.opened(Harness.incident("inc-9", 1, "open"));
    h.notifications.deliverDue();
    assertThat(github.issues()).isEmpty();

    h.restart();
    h.drain();

    assertThat(github.issues()).hasSize(1);
    assertThat(h.notifications.links("inc-9")).extracting(ExternalLink::state).containsExactly("created");
  }

  @Test
  void the_incident_flow_never_waits_on_a_tracker() {
    github.script("create", Reply.hang(), Reply.hang());
    // enqueueing is a write in the caller's command: it returns whatever GitHub does, before any delivery
    h.opened(Harness.incident("inc-1", 1, "open"));
    assertThat(github.requests()).isEmpty();
    assertThat(h.notifications.deliveries("inc-1")).extracting(Notifications.Delivery::state)
        .containsOnly("pending");
  }
}
