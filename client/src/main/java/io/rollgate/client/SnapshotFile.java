package io.rollgate.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The last good snapshot on disk, written atomically: a temporary file in the same directory,
 * fsync, rename over the old one, fsync of the directory. A crash leaves the old file or the new
 * one, never half of either. The file is {@code {"format":1,"savedAt","etag","snapshot":{…}}};
 * a bootstrap file may also be a bare snapshot body as {@code GET /api/v1/sdk/snapshot} returns it.
 */
final class SnapshotFile {
  static final int FORMAT = 1;

  private SnapshotFile() {}

  static void write(ObjectMapper mapper, Path file, Snapshot snapshot, Instant savedAt) throws IOException {
    ObjectNode root = mapper.createObjectNode();
    root.put("format", FORMAT);
    root.put("savedAt", savedAt.toString());
    root.put("etag", snapshot.etag());
    root.set("snapshot", snapshot.body());
    byte[] bytes = mapper.writeValueAsBytes(root);
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        var buf = java.nio.ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    syncDirectory(dir);
  }

  /** Makes the rename durable; some platforms cannot open a directory, and there the rename is all there is. */
  private static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort: the file itself was forced before the rename
    }
  }

  /**
   * What a file holds.
   *
   * @param body the snapshot body
   * @param etag the server's ETag when the file was saved by a client, else null
   * @param savedAt when it was saved, else the file's modification time
   */
  record Loaded(JsonNode body, String etag, Instant savedAt) {}

  /** @throws IOException unreadable; @throws IllegalArgumentException not a snapshot (with what is wrong) */
  static Loaded read(ObjectMapper mapper, Path file) throws IOException {
    JsonNode root;
    try {
      root = mapper.readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("expected a JSON object");
    }
    Instant modified = Files.getLastModifiedTime(file).toInstant();
    if (root.has("snapshot")) {
      if (root.path("format").asInt(-1) != FORMAT) {
        throw new IllegalArgumentException("unknown format " + root.path("format") + "; this client reads format "
            + FORMAT);
      }
      Instant savedAt = modified;
      try {
        savedAt = Instant.parse(root.path("savedAt").asText());
      } catch (java.time.format.DateTimeParseException e) {
        // keep the file's time
      }
      String etag = root.hasNonNull("etag") ? root.get("etag").asText() : null;
      return new Loaded(root.get("snapshot"), etag, savedAt);
    }
    return new Loaded(root, null, modified);
  }
}
