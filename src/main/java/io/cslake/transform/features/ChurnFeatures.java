package io.cslake.transform.features;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.cslake.transform.Columns;
import io.cslake.transform.engagement.AccountEngagement;
import io.cslake.transform.experience.AccountExperience;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

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
          AccountEngagement.TIME_TO_FIRST_VALUE_DAYS);

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
          OrganizationFeatures.DECISION_MAKER_LEFT_90D,
          OrganizationFeatures.CONTACTS_LOST_90D);

  private ChurnFeatures() {}

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
  public static Dataset<Row> assemble(
      Dataset<Row> labels, Dataset<Row> accounts, List<String> attributes, Families families) {
    List<String> accountColumns = new ArrayList<>(List.of(SEGMENT, "industry", "region"));
    for (String a : attributes) {
      if (!accountColumns.contains(a)) {
        accountColumns.add(a);
      }
    }
    List<Column> accountSelect = new ArrayList<>();
    accountSelect.add(col(ACCOUNT_ID));
    for (String c : accountColumns) {
      accountSelect.add(col(c));
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
