package io.cslake.transform.features;

import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.months_between;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Billing indicators (SPEC §6.1) from subscriptions and invoices, as known at each as-of date.
 *
 * <p>Only lines that started on or before the as-of date are seen. A line is <b>in force</b> on day
 * d when {@code start_date <= d < end_date} (null end = open). Amounts are converted to the
 * reporting currency at the rate of the as-of month's first day (the latest {@code fx_rates} row on
 * or before it), for today's and 90-days-ago MRR alike, so the change is free of FX. The next
 * renewal is derived from the line's start and its billing period (start + k periods), never from
 * its recorded end date, which may have been written after the as-of date.
 */
public final class BillingFeatures {
  public static final String ACCOUNT_ID = ChurnLabels.ACCOUNT_ID;
  public static final String AS_OF_DATE = ChurnLabels.AS_OF_DATE;

  /** Monthly value of the lines in force on the as-of date, reporting currency. */
  public static final String MRR = "mrr";

  /** (MRR − MRR of the lines in force 90 days earlier) / the latter; null when that was 0. */
  public static final String MRR_CHANGE_90D = "mrr_change_90d";

  /** Seats of the lines in force (lines without seats count 0). */
  public static final String SEATS = "seats";

  /** Days from the first line's start to the as-of date. */
  public static final String TENURE_DAYS = "tenure_days";

  /** Longest billing period (months) among the lines in force; 1 when none is given. */
  public static final String BILLING_PERIOD_MONTHS = "billing_period_months";

  /** Months from the as-of date to the earliest next term end of a line in force. */
  public static final String MONTHS_TO_RENEWAL = "months_to_renewal";

  /** Plan of the line in force with the highest value. */
  public static final String PLAN = "plan";

  /** Invoices issued in the 90 days ending at the as-of date. */
  public static final String INVOICES_90D = "invoices_90d";

  /** Of those, invoices whose status is failed or overdue. */
  public static final String FAILED_INVOICES_90D = "failed_invoices_90d";

  static final int WINDOW_DAYS = 90;

  private BillingFeatures() {}

  /**
   * One row per account and snapshot for accounts with a line in force on the as-of date.
   *
   * @param subscriptions silver subscriptions
   * @param fxRates silver fx_rates (may be empty)
   * @param invoices silver invoices (may be empty)
   * @param snapshots one column {@code as_of_date}
   */
  public static Dataset<Row> compute(
      Dataset<Row> subscriptions,
      Dataset<Row> fxRates,
      Dataset<Row> invoices,
      Dataset<Row> snapshots,
      String reportingCurrency) {
    String reporting = reportingCurrency.toUpperCase(Locale.ROOT);
    Column asOf = col(AS_OF_DATE);
    Column ago = date_sub(asOf, WINDOW_DAYS);
    Column value = coalesce(col("mrr"), col("amount").divide(col("billing_period_months")));
    Dataset<Row> known =
        subscriptions
            .filter(value.gt(lit(0)))
            .select(
                col("account_id").as(ACCOUNT_ID),
                col("start_date").as("_start"),
                col("end_date").as("_end"),
                value.as("_local"),
                coalesce(col("seats"), lit(0)).as("_seats"),
                coalesce(col("billing_period_months"), lit(1)).as("_period"),
                col("plan").as("_plan"),
                upper(trim(coalesce(col("currency"), lit(reporting)))).as("_currency"))
            .join(broadcast(snapshots), col("_start").leq(asOf))
            .withColumn("_month", trunc(asOf, "month"));

    Dataset<Row> needed =
        known.filter(col("_currency").notEqual(lit(reporting))).select("_currency", "_month");
    Dataset<Row> rates =
        needed
            .distinct()
            .join(
                fxRates.select(
                    upper(trim(col("currency"))).as("_fx_currency"),
                    col("date").as("_fx_date"),
                    col("rate_to_reporting").as("_fx_rate")),
                col("_currency")
                    .equalTo(col("_fx_currency"))
                    .and(col("_fx_date").leq(col("_month")))
                    .and(col("_fx_rate").isNotNull()))
            .groupBy("_currency", "_month")
            .agg(max_by(col("_fx_rate"), col("_fx_date")).as("_rate"));
    Column rate = when(col("_currency").equalTo(lit(reporting)), lit(1)).otherwise(col("_rate"));
    Dataset<Row> valued =
        Columns.join(known, rates, "left", "_currency", "_month")
            .withColumn("_value", col("_local").multiply(rate).cast(DataTypes.DoubleType));

    Column inForce = col("_end").isNull().or(col("_end").gt(asOf));
    Column inForceThen = col("_start").leq(ago).and(col("_end").isNull().or(col("_end").gt(ago)));
    Column elapsed = floor(months_between(asOf, col("_start")));
    Column nextTermEnd =
        add_months(
            col("_start"),
            floor(elapsed.divide(col("_period")))
                .plus(lit(1))
                .multiply(col("_period"))
                .cast("int"));
    Dataset<Row> lines =
        valued
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(
                sum(when(inForce, col("_value")).otherwise(lit(0.0))).as(MRR),
                sum(when(inForceThen, col("_value")).otherwise(lit(0.0))).as("_mrr_then"),
                sum(when(inForce, col("_seats")).otherwise(lit(0))).cast("int").as(SEATS),
                datediff(asOf, min("_start")).as(TENURE_DAYS),
                max(when(inForce, col("_period"))).as(BILLING_PERIOD_MONTHS),
                min(when(inForce, months_between(nextTermEnd, asOf))).as(MONTHS_TO_RENEWAL),
                max_by(when(inForce, col("_plan")), when(inForce, col("_value"))).as(PLAN),
                count(when(inForce, lit(1))).as("_in_force"))
            .filter(col("_in_force").gt(lit(0)))
            .withColumn(
                MRR_CHANGE_90D, Columns.ratio(col(MRR).minus(col("_mrr_then")), col("_mrr_then")))
            .drop("_mrr_then", "_in_force");

    Column issued = to_date(col("issued_at"));
    Column failed = lower(trim(col("status"))).isin("failed", "overdue");
    Dataset<Row> billed =
        invoices
            .select(col("account_id").as(ACCOUNT_ID), issued.as("_issued"), failed.as("_failed"))
            .join(broadcast(snapshots), col("_issued").leq(asOf).and(col("_issued").gt(ago)))
            .groupBy(ACCOUNT_ID, AS_OF_DATE)
            .agg(
                count(lit(1)).as(INVOICES_90D),
                count(when(col("_failed"), lit(1))).as(FAILED_INVOICES_90D));
    return Columns.join(lines, billed, "left", ACCOUNT_ID, AS_OF_DATE)
        .withColumn(INVOICES_90D, coalesce(col(INVOICES_90D), lit(0L)))
        .withColumn(FAILED_INVOICES_90D, coalesce(col(FAILED_INVOICES_90D), lit(0L)))
        .select(
            col(ACCOUNT_ID),
            col(AS_OF_DATE),
            col(MRR),
            col(MRR_CHANGE_90D),
            col(SEATS),
            col(TENURE_DAYS),
            col(BILLING_PERIOD_MONTHS),
            col(MONTHS_TO_RENEWAL),
            col(PLAN),
            col(INVOICES_90D),
            col(FAILED_INVOICES_90D));
  }
}
