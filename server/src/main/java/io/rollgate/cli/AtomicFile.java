package io.rollgate.cli;

import io.rollgate.json.Canonical;
import io.rollgate.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Replaces a file with a policy document so that a reader sees the old document or the new one,
 * never a mix, and a crash at any point leaves one of the two: a temporary file in the same
 * directory (same file system, so the rename is atomic), written and fsynced, checked, renamed
 * over the target, then the directory fsynced so that the rename itself survives a power loss.
 * Hand-written because this sequence is what the command promises, step by step.
 */
final class AtomicFile {
  private static final Set<PosixFilePermission> DEFAULT_MODE = PosixFilePermissions.fromString("rw-r--r--");

  private AtomicFile() {}

  /** Why a file does not hold the expected document. */
  static final class VerificationFailed extends Exception {
    VerificationFailed(String message) {
      super(message);
    }
  }

  /**
   * Writes {@code canonical} (a document's RFC 8785 form, whose SHA-256 is {@code stateHash}) to
   * {@code target}. The temporary file is verified before the rename and the target after it; on
   * any failure before the rename the target is untouched and the temporary file removed.
   */
  static void write(Path target, String canonical, String stateHash) throws IOException, VerificationFailed {
    replace(target, canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8), tmp -> verify(tmp, stateHash));
    verify(target.toAbsolutePath(), stateHash);
  }

  /**
   * Replaces {@code target} with {@code text} the same way (temporary file, fsync, rename, directory
   * fsync), without a hash check: for files such as a Prometheus textfile that a collector may read
   * at any moment and must never see half-written.
   */
  static void writeText(Path target, String text) throws IOException {
    try {
      replace(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), tmp -> { });
    } catch (VerificationFailed e) {
      throw new IllegalStateException("unreachable: no verification", e);
    }
  }

  private interface Check {
    void accept(Path tmp) throws IOException, VerificationFailed;
  }

  private static void replace(Path target, byte[] bytes, Check beforeRename) throws IOException, VerificationFailed {
    Path file = target.toAbsolutePath();
    Path dir = file.getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      setMode(tmp, file);
      beforeRename.accept(tmp);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + dir + " cannot rename atomically: " + e.getMessage(), e);
      }
      fsyncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp); // gone already after the rename
    }
  }

  /** The SHA-256 of the canonical form of the JSON in {@code file}; empty when it is missing or not JSON. */
  static Optional<String> hash(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Canonical.sha256Hex(Canonical.canonicalize(Json.mapper().readTree(Files.readAllBytes(file)))));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      return Optional.empty();
    }
  }

  /** Re-reads {@code file} from disk and re-hashes it. */
  static void verify(Path file, String stateHash) throws IOException, VerificationFailed {
    Optional<String> h = hash(file);
    if (h.isEmpty()) {
      throw new VerificationFailed(file + " does not hold a JSON document after writing it");
    }
    if (!h.get().equals(stateHash)) {
      throw new VerificationFailed(file + " hashes to " + h.get() + " after writing it, expected " + stateHash);
    }
  }

  /** The target's current mode when it exists (an application may depend on it), else rw-r--r--. */
  private static void setMode(Path tmp, Path target) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(tmp, PosixFileAttributeView.class);
    if (view == null) {
      return; // not a POSIX file system
    }
    view.setPermissions(Files.exists(target) ? Files.getPosixFilePermissions(target) : DEFAULT_MODE);
  }

  /** Makes the rename durable: on Linux a directory opened read-only can be fsynced. */
  private static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some platforms cannot open a directory as a channel; the rename has happened all the same
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
        return;
      }
      throw e;
    }
  }
}
