package io.rollgate.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.rollgate.server.notify.fake.FakeGitHub;
import io.rollgate.server.notify.fake.FakeServer.Reply;
import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * No notifier secret (tokens, the Slack webhook URL, the webhook signing secret) is in anything logged
 * while deliveries succeed, fail with 401/429/5xx, time out or cannot connect — nor in the outbox's
 * stored errors.
 */
class NotifierSecretsNotLoggedTest {
  static final String GH_TOKEN = "ghp_verysecret_abcdefghijklmnop";
  static final String HOOK_SECRET = "whsec_verysecret_abcdefghij";

  @Test
  void no_secret_in_logs_or_stored_errors() throws Exception {
    int closedPort;
    try (var s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort(); // nothing listens there once closed: connections are refused
    }
    String slackUrl = "http://127.0.0.1:" + closedPort + "/services/T9/B9/slacksecretpart0123456789";
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    var captured = new ListAppender<ILoggingEvent>();
    captured.start();
    root.addAppender(captured);
    root.setLevel(Level.TRACE);
    List<String> stored = new ArrayList<>();
    try (var gh = new FakeGitHub("acme", "ops", GH_TOKEN);
        var h = new Harness(List.of(
            new SinkSpec.GitHub("github", URI.create(gh.baseUrl()), "acme", "ops", new Secret(GH_TOKEN), List.of()),
            new SinkSpec.Slack("slack", new Secret(slackUrl), true, false),
            new SinkSpec.Webhook("hook", URI.create("http://127.0.0.1:" + closedPort + "/h"), new Secret(HOOK_SECRET), false)))) {
      gh.script("create", Reply.status(429, "{}", Map.of("Retry-After", "1")), Reply.status(500, "{}"), Reply.hang());
      h.opened(Harness.incident("inc-1", 1, "open"));
      for (int i = 0; i < 5; i++) {
        h.notifications.deliverDue();
        h.clock.advance(java.time.Duration.ofHours(1));
      }
      h.notifications.deliveries("inc-1").forEach(d -> stored.add(String.valueOf(d.lastError())));
      assertThat(gh.issues()).hasSize(1);
    } finally {
      root.detachAppender(captured);
      root.setLevel(before);
    }
    List<String> texts = new ArrayList<>(stored);
    for (ILoggingEvent e : captured.list) {
      texts.add(e.getFormattedMessage());
      if (e.getArgumentArray() != null) {
        for (Object a : e.getArgumentArray()) {
          texts.add(String.valueOf(a));
        }
      }
      if (e.getThrowableProxy() != null) {
        texts.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
      }
    }
    assertThat(texts).anyMatch(t -> t.contains("notifier slack")); // the failures were logged …
    for (String secret : List.of(GH_TOKEN, "slacksecretpart0123456789", HOOK_SECRET)) {
      assertThat(texts).noneMatch(t -> t.contains(secret)); // … without a secret
    }
  }
}
