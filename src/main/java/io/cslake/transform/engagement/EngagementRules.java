package io.cslake.transform.engagement;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.trim;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.Column;

/**
 * What counts as activity, as a login and as a feature ({@code cslake.engagement}).
 *
 * @param activeEventTypes event types that make a user active; empty = every event type
 * @param loginEventTypes event types counted as logins; empty = none
 * @param features the feature catalogue; empty = the features seen in the data
 * @param keyFeature the feature whose first use marks first value when no {@code first_value}
 *     milestone is recorded
 */
public record EngagementRules(
    List<String> activeEventTypes,
    List<String> loginEventTypes,
    List<String> features,
    Optional<String> keyFeature) {

  public EngagementRules {
    activeEventTypes = lowered(activeEventTypes);
    loginEventTypes = lowered(loginEventTypes);
    features = List.copyOf(features);
  }

  /** The defaults: every event type is activity, {@code login} is a login, no catalogue. */
  public static EngagementRules defaults() {
    return new EngagementRules(List.of(), List.of("login"), List.of(), Optional.empty());
  }

  /** Whether the event of type {@code eventType} makes its user active. */
  Column isActive(Column eventType) {
    return activeEventTypes.isEmpty() ? lit(true) : in(eventType, activeEventTypes);
  }

  /** Whether the event of type {@code eventType} is a login. */
  Column isLogin(Column eventType) {
    return loginEventTypes.isEmpty() ? lit(false) : in(eventType, loginEventTypes);
  }

  boolean hasCatalogue() {
    return !features.isEmpty();
  }

  private static Column in(Column eventType, List<String> types) {
    return lower(trim(eventType)).isin(types.toArray());
  }

  private static List<String> lowered(List<String> types) {
    return types.stream().map(t -> t.trim().toLowerCase(Locale.ROOT)).distinct().toList();
  }
}
