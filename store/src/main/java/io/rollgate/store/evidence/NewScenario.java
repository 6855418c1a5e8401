package io.rollgate.store.evidence;

import io.rollgate.error.InvalidInputException;
import io.rollgate.evidence.Criteria;
import io.rollgate.evidence.ScenarioId;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** A scenario to create: its id, its criteria and free-form tags. */
public record NewScenario(ScenarioId id, Criteria criteria, List<String> tags) {
  public static final int MAX_TAGS = 20;
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

  public NewScenario {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(criteria, "criteria");
    tags = tags == null ? List.of() : List.copyOf(tags);
    if (tags.size() > MAX_TAGS) {
      throw new InvalidInputException("tags", "at most " + MAX_TAGS + " tags, got " + tags.size());
    }
    for (int i = 0; i < tags.size(); i++) {
      if (!TAG.matcher(tags.get(i)).matches()) {
        throw new InvalidInputException("tags[" + i + "]", "tag " + i + " must match [A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
      }
    }
    if (tags.contains(ScenarioView.LEARNED_TAG)) {
      throw new InvalidInputException("tags", "the tag '" + ScenarioView.LEARNED_TAG
          + "' is reserved for the scenarios learned from rolled-back promotions");
    }
  }
}
