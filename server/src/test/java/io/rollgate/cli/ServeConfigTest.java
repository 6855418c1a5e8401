package io.rollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rollgate.store.testing.TestDatabases;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code rollgate serve --config}: a bad notifier configuration stops the start with exit 2, naming file and field. */
class ServeConfigTest {
  @Test
  void a_missing_environment_variable_stops_serve_naming_file_and_key() throws Exception {
    Path dir = TestDatabases.newTempDir();
    Path cfg = dir.resolve("rollgate.yaml");
    Files.writeString(cfg, "notifiers:\n  - type: slack\n    webhookUrl: ${SLACK_WEBHOOK_URL}\n");
    var out = new StringWriter();
    var err = new StringWriter();
    int code = Main.run(new String[] {"serve", "--port", "0", "--data-dir", dir.resolve("data").toString(),
        "--config", cfg.toString()}, new PrintWriter(out), new PrintWriter(err), Map.<String, String>of()::get);
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains(cfg + ": notifiers[0].webhookUrl: environment variable SLACK_WEBHOOK_URL is not set");
  }
}
