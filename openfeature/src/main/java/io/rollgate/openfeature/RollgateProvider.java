package io.rollgate.openfeature;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.EventProvider;
import dev.openfeature.sdk.ImmutableMetadata;
import dev.openfeature.sdk.ImmutableStructure;
import dev.openfeature.sdk.Metadata;
import dev.openfeature.sdk.ProviderEvaluation;
import dev.openfeature.sdk.ProviderEventDetails;
import dev.openfeature.sdk.TrackingEventDetails;
import dev.openfeature.sdk.Value;
import dev.openfeature.sdk.exceptions.ProviderNotReadyError;
import io.rollgate.client.ClientEvent;
import io.rollgate.client.Evaluation;
import io.rollgate.client.Reason;
import io.rollgate.client.RollgateClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An OpenFeature provider on top of the Rollgate Java SDK: every evaluation is local.
 *
 * <ul>
 *   <li>Flag key: a policy name ({@code guardian-enforcement}, the whole document as an object) or
 *       {@code policy.field.sub} for a nested value. Targeting key: the subject.
 *   <li>Reasons: {@code SPLIT} for a policy under rollout (the variant is {@code baseline} or
 *       {@code candidate}), {@code STATIC} otherwise; {@code ERROR} with the caller's default when
 *       an error code applies. Error codes as the OFREP endpoints give them: {@code FLAG_NOT_FOUND}
 *       (no such policy, or nothing — or null — at the path), {@code TYPE_MISMATCH},
 *       {@code TARGETING_KEY_MISSING} (the policy is under rollout and the context has no targeting
 *       key: the bucket cannot decide), {@code PROVIDER_NOT_READY} (no snapshot yet), {@code GENERAL}.
 *   <li>Flag metadata: {@code version} (absent for a candidate), {@code stateHash}, {@code rolloutId}
 *       when under rollout, {@code stale} when the client serves a snapshot it could not confirm.
 *   <li>Events: READY, CONFIGURATION_CHANGED (with the changed policies), STALE and ERROR follow
 *       the client's {@link ClientEvent}s. OpenFeature makes a provider READY when
 *       {@link #initialize} returns, so a client that boots from its saved snapshot with the server
 *       down starts READY (it can serve) and says {@code stale} in the flag metadata until it is in
 *       sync; a client with nothing to serve fails {@code initialize} (ERROR) and turns READY when
 *       its first snapshot arrives.
 *   <li>{@code track("<policy>.success", ctx)} and {@code track("<policy>.error", ctx)} count an
 *       outcome of the policy for the context's targeting key (see
 *       {@link RollgateClient#recordSuccess}); other event names are ignored.
 * </ul>
 *
 * <p>The provider owns the client: {@link #shutdown()} closes it.
 */
public final class RollgateProvider extends EventProvider {
  public static final String NAME = "rollgate";
  static final String SUCCESS = ".success";
  static final String ERROR = ".error";

  private final RollgateClient client;
  private final Consumer<ClientEvent> listener = this::onClientEvent;

  public RollgateProvider(RollgateClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /** The SDK client underneath, for what OpenFeature does not cover (staleness, fleet id). */
  public RollgateClient client() {
    return client;
  }

  @Override
  public Metadata getMetadata() {
    return () -> NAME;
  }

  @Override
  public void initialize(EvaluationContext evaluationContext) {
    client.addListener(listener);
    if (!client.isReady()) {
      throw new ProviderNotReadyError("rollgate has no snapshot yet: "
          + client.lastError().orElse("the server has not answered"));
    }
  }

  @Override
  public void shutdown() {
    client.removeListener(listener);
    client.close();
    super.shutdown();
  }

  private void onClientEvent(ClientEvent event) {
    switch (event) {
      case ClientEvent.Ready r -> emitProviderReady(ProviderEventDetails.builder().message("in sync").build());
      case ClientEvent.Changed c -> emitProviderConfigurationChanged(ProviderEventDetails.builder()
          .flagsChanged(new ArrayList<>(c.policies())).message("policies changed: " + c.policies()).build());
      case ClientEvent.Stale s -> emitProviderStale(ProviderEventDetails.builder().message(s.reason()).build());
      case ClientEvent.Failed f -> emitProviderError(ProviderEventDetails.builder().message(f.reason())
          .errorCode(ErrorCode.PROVIDER_NOT_READY).build());
    }
  }

  @Override
  public ProviderEvaluation<Boolean> getBooleanEvaluation(String key, Boolean defaultValue, EvaluationContext ctx) {
    return resolve(key, defaultValue, ctx, "a boolean", JsonNode::isBoolean, JsonNode::booleanValue);
  }

  @Override
  public ProviderEvaluation<String> getStringEvaluation(String key, String defaultValue, EvaluationContext ctx) {
    return resolve(key, defaultValue, ctx, "a string", JsonNode::isTextual, JsonNode::textValue);
  }

  @Override
  public ProviderEvaluation<Integer> getIntegerEvaluation(String key, Integer defaultValue, EvaluationContext ctx) {
    return resolve(key, defaultValue, ctx, "an integer (32-bit)", n -> n.isIntegralNumber() && n.canConvertToInt(),
        JsonNode::intValue);
  }

  @Override
  public ProviderEvaluation<Long> getLongEvaluation(String key, Long defaultValue, EvaluationContext ctx) {
    return resolve(key, defaultValue, ctx, "an integer (64-bit)", n -> n.isIntegralNumber() && n.canConvertToLong(),
        JsonNode::longValue);
  }

  @Override
  public ProviderEvaluation<Double> getDoubleEvaluation(String key, Double defaultValue, EvaluationContext ctx) {
    return resolve(key, defaultValue, ctx, "a number", JsonNode::isNumber, JsonNode::doubleValue);
  }

  @Override
  public ProviderEvaluation<Value> getObjectEvaluation(String key, Value defaultValue, EvaluationContext ctx) {
    return resolve(key, defaultValue, ctx, "a value", n -> true, RollgateProvider::toValue);
  }

  private <T> ProviderEvaluation<T> resolve(String key, T defaultValue, EvaluationContext ctx, String expected,
      Predicate<JsonNode> fits, Function<JsonNode, T> read) {
    String subject = ctx == null ? null : ctx.getTargetingKey();
    Evaluation e = client.evaluate(key, subject);
    if (e.reason() == Reason.NO_SUBJECT) {
      return error(defaultValue, ErrorCode.TARGETING_KEY_MISSING, "policy of '" + key + "' is under rollout "
          + e.rolloutId() + ": give the evaluation context a targeting key (the subject) so that its bucket can "
          + "decide between baseline and candidate");
    }
    if (!e.hasValue()) {
      return switch (e.reason()) {
        case NOT_READY -> error(defaultValue, ErrorCode.PROVIDER_NOT_READY, e.detail());
        case UNKNOWN_POLICY, PATH_NOT_FOUND -> error(defaultValue, ErrorCode.FLAG_NOT_FOUND, e.detail());
        default -> error(defaultValue, ErrorCode.GENERAL, e.detail());
      };
    }
    if (!fits.test(e.value())) {
      return error(defaultValue, ErrorCode.TYPE_MISMATCH, "'" + key + "' is " + kind(e.value()) + ", not " + expected);
    }
    var metadata = ImmutableMetadata.builder().addString("stateHash", e.stateHash());
    if (e.version() != null) {
      metadata.addInteger("version", e.version());
    }
    if (e.rolloutId() != null) {
      metadata.addString("rolloutId", e.rolloutId());
    }
    if (client.isStale()) {
      metadata.addBoolean("stale", true);
    }
    return ProviderEvaluation.<T>builder()
        .value(read.apply(e.value()))
        .variant(e.variant().wire())
        .reason(e.reason() == Reason.SPLIT ? dev.openfeature.sdk.Reason.SPLIT.name()
            : dev.openfeature.sdk.Reason.STATIC.name())
        .flagMetadata(metadata.build())
        .build();
  }

  private static <T> ProviderEvaluation<T> error(T defaultValue, ErrorCode code, String message) {
    return ProviderEvaluation.<T>builder().value(defaultValue).reason(dev.openfeature.sdk.Reason.ERROR.name())
        .errorCode(code).errorMessage(message).build();
  }

  /**
   * {@code "<policy>.success"} or {@code "<policy>.error"}: one outcome of the policy for the
   * context's targeting key, counted under the variant that subject gets.
   */
  @Override
  public void track(String eventName, EvaluationContext context, TrackingEventDetails details) {
    if (eventName == null) {
      return;
    }
    String subject = context == null ? null : context.getTargetingKey();
    if (eventName.endsWith(SUCCESS)) {
      client.recordSuccess(eventName.substring(0, eventName.length() - SUCCESS.length()), subject);
    } else if (eventName.endsWith(ERROR)) {
      client.recordError(eventName.substring(0, eventName.length() - ERROR.length()), subject);
    }
  }

  static Value toValue(JsonNode n) {
    if (n.isObject()) {
      Map<String, Value> fields = new LinkedHashMap<>();
      n.properties().forEach(e -> fields.put(e.getKey(), toValue(e.getValue())));
      return new Value(new ImmutableStructure(fields));
    }
    if (n.isArray()) {
      List<Value> items = new ArrayList<>(n.size());
      n.forEach(item -> items.add(toValue(item)));
      return new Value(items);
    }
    if (n.isTextual()) {
      return new Value(n.textValue());
    }
    if (n.isBoolean()) {
      return new Value(n.booleanValue());
    }
    if (n.isIntegralNumber() && n.canConvertToInt()) {
      return new Value(n.intValue());
    }
    if (n.isNumber()) {
      return new Value(n.doubleValue());
    }
    return new Value();
  }

  private static String kind(JsonNode n) {
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
