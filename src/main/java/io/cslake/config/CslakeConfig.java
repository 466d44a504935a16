package io.cslake.config;

import io.cslake.contract.Source;
import java.time.LocalDate;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one typed configuration of a cslake run, parsed and validated once by {@link ConfigLoader}.
 * Every key is documented, with its default, in {@code conf/cslake.conf}.
 *
 * @param lakehouse root of the lakehouse (Hadoop URI)
 * @param reportingCurrency ISO code every amount is reported in
 * @param asOf the last day included; empty = the command's own default
 * @param spark Spark session settings
 * @param ingest ingest settings
 * @param metrics revenue metric settings
 * @param engagement engagement settings (SPEC §5.5)
 * @param experience satisfaction, onboarding and CS team settings
 * @param features churn feature snapshot settings (SPEC §6.1)
 * @param model churn model training settings (SPEC §6.2)
 * @param clv customer lifetime value settings (SPEC §5.6)
 * @param sources every contract source, present or not
 * @param origins where the configuration came from, for messages
 * @param health health score settings (SPEC §6.4)
 * @param playbooks playbook rules (SPEC §6.5), evaluated by {@code score} over {@code account_360}
 */
public record CslakeConfig(
    String lakehouse,
    String reportingCurrency,
    Optional<LocalDate> asOf,
    SparkSettings spark,
    IngestSettings ingest,
    MetricsSettings metrics,
    EngagementSettings engagement,
    ExperienceSettings experience,
    FeatureSettings features,
    ModelSettings model,
    ClvSettings clv,
    Map<Source, SourceConfig> sources,
    String origins,
    HealthSettings health,
    PlaybookSettings playbooks) {

  public CslakeConfig {
    sources = Map.copyOf(new EnumMap<>(sources));
  }

  public SourceConfig source(Source source) {
    return sources.get(source);
  }

  /** A copy with another as-of date. */
  public CslakeConfig withAsOf(LocalDate date) {
    return new CslakeConfig(
        lakehouse,
        reportingCurrency,
        Optional.of(date),
        spark,
        ingest,
        metrics,
        engagement,
        experience,
        features,
        model,
        clv,
        sources,
        origins,
        health,
        playbooks);
  }

  /**
   * Spark session settings.
   *
   * @param master master URL, empty = set by spark-submit or the cluster
   * @param appName application name
   * @param shufflePartitions spark.sql.shuffle.partitions
   * @param conf further Spark settings, as they are
   */
  public record SparkSettings(
      Optional<String> master, String appName, int shufflePartitions, Map<String, String> conf) {}

  /**
   * Ingest settings (SPEC §4.3).
   *
   * @param maxQuarantineFraction a source with more quarantined rows than this fraction fails
   * @param futureToleranceDays days after the as-of date a timestamp may still carry
   * @param usageLookbackDays days re-read before the last ingested usage date
   */
  public record IngestSettings(
      double maxQuarantineFraction, int futureToleranceDays, int usageLookbackDays) {}

  /**
   * Revenue metric settings (SPEC §5.3).
   *
   * @param grossMargin {@code cslake.gross-margin}: fraction of revenue kept, for formula CLV
   * @param renewalGraceDays {@code cslake.metrics.renewal-grace-days}: days after a term's end
   *     within which a following line renews it
   */
  public record MetricsSettings(double grossMargin, int renewalGraceDays) {}

  /**
   * Engagement settings (SPEC §5.5), {@code cslake.engagement}.
   *
   * @param activeEventTypes event types that make a user active; empty = every event type
   * @param loginEventTypes event types counted as logins
   * @param features the feature catalogue; empty = the features seen in the data
   * @param keyFeature the feature whose first use marks first value when no {@code first_value}
   *     milestone is recorded; empty = milestones only
   */
  public record EngagementSettings(
      List<String> activeEventTypes,
      List<String> loginEventTypes,
      List<String> features,
      Optional<String> keyFeature) {
    public EngagementSettings {
      activeEventTypes = List.copyOf(activeEventTypes);
      loginEventTypes = List.copyOf(loginEventTypes);
      features = List.copyOf(features);
    }
  }

  /**
   * Satisfaction, onboarding and CS team settings (SPEC §5.5).
   *
   * @param npsWindowDays {@code cslake.feedback.nps-window-days}: days of responses in an account's
   *     NPS as of a date
   * @param themesPerSide {@code cslake.feedback.themes-per-side}: terms kept per quarter and side
   *     in feedback_themes
   * @param activationDays {@code cslake.onboarding.activation-days}: days after the start within
   *     which reaching 'activated' counts for the activation rate
   * @param costPerCsmMonthly {@code cslake.cs-team.cost-per-csm-monthly}: monthly cost of one CSM
   *     in the reporting currency; empty = not configured
   */
  public record ExperienceSettings(
      int npsWindowDays,
      int themesPerSide,
      int activationDays,
      Optional<Double> costPerCsmMonthly) {}

  /**
   * Churn feature snapshots (SPEC §6.1).
   *
   * @param historyMonths {@code cslake.features.history-months}: month-end snapshots before the
   *     as-of date (the as-of date is always a snapshot too)
   * @param horizonDays {@code cslake.features.horizon-days}: H, the label's horizon
   * @param churnGraceDays {@code cslake.features.churn-grace-days}: how long MRR must stay 0 for an
   *     ended line to count as a churn
   */
  public record FeatureSettings(int historyMonths, int horizonDays, int churnGraceDays) {
    /** Days from a snapshot until its label is known: horizon plus grace. */
    public int labelWindowDays() {
      return horizonDays + churnGraceDays;
    }
  }

  /**
   * Churn model training (SPEC §6.2).
   *
   * @param regParam logistic regression's regularisation strength
   * @param elasticNet logistic regression's L1 share, 0 (ridge) to 1 (lasso)
   * @param trees gradient-boosted trees: number of trees
   * @param depth gradient-boosted trees: maximum depth
   * @param maxBins gradient-boosted trees: bins per continuous feature
   * @param holdoutFraction share of accounts that validate when the split falls back to a hold-out
   * @param seed seed of the trees' subsampling and of the hold-out
   * @param riskHigh {@code cslake.model.risk-bands.high}: a churn probability at least this is the
   *     'high' risk band
   * @param riskMedium {@code cslake.model.risk-bands.medium}: at least this (and below high) is
   *     'medium', below it 'low'
   */
  public record ModelSettings(
      double regParam,
      double elasticNet,
      int trees,
      int depth,
      int maxBins,
      double holdoutFraction,
      long seed,
      double riskHigh,
      double riskMedium) {}

  /**
   * Customer lifetime value settings (SPEC §5.6), {@code cslake.clv}.
   *
   * @param timeUnit {@code cslake.clv.time-unit}: the BG/NBD time unit
   * @param horizonMonths {@code cslake.clv.horizon-months}: months every prediction covers, ≥ 1
   * @param discountRateMonthly {@code cslake.clv.discount-rate-monthly}: monthly discount rate, ≥ 0
   */
  public record ClvSettings(TimeUnit timeUnit, int horizonMonths, double discountRateMonthly) {}

  /**
   * Playbooks (SPEC §6.5), {@code cslake.playbooks}.
   *
   * @param rules {@code cslake.playbooks.rules}: the rules, in the order given; names are unique
   */
  public record PlaybookSettings(List<Rule> rules) {
    public PlaybookSettings {
      rules = List.copyOf(rules);
    }

    /**
     * One playbook rule: accounts of {@code account_360} for which {@code when} is true get an
     * alert.
     *
     * @param name unique, non-empty; names the rule in alerts and messages
     * @param when a Spark SQL boolean expression over {@code account_360}'s columns
     * @param severity {@code high}, {@code medium} or {@code low}
     * @param action what the account's CSM should do, in one sentence
     */
    public record Rule(String name, String when, String severity, String action) {
      /** The severities a rule may have, from most to least urgent. */
      public static final List<String> SEVERITIES = List.of("high", "medium", "low");
    }
  }

  /** The BG/NBD time unit of {@code cslake.clv.time-unit}, with its length in days. */
  public enum TimeUnit {
    DAY(1.0),
    WEEK(7.0),
    /** An average month: 365.25 / 12 days. */
    MONTH(365.25 / 12);

    private final double days;

    TimeUnit(double days) {
      this.days = days;
    }

    /** Its length in days. */
    public double days() {
      return days;
    }
  }

  /**
   * Health score settings (SPEC §6.4), {@code cslake.health}.
   *
   * @param components every component of {@link #COMPONENTS}, in that order, with its weight and
   *     formula ({@code cslake.health.components.<name>})
   * @param green {@code cslake.health.bands.green}: a score at least this is green
   * @param yellow {@code cslake.health.bands.yellow}: a score at least this (and below green) is
   *     yellow; lower is red
   */
  public record HealthSettings(Map<String, Component> components, double green, double yellow) {
    /** The components, in the order the score and its table list them. */
    public static final List<String> COMPONENTS =
        List.of("usage", "adoption", "satisfaction", "support", "relationship", "financial");

    public HealthSettings {
      if (!components.keySet().equals(new HashSet<>(COMPONENTS))) {
        throw new IllegalArgumentException(
            "Cannot build health settings: expected the components "
                + COMPONENTS
                + ", found "
                + components.keySet());
      }
      Map<String, Component> ordered = new LinkedHashMap<>();
      for (String name : COMPONENTS) {
        ordered.put(name, components.get(name));
      }
      components = Collections.unmodifiableMap(ordered);
    }

    /** The configuration key of a component's formula, for messages. */
    public static String formulaKey(String component) {
      return "cslake.health.components." + component + ".formula";
    }

    /**
     * One component of the score.
     *
     * @param weight its weight, at least 0; the weights need not sum to 1
     * @param formula a Spark SQL expression over {@code churn_features} columns giving 0–100
     */
    public record Component(double weight, String formula) {}
  }
}
