package io.rollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import io.rollgate.server.testing.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rollgate sync} against an in-process server: the file holds the canonical document whose
 * SHA-256 is the policy's state hash, --watch rewrites it on each change, and a write or a check
 * that fails leaves the old file exactly as it was, with no temporary file behind.
 */
class SyncCommandTest {
  private static final String DOC = "{\"max\":5,\"mode\":\"warn\",\"nested\":{\"b\":1,\"a\":[true,null]}}";
  private TestServer server;
  @TempDir Path dir;

  @BeforeEach
  void start() {
    server = TestServer.start();
    put("runtime-overrides", DOC);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void the_file_holds_the_canonical_document_whose_sha256_is_the_state_hash_and_a_second_run_leaves_it() throws Exception {
    Path file = dir.resolve("runtime_overrides.json");
    String stateHash = policy().path("stateHash").asText();

    var r = CliTest.ok(sync("--policy", "runtime-overrides", "--file", file.toString()));

    assertThat(r.out()).isEqualTo("wrote runtime-overrides v1 (" + stateHash.substring(0, 12) + ") to " + file
        + ", " + Files.size(file) + " bytes, verified\n");
    byte[] bytes = Files.readAllBytes(file);
    assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(Canonical.canonicalize(Json.parse(DOC, "t")));
    assertThat(Canonical.sha256Hex(bytes)).as("sha256sum FILE is the state hash").isEqualTo(stateHash);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
    assertThat(listing()).containsExactly("runtime_overrides.json");

    var again = CliTest.ok(sync("--policy", "runtime-overrides", "--file", file.toString(), "--json"));
    assertThat(again.json()).isEqualTo(Json.object().put("policy", "runtime-overrides").put("version", 1)
        .put("stateHash", stateHash).put("file", file.toString()).put("written", false).put("bytes", 0));
  }

  @Test
  void a_rewrite_keeps_the_mode_the_file_had() throws Exception {
    Path file = dir.resolve("o.json");
    Files.writeString(file, "{\"old\":true}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));

    CliTest.ok(sync("--policy", "runtime-overrides", "--file", file.toString()));

    assertThat(Canonical.sha256Hex(Files.readAllBytes(file))).isEqualTo(policy().path("stateHash").asText());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r-----");
  }

  @Test
  void watch_rewrites_the_file_on_each_change_of_that_policy_only() throws Exception {
    put("other", "{\"x\":1}");
    Path file = dir.resolve("o.json");
    var out = new StringWriter();
    var err = new StringWriter();
    var exit = new AtomicInteger(-1);
    Thread t = Thread.ofVirtual().start(() -> exit.set(Main.run(new String[] {"sync", "--policy", "runtime-overrides",
        "--file", file.toString(), "--watch", "--count", "2", "--server", server.baseUrl()},
        new PrintWriter(out, true), new PrintWriter(err, true), Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN)::get)));
    await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().contains("watching runtime-overrides"));
    assertThat(Canonical.sha256Hex(Files.readAllBytes(file))).isEqualTo(policy().path("stateHash").asText());

    change("other", "{\"x\":2}"); // not this policy: no rewrite, not counted
    change("runtime-overrides", "{\"max\":6}");
    await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().contains("runtime-overrides v2"));
    assertThat(Json.parse(Files.readString(file), "file").path("max").asInt()).isEqualTo(6);
    change("runtime-overrides", "{\"mode\":\"block\"}");

    t.join(Duration.ofSeconds(30));
    assertThat(t.isAlive()).as("exits after --count 2 rewrites; out:\n%s\nerr:\n%s", out, err).isFalse();
    assertThat(exit.get()).as("err: %s", err).isZero();
    assertThat(Canonical.sha256Hex(Files.readAllBytes(file))).isEqualTo(policy().path("stateHash").asText());
    assertThat(Json.parse(Files.readString(file), "file").path("mode").asText()).isEqualTo("block");
    List<String> wrote = out.toString().lines().filter(l -> l.startsWith("wrote ")).toList();
    assertThat(wrote).hasSize(3);
    assertThat(wrote.get(0)).startsWith("wrote runtime-overrides v1 ");
    assertThat(wrote.get(1)).startsWith("wrote runtime-overrides v2 ");
    assertThat(wrote.get(2)).startsWith("wrote runtime-overrides v3 ");
    assertThat(listing()).containsExactly("o.json");
  }

  @Test
  void a_write_that_fails_half_way_leaves_the_old_file_intact_and_no_temporary_file() throws Exception {
    Path file = dir.resolve("o.json");
    CliTest.ok(sync("--policy", "runtime-overrides", "--file", file.toString()));
    byte[] old = Files.readAllBytes(file);
    change("runtime-overrides", "{\"blob\":\"" + "x".repeat(8_000) + "\"}");

    // a real failing write: a child JVM whose file-size limit (1 KiB) is below the new document's size,
    // so the kernel refuses the write with EFBIG part of the way through
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    String command = "ulimit -f 1 && exec '" + java + "' -XX:-UsePerfData -Xshare:off -cp '"
        + System.getProperty("java.class.path") + "' io.rollgate.cli.Main sync --policy runtime-overrides --file '"
        + file + "' --server " + server.baseUrl();
    Path log = Files.createTempFile("sync-child", ".log");
    var pb = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).redirectOutput(log.toFile())
        .directory(new File("."));
    pb.environment().put("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN);
    Process p = pb.start();
    p.getOutputStream().close();
    boolean done = p.waitFor(2, TimeUnit.MINUTES);
    String output = Files.readString(log);
    Files.delete(log);

    assertThat(done).as("child finished; %s", output).isTrue();
    assertThat(p.exitValue()).as("%s", output).isEqualTo(1);
    assertThat(output).contains("rollgate: cannot write " + file).contains("File too large")
        .contains("it was left as it was");
    assertThat(Files.readAllBytes(file)).as("the old document, byte for byte").isEqualTo(old);
    assertThat(listing()).containsExactly("o.json");
  }

  @Test
  void a_server_answer_that_does_not_hash_to_its_state_hash_is_refused_with_exit_1_and_nothing_written() throws Exception {
    Path file = dir.resolve("o.json");
    Files.writeString(file, "{\"old\":true}");
    HttpServer fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    fake.createContext("/", ex -> {
      byte[] body = ("{\"name\":\"runtime-overrides\",\"version\":4,\"stateHash\":\"" + "0".repeat(64)
          + "\",\"document\":{\"max\":1}}").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    fake.start();
    try {
      var r = CliTest.run(Map.of(), "sync", "--policy", "runtime-overrides", "--file", file.toString(), "--server",
          "http://127.0.0.1:" + fake.getAddress().getPort());

      CliTest.assertOneLineError(r, 1);
      assertThat(r.err()).contains("hashes to " + Canonical.sha256Hex("{\"max\":1}"))
          .contains("not to its stateHash " + "0".repeat(64)).contains("left as it was");
    } finally {
      fake.stop(0);
    }
    assertThat(Files.readString(file)).isEqualTo("{\"old\":true}");
    assertThat(listing()).containsExactly("o.json");
  }

  @Test
  void bad_usage_is_exit_2_with_one_line() {
    Path file = dir.resolve("o.json");
    CliTest.assertOneLineError(sync("--file", file.toString()), 2);
    CliTest.assertOneLineError(sync("--policy", "Bad Name", "--file", file.toString()), 2);
    CliTest.assertOneLineError(sync("--policy", "runtime-overrides", "--file", dir.resolve("no/such/dir/f").toString()), 2);
    CliTest.assertOneLineError(sync("--policy", "runtime-overrides", "--file", dir.toString()), 2);
    CliTest.assertOneLineError(sync("--policy", "runtime-overrides", "--file", file.toString(), "--count", "1"), 2);
    var missing = sync("--policy", "nope", "--file", file.toString());
    CliTest.assertOneLineError(missing, 2);
    assertThat(missing.err()).contains("policy 'nope' does not exist").contains("404");
    assertThat(Files.exists(file)).isFalse();
  }

  // --- helpers

  private CliTest.Result sync(String... args) {
    var all = new java.util.ArrayList<>(List.of("sync"));
    all.addAll(List.of(args));
    all.add("--server");
    all.add(server.baseUrl());
    return CliTest.run(Map.of("ROLLGATE_TOKEN", TestServer.ADMIN_TOKEN), all.toArray(String[]::new));
  }

  private com.fasterxml.jackson.databind.JsonNode policy() {
    return server.get("/api/v1/policies/runtime-overrides", TestServer.ADMIN_TOKEN).json();
  }

  private void put(String name, String document) {
    var r = server.send("PUT", "/api/v1/policies/" + name, TestServer.ADMIN_TOKEN, "{\"document\":" + document + "}");
    assertThat(r.status()).as("%s", r).isIn(200, 201);
  }

  private void change(String name, String delta) {
    var r = server.send("POST", "/api/v1/policies/" + name + "/changes", TestServer.ADMIN_TOKEN,
        "{\"delta\":" + delta + "}");
    assertThat(r.status()).as("%s", r).isEqualTo(200);
    assertThat(r.json().path("applied").asBoolean()).as("%s", r).isTrue();
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
