package io.rollgate.server.metrics;

import io.rollgate.server.testing.PrometheusBinaries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.rollgate.server.testing.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code promtool check metrics} accepts a scrape with every kind of series present, and says nothing. */
class PromtoolLintTest {
  @Test
  void promtool_finds_nothing_to_complain_about_in_a_scrape() throws Exception {
    var promtool = PrometheusBinaries.require("promtool");
    try (var s = TestServer.start()) {
      String admin = TestServer.ADMIN_TOKEN;
      s.send("PUT", "/api/v1/policies/lint", admin, "{\"document\":{\"a\":1}}");
      s.send("POST", "/api/v1/policies/lint/changes", admin, "{\"delta\":{\"a\":1}}"); // skipped: no-op
      s.send("POST", "/api/v1/policies/missing/changes", admin, "{\"delta\":{\"a\":1}}"); // failed command
      s.get("/nowhere", null);
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        var m = Exposition.parse(s.get("/metrics", null).body());
        return m.value("rollgate_policy_apply_total", "policy", "lint", "outcome", "skipped").isPresent()
            && m.value("rollgate_http_requests_total", "route", "unmatched").isPresent();
      });
      var scrape = s.get("/metrics", null).body();

      var out = Files.createTempFile("promtool", ".out");
      try {
        var p = new ProcessBuilder(promtool.toString(), "check", "metrics")
            .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try (var stdin = p.getOutputStream()) {
          stdin.write(scrape.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
        String said = Files.readString(out);
        assertThat(said).as("promtool output for the scrape:%n%s", scrape).isEmpty();
        assertThat(p.exitValue()).isZero();
      } finally {
        delete(out);
      }
    }
  }

  private static void delete(java.nio.file.Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a temp file left behind is harmless
    }
  }
}
