package io.rollgate.server.playbook;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.rollgate.incident.playbook.PlaybookSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@code playbooks} section of rollgate.yaml:
 * <pre>
 * playbooks:
 *   approvalTtlMinutes: 60           # how long a high-risk execution waits for an approval
 *   httpAllow:                       # URL prefixes http-call may reach; none: http-call is disabled
 *     - https://dbt.internal.example/api/
 * </pre>
 */
public final class PlaybookConfig {
  private static final Set<String> KEYS = Set.of("approvalTtlMinutes", "httpAllow");

  private PlaybookConfig() {}

  /** @throws IllegalArgumentException naming the file and the key */
  public static PlaybookSettings load(Path file) {
    String name = file.toString();
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(Files.readString(file));
    } catch (JacksonException e) {
      throw new IllegalArgumentException(name + ": not valid YAML at line " + e.getLocation().getLineNr());
    } catch (IOException e) {
      throw new IllegalArgumentException(name + ": cannot read: " + e.getMessage(), e);
    }
    JsonNode p = root == null ? null : root.get("playbooks");
    if (p == null || p.isNull()) {
      return PlaybookSettings.DEFAULTS;
    }
    if (!p.isObject()) {
      throw new IllegalArgumentException(name + ": playbooks must be a mapping with approvalTtlMinutes and httpAllow");
    }
    p.fieldNames().forEachRemaining(k -> {
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException(name + ": playbooks." + k + " is not a setting (known: " + KEYS + ")");
      }
    });
    Duration ttl = PlaybookSettings.DEFAULTS.approvalTtl();
    if (p.has("approvalTtlMinutes")) {
      if (!p.get("approvalTtlMinutes").canConvertToInt() || !p.get("approvalTtlMinutes").isIntegralNumber()) {
        throw new IllegalArgumentException(name + ": playbooks.approvalTtlMinutes must be a whole number of minutes");
      }
      ttl = Duration.ofMinutes(p.get("approvalTtlMinutes").asInt());
    }
    List<String> allow = new ArrayList<>();
    JsonNode list = p.get("httpAllow");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new IllegalArgumentException(name + ": playbooks.httpAllow must be a list of URL prefixes");
      }
      list.forEach(x -> allow.add(x.asText()));
    }
    try {
      return new PlaybookSettings(ttl, allow);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": playbooks: " + e.getMessage());
    }
  }
}
