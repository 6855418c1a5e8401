package io.rollgate.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.server.http.Problem;
import io.rollgate.server.testing.TestServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Draining: /health turns 503, changes are refused with a problem and journal nothing, reads go on. */
class DrainTest {
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void a_draining_server_fails_health_refuses_changes_and_still_serves_reads() {
    server = TestServer.start();
    assertThat(server.send("PUT", "/api/v1/policies/p", TestServer.ADMIN_TOKEN, "{\"document\":{\"max\":1}}")
        .status()).isEqualTo(201);
    long head = server.journalHead();

    server.server().drain();

    var health = server.get("/health", null);
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.json().path("status").asText()).isEqualTo("draining");
    var change = server.send("POST", "/api/v1/policies/p/changes", TestServer.ADMIN_TOKEN,
        "{\"delta\":{\"max\":2},\"reason\":\"during drain\"}");
    assertThat(change.status()).isEqualTo(503);
    assertThat(change.contentType()).startsWith(Problem.MEDIA_TYPE);
    assertThat(change.json().path("type").asText()).endsWith("/draining");
    assertThat(change.json().path("detail").asText()).contains("shutting down");
    assertThat(change.header("Retry-After")).contains("5");
    assertThat(server.journalHead()).isEqualTo(head);
    assertThat(server.get("/api/v1/policies/p", TestServer.ADMIN_TOKEN).json().path("version").asInt()).isEqualTo(1);
    assertThat(server.server().lifecycle().state()).isEqualTo(Lifecycle.State.DRAINING);
  }

  @Test
  void close_holds_the_drain_for_the_configured_delay_so_load_balancers_see_it_then_stops() throws Exception {
    server = TestServer.start(null, cfg -> cfg.withDrainDelay(Duration.ofSeconds(3)));
    assertThat(server.get("/health", null).status()).isEqualTo(200);

    long started = System.nanoTime();
    var closed = CompletableFuture.runAsync(() -> server.server().close());

    await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
        .until(() -> server.get("/health", null).status() == 503);
    assertThat(server.send("PUT", "/api/v1/policies/q", TestServer.ADMIN_TOKEN, "{\"document\":{\"max\":1}}")
        .status()).isEqualTo(503);
    closed.get(30, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("close() held the drain for the delay")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    assertThat(server.server().lifecycle().state()).isEqualTo(Lifecycle.State.STOPPED);
  }
}
