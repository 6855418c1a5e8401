package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.read.ListAppender;
import io.rollgate.server.RollgateServer;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import io.rollgate.store.token.TokenStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * No token secret reaches the log, nor an Authorization header value: everything logged while
 * servers start, bootstrap their admin token (given, and generated into a file), create tokens
 * whose secrets are in the responses, use them, refuse unknown ones and other schemes, refuse an
 * under-privileged role, trip the failed-authentication limit, and stop, is captured at the most
 * verbose Rollgate level (the server's logback.xml with root at TRACE; the libraries keep the levels
 * it pins them to, as in production) and searched for every secret and every 12-character piece of one.
 */
class SecretsNotLoggedTest {

  @Test
  void no_secret_or_authorization_header_value_is_in_any_logged_message_argument_or_throwable() throws IOException {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    productionLogging(context);
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var captured = new ListAppender<ILoggingEvent>();
    captured.start();
    root.addAppender(captured);
    root.setLevel(Level.TRACE); // as ROLLGATE_LOG_LEVEL=TRACE would
    Set<String> secrets = new LinkedHashSet<>();
    Set<String> headers = new LinkedHashSet<>();
    try {
      secrets.add(TestServer.ADMIN_TOKEN); // registered at start as ROLLGATE_ADMIN_TOKEN would be
      try (var server = TestServer.start()) {
        flow(server, secrets, headers);
      }
      secrets.add(generatedAdminFlow());
    } finally {
      root.detachAppender(captured);
      testLogging(context);
    }

    List<String> texts = new ArrayList<>();
    for (ILoggingEvent e : captured.list) {
      texts.add(e.getFormattedMessage());
      texts.add(String.valueOf(e.getMessage()));
      if (e.getArgumentArray() != null) {
        for (Object a : e.getArgumentArray()) {
          texts.add(String.valueOf(a));
        }
      }
      if (e.getThrowableProxy() != null) {
        texts.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
      }
      e.getMDCPropertyMap().values().forEach(texts::add);
    }
    String all = String.join("\n", texts);

    assertThat(secrets).hasSizeGreaterThanOrEqualTo(12);
    assertThat(all).as("the capture is not empty: request lines, the limit warning, the bootstrap")
        .contains("POST /api/v1/tokens -> 201", "failed authentications from 127.0.0.1",
            "generated the first admin token", "admin token 'admin' registered from ROLLGATE_ADMIN_TOKEN");
    for (String secret : secrets) {
      assertThat(all).as("a secret in the log").doesNotContain(secret);
      String random = secret.startsWith(TokenStore.PREFIX) ? secret.substring(TokenStore.PREFIX.length()) : secret;
      for (int i = 0; i + 12 <= random.length(); i++) {
        assertThat(all).as("a piece of a secret in the log").doesNotContain(random.substring(i, i + 12));
      }
    }
    for (String header : headers) {
      assertThat(all).as("an Authorization header value in the log").doesNotContain(header);
    }
  }

  /**
   * The server's own logback.xml, not the test classpath's logback-test.xml: what is logged in
   * production is what matters, and logback.xml keeps Jetty at WARN (at DEBUG, Jetty's HTTP parser
   * logs every header it parses, Authorization included).
   */
  private static void productionLogging(LoggerContext context) {
    context.reset();
    var configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(RollgateServer.class.getResource("/logback.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException("the server's logback.xml does not load", e);
    }
  }

  /** Back to whatever configuration the test classpath gives (logback-test.xml). */
  private static void testLogging(LoggerContext context) {
    context.reset();
    try {
      new ContextInitializer(context).autoConfig();
    } catch (JoranException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Everything a token goes through on one server; collects the secrets and header values used. */
  private static void flow(TestServer server, Set<String> secrets, Set<String> headers) {
    String admin = TestServer.ADMIN_TOKEN;
    var created = new ArrayList<String>();
    for (String role : List.of("viewer", "operator", "admin")) {
      var r = server.send("POST", "/api/v1/tokens", admin, "{\"name\":\"logged-" + role + "\",\"role\":\"" + role + "\"}");
      assertThat(r.status()).as("%s", r).isEqualTo(201);
      created.add(r.json().path("token").asText());
    }
    secrets.addAll(created);
    String viewer = created.get(0);
    String operator = created.get(1);
    String newAdmin = created.get(2);

    assertThat(server.get("/api/v1/policies", viewer).status()).isEqualTo(200);
    assertThat(server.send("PUT", "/api/v1/policies/logged", operator, "{\"document\":{\"a\":1}}").status()).isEqualTo(201);
    assertThat(server.send("PUT", "/api/v1/policies/logged", viewer, "{\"document\":{\"a\":2}}").status()).isEqualTo(403);
    assertThat(server.send("POST", "/api/v1/policies/logged/freeze", newAdmin, "{\"reason\":\"r\"}").status()).isEqualTo(200);
    assertThat(server.send("POST", "/api/v1/policies/logged/changes", operator, "{").status()).isEqualTo(400);
    assertThat(server.send("DELETE", "/api/v1/policies/logged", admin, (String) null).status()).isEqualTo(405);

    for (int i = 0; i < 5; i++) {
      String unknown = TokenStore.newSecret();
      secrets.add(unknown);
      assertThat(server.send("POST", "/api/v1/policies/logged/unfreeze", unknown, "{}").status()).isEqualTo(401);
    }
    for (String odd : List.of("Basic " + operator, "Token " + newAdmin, "Bearer " + viewer + "x", "bearer  " + TokenStore.newSecret())) {
      headers.add(odd);
      var r = HttpProbe.send(HttpProbe.request(server, "PUT", "/api/v1/policies/logged", odd, "{\"document\":{}}").build());
      assertThat(r.status()).isEqualTo(401);
    }
    for (int i = 0; i < AuthLimits.DEFAULTS.maxFailures(); i++) {
      String unknown = TokenStore.newSecret();
      secrets.add(unknown);
      server.get("/api/v1/audit", unknown);
    }
    var limited = server.send("POST", "/api/v1/tokens", admin, "{\"name\":\"late\",\"role\":\"viewer\"}");
    assertThat(limited.status()).as("%s", limited).isEqualTo(429);
    for (String s : secrets) {
      headers.add("Bearer " + s);
    }
  }

  /** A server with no admin token given generates one into its data directory; it is used once. */
  private static String generatedAdminFlow() throws IOException {
    Path dir = TestDatabases.newTempDir();
    String secret;
    try (var server = RollgateServer.start(RollgateServer.Config.defaults(dir))) {
      secret = Files.readString(dir.resolve(RollgateServer.ADMIN_TOKEN_FILE)).trim();
      var r = HttpProbe.send(java.net.http.HttpRequest.newBuilder(
              java.net.URI.create("http://127.0.0.1:" + server.port() + "/api/v1/tokens"))
          .timeout(HttpProbe.TIMEOUT).header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"from-generated\",\"role\":\"viewer\"}"))
          .build());
      assertThat(r.status()).as("%s", r).isEqualTo(201);
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    return secret;
  }
}
