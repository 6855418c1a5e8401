package io.rollgate.examples;

import io.rollgate.client.ClientEvent;
import io.rollgate.client.Evaluation;
import io.rollgate.client.RollgateClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A pretend service that handles a request per user every 100 ms: it reads
 * {@code guardian-enforcement.enforce} for the user from the SDK (locally, no network round
 * trip), "handles" the request (a candidate that enforces fails 1 in 200 times, the baseline 1 in
 * 1000), and reports the outcome, which the rollout's analysis judges. Every second it prints how
 * many users got the candidate. See README.md for the commands.
 */
public final class SdkDemo {
  private SdkDemo() {}

  public static void main(String[] args) throws InterruptedException {
    String url = env("ROLLGATE_URL", "http://127.0.0.1:8080");
    String token = System.getenv("ROLLGATE_TOKEN");
    if (token == null || token.isBlank()) {
      System.err.println("set ROLLGATE_TOKEN to an operator token (rollgate token create demo --role operator)");
      System.exit(2);
    }
    int seconds = Integer.parseInt(env("DEMO_SECONDS", "600"));
    try (RollgateClient rollgate = RollgateClient.builder()
        .serverUrl(url)
        .token(token)
        .policies("guardian-enforcement")
        .snapshotFile(Path.of(env("DEMO_SNAPSHOT", "target/rollgate-snapshot.json")))
        .flushInterval(Duration.ofSeconds(5))
        .listener(SdkDemo::print)
        .build()) {
      int candidate = 0;
      int total = 0;
      for (int tick = 1; tick <= seconds * 10; tick++) {
        String user = "user-" + ThreadLocalRandom.current().nextInt(10_000);
        boolean enforce = rollgate.getBoolean("guardian-enforcement.enforce", user, false);
        boolean failed = ThreadLocalRandom.current().nextInt(enforce ? 200 : 1000) == 0;
        if (failed) {
          rollgate.recordError("guardian-enforcement", user);
        } else {
          rollgate.recordSuccess("guardian-enforcement", user);
        }
        Evaluation e = rollgate.evaluate("guardian-enforcement", user);
        total++;
        if (e.variant() != null && e.variant().wire().equals("candidate")) {
          candidate++;
        }
        if (tick % 10 == 0) {
          System.out.printf("%s: %d of %d requests got the candidate (%s, rollout %s)%s%n", e.reason(), candidate,
              total, e.stateHash() == null ? "-" : e.stateHash().substring(0, 12), e.rolloutId(),
              rollgate.isStale() ? " STALE: " + rollgate.lastError().orElse("") : "");
          candidate = 0;
          total = 0;
        }
        Thread.sleep(100); // the demo's request rate, not a wait for the SDK
      }
    }
  }

  private static void print(ClientEvent event) {
    System.out.println("rollgate: " + event);
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }
}
