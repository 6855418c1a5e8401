package io.rollgate.cli;

import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options shared by every client command: where the server is, and how to print. */
final class ClientOptions {
  @Option(names = "--server", paramLabel = "URL",
      description = "Rollgate server URL (default: $ROLLGATE_URL or http://127.0.0.1:8080)")
  String server;

  @Option(names = "--json", description = "Print the server's JSON answer, for scripts")
  boolean json;

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  ApiClient client() {
    String url = server != null ? server : env("ROLLGATE_URL", "http://127.0.0.1:8080");
    return new ApiClient(url, env("ROLLGATE_TOKEN", null));
  }

  /** Whether the user named a server (--server or ROLLGATE_URL), rather than relying on the default. */
  boolean serverGiven() {
    return server != null || env("ROLLGATE_URL", null) != null;
  }

  private String env(String name, String dflt) {
    Function<String, String> env = mixee != null && mixee.root().userObject() instanceof Main m ? m.env : System::getenv;
    String v = env.apply(name);
    return v == null || v.isBlank() ? dflt : v;
  }
}
