package io.cslake.transform.features;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.engagement.AccountEngagement;
import io.cslake.transform.engagement.EngagementRules;
import io.cslake.transform.experience.AccountExperience;
import io.cslake.transform.experience.ExperienceInputs;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code churn_features} (SPEC §6.1): one row per account active at a snapshot's as-of date, with
 * its label and every indicator family that its sources allow, joined on (account_id, as_of_date).
 *
 * <p>A family whose source is absent contributes no columns (the model's feature schema records
 * which exist). Within a present family, an account without rows gets 0 for counts and flags
 * (nothing happened) and null for rates and ages (unknown; the model imputes them).
 */
public final class ChurnFeatures {
  public static final String TABLE = "churn_features";

  public static final String ACCOUNT_ID = ChurnLabels.ACCOUNT_ID;
  public static final String AS_OF_DATE = ChurnLabels.AS_OF_DATE;
  public static final String SEGMENT = "segment";
  public static final String INDUSTRY = "industry";
  public static final String REGION = "region";

  /** A declared account attribute {@code a} is the feature column {@code attr_a}. */
  public static final String ATTRIBUTE_PREFIX = "attr_";

  /** Change of feature breadth over the 30 days before the as-of date (breadth now − then). */
  public static final String FEATURE_BREADTH_CHANGE_30D = "feature_breadth_change_30d";

  /** Engagement columns used as features, from {@code account_engagement}. */
  static final List<String> ENGAGEMENT =
      List.of(
          AccountEngagement.DAU,
          AccountEngagement.WAU,
          AccountEngagement.MAU,
          AccountEngagement.STICKINESS,
          AccountEngagement.ACTIVE_USAGE_RATE,
          AccountEngagement.LOGIN_FREQUENCY,
          AccountEngagement.MINUTES_PER_ACTIVE_USER,
          AccountEngagement.FEATURE_BREADTH,
          AccountEngagement.DAYS_SINCE_LAST_ACTIVITY,
          AccountEngagement.TIME_TO_FIRST_VALUE_DAYS,
          FEATURE_BREADTH_CHANGE_30D);

  /** Engagement counts that are 0, not unknown, for an account without usage. */
  static final List<String> ENGAGEMENT_COUNTS =
      List.of(AccountEngagement.DAU, AccountEngagement.WAU, AccountEngagement.MAU);

  /** Feedback, support, onboarding and CSM columns, from {@code account_experience}. */
  static final List<String> EXPERIENCE =
      List.of(
          AccountExperience.LAST_NPS,
          AccountExperience.NPS,
          AccountExperience.NPS_DETRACTORS,
          AccountExperience.NPS_CHANGE,
          AccountExperience.CSAT_MEAN_90D,
          AccountExperience.CSAT_TREND_90D,
          AccountExperience.TICKETS_90D,
          AccountExperience.ESCALATIONS_90D,
          AccountExperience.BUG_REPORTS_90D,
          AccountExperience.TTR_MEDIAN_HOURS_90D,
          AccountExperience.OPEN_TICKETS,
          AccountExperience.ACTIVATED,
          AccountExperience.ONBOARDING_DAYS,
          AccountExperience.REFERRALS,
          AccountExperience.DAYS_SINCE_LAST_TOUCH,
          AccountExperience.PROACTIVE_TOUCHES_90D);

  static final List<String> ORGANIZATION_COUNTS =
      List.of(
          OrganizationFeatures.ACTIVE_CONTACTS,
          OrganizationFeatures.ACTIVE_CHAMPIONS,
          OrganizationFeatures.CHAMPION_LEFT_90D,
          OrganizationFeatures.CHAMPION_LEFT_180D,
          OrganizationFeatures.DECISION_MAKER_LEFT_90D,
          OrganizationFeatures.CONTACTS_LOST_90D);

  static final int BREADTH_CHANGE_DAYS = 30;

  /**
   * 1 when a line in force is billed for more than a month and its term ends within the horizon
   * (months_to_renewal ≤ H / 30.44), else 0.
   */
  public static final String RENEWAL_IN_HORIZON = "renewal_in_horizon";

  static final double DAYS_PER_MONTH = 365.25 / 12;

  private ChurnFeatures() {}

  /**
   * The silver sources and rollups the features read. Subscriptions and accounts are required; an
   * absent optional source drops its family (or, for invoices, its two columns).
   *
   * @param accounts silver accounts
   * @param subscriptions silver subscriptions
   * @param fxRates silver fx_rates, possibly empty
   * @param invoices silver invoices
   * @param churnEvents silver churn_events, possibly empty
   * @param contacts silver contacts
   * @param userDays {@code silver/user_activity_daily}; present together with accountDays
   * @param accountDays {@code silver/account_usage_daily}
   * @param milestones silver milestones, possibly empty (engagement's first value)
   * @param experience the inputs of {@link AccountExperience}
   */
  public record Inputs(
      Dataset<Row> accounts,
      Dataset<Row> subscriptions,
      Dataset<Row> fxRates,
      Optional<Dataset<Row>> invoices,
      Dataset<Row> churnEvents,
      Optional<Dataset<Row>> contacts,
      Optional<Dataset<Row>> userDays,
      Optional<Dataset<Row>> accountDays,
      Dataset<Row> milestones,
      ExperienceInputs experience) {
    public Inputs {
      if (userDays.isPresent() != accountDays.isPresent()) {
        throw new IllegalArgumentException("the two usage rollups go together");
      }
    }
  }

  /**
   * What the features depend on besides the data.
   *
   * @param horizonDays the label's horizon H
   * @param graceDays how long MRR must stay 0 for a line end to be a churn
   * @param reportingCurrency ISO code of the reporting currency
   * @param attributes declared account attribute columns, used as features
   */
  public record Settings(
      int horizonDays,
      int graceDays,
      String reportingCurrency,
      List<String> attributes,
      EngagementRules rules,
      AccountExperience.Settings experience) {}

  /**
   * Labels and every available indicator family for the accounts active at each snapshot, all
   * snapshots in one pass: the usage families read the daily rollups, never events.
   *
   * @param snapshots one column {@code as_of_date} (date), one row per snapshot; a small set
   * @param lastDataDay the last day the inputs cover; a snapshot's label is observable when its
   *     horizon and grace end by then
   */
  public static Dataset<Row> compute(
      Inputs in, Dataset<Row> snapshots, LocalDate lastDataDay, Settings settings) {
    Dataset<Row> labels =
        ChurnLabels.compute(
            in.subscriptions(),
            in.churnEvents(),
            snapshots,
            settings.horizonDays(),
            settings.graceDays(),
            lastDataDay);
    Dataset<Row> billing =
        BillingFeatures.compute(
            in.subscriptions(),
            in.fxRates(),
            in.invoices().orElseGet(() -> emptyInvoices(in.subscriptions())),
            snapshots,
            settings.reportingCurrency());
    // A term contract that comes up for renewal within the horizon: the decision point.
    billing =
        billing.withColumn(
            RENEWAL_IN_HORIZON,
            when(
                    col(BillingFeatures.BILLING_PERIOD_MONTHS)
                        .gt(lit(1))
                        .and(
                            col(BillingFeatures.MONTHS_TO_RENEWAL)
                                .leq(lit(settings.horizonDays() / DAYS_PER_MONTH))),
                    lit(1))
                .otherwise(lit(0)));
    if (in.invoices().isEmpty()) {
      billing = billing.drop(BillingFeatures.INVOICES_90D, BillingFeatures.FAILED_INVOICES_90D);
    }
    Optional<Dataset<Row>> engagement = Optional.empty();
    if (in.userDays().isPresent()) {
      // Each snapshot and the day 30 days before it, for the change of feature breadth.
      Dataset<Row> dates =
          snapshots
              .select(col(AS_OF_DATE))
              .union(snapshots.select(date_sub(col(AS_OF_DATE), BREADTH_CHANGE_DAYS)))
              .distinct();
      Dataset<Row> all =
          AccountEngagement.compute(
              dates,
              in.accounts(),
              in.userDays().get(),
              in.accountDays().get(),
              in.subscriptions(),
              in.milestones(),
              settings.rules());
      Dataset<Row> before =
          all.select(
              col(ACCOUNT_ID),
              date_add(col(AS_OF_DATE), BREADTH_CHANGE_DAYS).as(AS_OF_DATE),
              col(AccountEngagement.FEATURE_BREADTH).as("_breadth_before"));
      engagement =
          Optional.of(
              Columns.join(all, before, "left", ACCOUNT_ID, AS_OF_DATE)
                  .withColumn(
                      FEATURE_BREADTH_CHANGE_30D,
                      col(AccountEngagement.FEATURE_BREADTH).minus(col("_breadth_before"))));
    }
    Families families =
        new Families(
            billing,
            in.contacts().map(c -> OrganizationFeatures.compute(c, snapshots)),
            in.accountDays().map(d -> UsageTrendFeatures.compute(d, snapshots)),
            engagement,
            Optional.of(
                AccountExperience.compute(snapshots, in.experience(), settings.experience())));
    return assemble(labels, in.accounts(), settings.attributes(), families);
  }

  private static Dataset<Row> emptyInvoices(Dataset<Row> like) {
    return like.sparkSession()
        .createDataFrame(
            java.util.Collections.<Row>emptyList(),
            new org.apache.spark.sql.types.StructType()
                .add("account_id", DataTypes.StringType)
                .add("issued_at", DataTypes.TimestampType)
                .add("status", DataTypes.StringType));
  }

  /**
   * The indicator families of one run, each keyed by (account_id, as_of_date); absent families are
   * empty.
   */
  public record Families(
      Dataset<Row> billing,
      Optional<Dataset<Row>> organization,
      Optional<Dataset<Row>> usageTrend,
      Optional<Dataset<Row>> engagement,
      Optional<Dataset<Row>> experience) {}

  /**
   * The feature rows.
   *
   * @param labels {@link ChurnLabels#compute}: the accounts active at each snapshot
   * @param accounts silver accounts: segment, industry, region and the declared attributes
   * @param attributes declared account attribute columns
   */
  static Dataset<Row> assemble(
      Dataset<Row> labels, Dataset<Row> accounts, List<String> attributes, Families families) {
    List<Column> accountSelect = new ArrayList<>();
    accountSelect.add(col(ACCOUNT_ID));
    for (String c : List.of(SEGMENT, INDUSTRY, REGION)) {
      accountSelect.add(col(c));
    }
    for (String a : attributes) {
      accountSelect.add(col(a).as(ATTRIBUTE_PREFIX + a));
    }
    Dataset<Row> out =
        Columns.join(
            labels, accounts.select(accountSelect.toArray(Column[]::new)), "left", ACCOUNT_ID);
    out = Columns.join(out, families.billing(), "left", ACCOUNT_ID, AS_OF_DATE);

    Map<String, Column> fills = new LinkedHashMap<>();
    if (families.organization().isPresent()) {
      out = Columns.join(out, families.organization().get(), "left", ACCOUNT_ID, AS_OF_DATE);
      for (String c : ORGANIZATION_COUNTS) {
        fills.put(c, coalesce(col(c), lit(0)));
      }
    }
    if (families.usageTrend().isPresent()) {
      out = Columns.join(out, families.usageTrend().get(), "left", ACCOUNT_ID, AS_OF_DATE);
    }
    if (families.engagement().isPresent()) {
      List<Column> select = new ArrayList<>(List.of(col(ACCOUNT_ID), col(AS_OF_DATE)));
      ENGAGEMENT.forEach(c -> select.add(col(c)));
      out =
          Columns.join(
              out,
              families.engagement().get().select(select.toArray(Column[]::new)),
              "left",
              ACCOUNT_ID,
              AS_OF_DATE);
      for (String c : ENGAGEMENT_COUNTS) {
        fills.put(c, coalesce(col(c), lit(0L)));
      }
    }
    if (families.experience().isPresent()) {
      List<Column> select = new ArrayList<>(List.of(col(ACCOUNT_ID), col(AS_OF_DATE)));
      EXPERIENCE.forEach(c -> select.add(col(c)));
      out =
          Columns.join(
              out,
              families.experience().get().select(select.toArray(Column[]::new)),
              "left",
              ACCOUNT_ID,
              AS_OF_DATE);
    }
    if (!fills.isEmpty()) {
      out = out.withColumns(fills);
    }
    return out;
  }
}
