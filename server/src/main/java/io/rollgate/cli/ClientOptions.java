package io.rollgate.cli;

import picocli.CommandLine.Option;

/** Options shared by every client command: where the server is, and how to print. */
final class ClientOptions {
  @Option(names = "--server", paramLabel = "URL",
      description = "Rollgate server URL (default: $ROLLGATE_URL or http://127.0.0.1:8080)")
  String server;

  @Option(names = "--json", description = "Print the server's JSON answer, for scripts")
  boolean json;

  ApiClient client() {
    String url = server != null ? server : env("ROLLGATE_URL", "http://127.0.0.1:8080");
    return new ApiClient(url, System.getenv("ROLLGATE_TOKEN"));
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }
}
