package io.rollgate.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import io.rollgate.store.testing.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Focused regressions for refusals that used to be wrong: each is a problem document with a 4xx,
 * changes nothing, and leaves the server healthy.
 */
class RefusalsTest {
  private static final String ADMIN = TestServer.ADMIN_TOKEN;
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    var created = server.send("PUT", "/api/v1/policies/limits", ADMIN, "{\"document\":{\"max\":1}}");
    assertThat(created.status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static void assertProblem(TestServer.Response r, int status) {
    assertThat(r.status()).as("%s", r).isEqualTo(status);
    assertThat(r.contentType()).as("%s", r).startsWith(Problem.MEDIA_TYPE);
    JsonNode p = r.json();
    assertThat(p.path("type").asText()).startsWith(Problem.BASE);
    assertThat(p.path("title").asText()).isNotBlank();
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(p.path("detail").asText()).isNotBlank();
  }

  @Test
  void a_change_to_a_policy_that_does_not_exist_is_a_404_and_the_server_stays_healthy() {
    long head = server.journalHead();
    var r = server.send("POST", "/api/v1/policies/missing/changes", ADMIN, "{\"delta\":{\"max\":2}}");
    assertProblem(r, 404);
    assertThat(r.json().path("detail").asText()).isEqualTo("policy 'missing' does not exist");
    assertThat(server.journalHead()).isEqualTo(head);
    assertThat(server.get("/health", null).status()).isEqualTo(200);
  }

  @Test
  void a_command_that_fails_does_not_fail_the_commands_committed_in_the_same_batch() throws Exception {
    var journal = server.server().journal();
    var writerBusy = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    // hold the writer so that the next two commands are taken as one batch
    CompletableFuture<Long> holder = journal.submit(tx -> {
      writerBusy.countDown();
      release.await(10, TimeUnit.SECONDS);
      return 0L;
    });
    assertThat(writerBusy.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Long> failing = journal.submit(tx -> {
      tx.append("test.refused", "batch", "test", Json.object());
      throw new IllegalArgumentException("refused on purpose");
    });
    CompletableFuture<Long> succeeding = journal.submit(tx -> tx.append("test.accepted", "batch", "test", Json.object()));
    release.countDown();

    assertThat(holder.get(10, TimeUnit.SECONDS)).isZero();
    assertThat(failing).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
        .havingCause().isInstanceOf(IllegalArgumentException.class).withMessage("refused on purpose");
    long seq = succeeding.get(10, TimeUnit.SECONDS);
    var entries = server.server().journalReader().page(seq - 1, 10);
    assertThat(entries).extracting(e -> e.type()).containsExactly("test.accepted");
    assertThat(server.server().journalReader().verify().ok()).isTrue();
    assertThat(journal.problem()).isNull();
  }

  @Test
  void a_known_path_with_the_wrong_method_is_a_405_naming_the_allowed_methods() {
    var r = server.send("DELETE", "/api/v1/policies/limits", ADMIN, (byte[]) null);
    assertProblem(r, 405);
    assertThat(r.header("Allow")).hasValue("GET, PUT");
    assertThat(r.json().path("detail").asText())
        .isEqualTo("DELETE is not allowed on /api/v1/policies/limits; allowed: GET, PUT");
  }

  @Test
  void a_request_jetty_cannot_parse_gets_a_problem_document_not_an_html_page() {
    assertProblem(server.get("/api/v1/policies/a%00b", ADMIN), 400);
    var tooLongHeader = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/v1/policies"))
        .header("Authorization", "Bearer " + "x".repeat(20_000)).GET().build();
    var r = server.send(tooLongHeader);
    assertProblem(r, 431);
    assertThat(r.json().path("field").asText()).isEqualTo("headers");
    var tooLongUri = server.get("/api/v1/policies/" + "a".repeat(20_000), ADMIN);
    assertProblem(tooLongUri, 414);
    assertThat(tooLongUri.json().path("field").asText()).isEqualTo("uri");
  }

  @Test
  void a_chunked_body_over_the_limit_is_refused_without_reading_it_to_the_end() throws IOException {
    try (var socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(15_000);
      OutputStream out = socket.getOutputStream();
      out.write(("PUT /api/v1/policies/limits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ADMIN
          + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = " ".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 17; i++) { // 17 x 64 KiB = 1 MiB + 64 KiB, and the body never ends
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(chunk);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
      String response = readHead(socket.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 413").containsIgnoringCase("content-type: " + Problem.MEDIA_TYPE);
    }
    assertThat(server.get("/api/v1/policies/limits", ADMIN).json().path("version").asInt()).isEqualTo(1);
  }

  /** Reads the status line and headers of a response. */
  private static String readHead(InputStream in) throws IOException {
    var buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      buf.write(b);
      if (buf.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        break;
      }
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void an_unpaired_surrogate_is_refused_in_documents_deltas_and_reasons_instead_of_being_stored_as_a_question_mark() {
    long head = server.journalHead();
    var doc = server.send("PUT", "/api/v1/policies/surrogates", ADMIN, "{\"document\":{\"a\":\"x\\ud800\"}}");
    assertProblem(doc, 400);
    assertThat(doc.json().path("field").asText()).isEqualTo("/document/a");
    var key = server.send("PUT", "/api/v1/policies/surrogates", ADMIN, "{\"document\":{\"\\udc00\":1}}");
    assertProblem(key, 400);
    var delta = server.send("POST", "/api/v1/policies/limits/changes", ADMIN, "{\"delta\":{\"max\":[\"\\udbff\"]}}");
    assertProblem(delta, 400);
    assertThat(delta.json().path("field").asText()).isEqualTo("/delta/max/0");
    var reason = server.send("POST", "/api/v1/policies/limits/freeze", ADMIN, "{\"reason\":\"\\ud800\"}");
    assertProblem(reason, 400);
    assertThat(reason.json().path("field").asText()).isEqualTo("reason");
    var pair = server.send("PUT", "/api/v1/policies/surrogates", ADMIN, "{\"document\":{\"a\":\"\\ud83d\\ude00\"}}");
    assertThat(pair.status()).as("a proper surrogate pair is fine").isEqualTo(201);
    assertThat(server.journalHead()).isEqualTo(head + 1);
  }

  @Test
  void a_problem_document_is_utf_8_like_every_other_json_answer() {
    var r = server.send("PUT", "/api/v1/policies/caf%C3%A9-%E4%B8%AD", ADMIN, "{\"document\":{}}");
    assertProblem(r, 400);
    assertThat(r.json().path("detail").asText()).startsWith("invalid policy name 'café-中'");
    var unknown = server.send("PUT", "/api/v1/policies/limits/guards", ADMIN, "{\"ünknown\":1}");
    assertProblem(unknown, 400);
    assertThat(unknown.json().path("field").asText()).isEqualTo("ünknown");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "postgresql"})
  void a_reason_with_a_nul_character_is_a_400_on_every_database(String dialect) {
    try (var s = dialect.equals("sqlite") ? TestServer.start() : TestServer.start(TestDatabases.newPostgresUrl())) {
      assertThat(s.send("PUT", "/api/v1/policies/p", ADMIN, "{\"document\":{}}").status()).isEqualTo(201);
      long head = s.journalHead();
      for (var req : List.of(
          new String[] {"PUT", "/api/v1/policies/p", "{\"document\":{\"a\":1},\"reason\":\"a\\u0000b\"}"},
          new String[] {"POST", "/api/v1/policies/p/freeze", "{\"reason\":\"\\u0000\"}"})) {
        var r = s.send(req[0], req[1], ADMIN, req[2]);
        assertProblem(r, 400);
        assertThat(r.json().path("field").asText()).isEqualTo("reason");
      }
      assertThat(s.journalHead()).isEqualTo(head);
      assertThat(s.get("/health", null).status()).isEqualTo(200);
    }
  }
}
