package io.rollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code rollgate serve --metrics-token}, with ROLLGATE_METRICS_TOKEN as the fallback. */
class ServeMetricsTokenTest {
  private static ServeCommand parse(Map<String, String> env, String... args) {
    var main = new Main();
    main.env = env::get;
    var parsed = new CommandLine(main).parseArgs(args);
    return (ServeCommand) parsed.subcommand().commandSpec().userObject();
  }

  @Test
  void the_flag_wins_over_the_environment_which_wins_over_nothing() {
    var env = Map.of("ROLLGATE_METRICS_TOKEN", "from-env");
    assertThat(parse(env, "serve", "--metrics-token", "from-flag").metricsToken()).isEqualTo("from-flag");
    assertThat(parse(env, "serve").metricsToken()).isEqualTo("from-env");
    assertThat(parse(Map.of(), "serve").metricsToken()).isNull();
    assertThat(parse(Map.of("ROLLGATE_METRICS_TOKEN", " "), "serve").metricsToken()).as("blank = unset").isNull();
  }

  @Test
  void a_blank_flag_is_a_usage_error_rather_than_a_silently_open_metrics_endpoint() {
    var out = new StringWriter();
    var err = new StringWriter();
    int exit = Main.run(new String[] {"serve", "--port", "0", "--metrics-token", " "}, new PrintWriter(out, true),
        new PrintWriter(err, true), Map.<String, String>of()::get);

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo("rollgate: --metrics-token must not be blank; omit it to leave /metrics open");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void help_lists_the_option() {
    var out = new StringWriter();
    Main.run(new String[] {"serve", "--help"}, new PrintWriter(out, true), new PrintWriter(new StringWriter()),
        Map.<String, String>of()::get);
    assertThat(out.toString()).contains("--metrics-token=TOKEN").contains("ROLLGATE_METRICS_TOKEN");
  }
}
