package io.cslake.transform.features;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Organizational change (SPEC §6.1) from {@code contacts}: who is still there at the as-of date,
 * who left in the last 90 days, and how long ago the champion last changed. A contact's dates count
 * from the day they fall on; an {@code ended_at} after the as-of date is not known yet, so that
 * contact is still present.
 */
public final class OrganizationFeatures {
  public static final String ACCOUNT_ID = ChurnLabels.ACCOUNT_ID;
  public static final String AS_OF_DATE = ChurnLabels.AS_OF_DATE;

  /** Contacts present at the end of the as-of date. */
  public static final String ACTIVE_CONTACTS = "active_contacts";

  /** Champions present at the end of the as-of date. */
  public static final String ACTIVE_CHAMPIONS = "active_champions";

  /** 1 when a champion's tenure ended in the 90 days ending at the as-of date, else 0. */
  public static final String CHAMPION_LEFT_90D = "champion_left_90d";

  /** 1 when a champion's tenure ended in the 180 days ending at the as-of date, else 0. */
  public static final String CHAMPION_LEFT_180D = "champion_left_180d";

  /** 1 when a decision maker's tenure ended in the 90 days ending at the as-of date, else 0. */
  public static final String DECISION_MAKER_LEFT_90D = "decision_maker_left_90d";

  /** Contacts (any role) whose tenure ended in the 90 days ending at the as-of date. */
  public static final String CONTACTS_LOST_90D = "contacts_lost_90d";

  /** Days from the last champion start or end on or before the as-of date; null if none. */
  public static final String DAYS_SINCE_CHAMPION_CHANGE = "days_since_champion_change";

  static final String CHAMPION = "champion";
  static final String DECISION_MAKER = "decision_maker";
  static final int WINDOW_DAYS = 90;
  static final int LONG_WINDOW_DAYS = 180;

  private OrganizationFeatures() {}

  /**
   * One row per account and snapshot for accounts with at least one contact started by then.
   *
   * @param contacts silver contacts
   * @param snapshots one column {@code as_of_date}
   */
  public static Dataset<Row> compute(Dataset<Row> contacts, Dataset<Row> snapshots) {
    Column asOf = col(AS_OF_DATE);
    Dataset<Row> known =
        contacts
            .select(
                col("account_id").as(ACCOUNT_ID),
                lower(trim(col("role"))).as("_role"),
                to_date(col("started_at")).as("_start"),
                to_date(col("ended_at")).as("_end"))
            .join(broadcast(snapshots), col("_start").leq(asOf));
    Column endedByAsOf = col("_end").isNotNull().and(col("_end").leq(asOf));
    Column present = not(endedByAsOf);
    Column leftInWindow = endedByAsOf.and(col("_end").gt(date_sub(asOf, WINDOW_DAYS)));
    Column leftInLongWindow = endedByAsOf.and(col("_end").gt(date_sub(asOf, LONG_WINDOW_DAYS)));
    Column champion = col("_role").equalTo(lit(CHAMPION));
    Column decisionMaker = col("_role").equalTo(lit(DECISION_MAKER));
    Column lastChampionChange =
        when(
            champion,
            greatest(col("_start"), when(endedByAsOf, col("_end")).otherwise(col("_start"))));
    return known
        .groupBy(ACCOUNT_ID, AS_OF_DATE)
        .agg(
            count(when(present, lit(1))).as(ACTIVE_CONTACTS),
            count(when(present.and(champion), lit(1))).as(ACTIVE_CHAMPIONS),
            max(when(leftInWindow.and(champion), lit(1)).otherwise(lit(0))).as(CHAMPION_LEFT_90D),
            max(when(leftInLongWindow.and(champion), lit(1)).otherwise(lit(0)))
                .as(CHAMPION_LEFT_180D),
            max(when(leftInWindow.and(decisionMaker), lit(1)).otherwise(lit(0)))
                .as(DECISION_MAKER_LEFT_90D),
            sum(when(leftInWindow, lit(1)).otherwise(lit(0))).as(CONTACTS_LOST_90D),
            max(lastChampionChange).as("_last_champion_change"))
        .withColumn(DAYS_SINCE_CHAMPION_CHANGE, datediff(asOf, col("_last_champion_change")))
        .drop("_last_champion_change");
  }
}
