package io.cslake.transform.revenue;

import static io.cslake.transform.revenue.Revenue.MONEY;
import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import io.cslake.contract.FieldType;
import io.cslake.transform.Columns;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code silver/account_month_mrr} (SPEC §5.1): one row per account and month from the account's
 * first active month to the month after its last active month (or the as-of month, whichever is
 * earlier), gap months included with MRR 0, in the reporting currency.
 *
 * <p>A subscription line's monthly value is {@code mrr}, or {@code amount / billing_period_months};
 * it contributes to month M iff {@code trunc_month(start_date) <= M < trunc_month(end_date)}.
 * Amounts in another currency are converted at the rate of the month's first day (the latest {@code
 * fx_rates} row dated on or before it). The FX effect is isolated per currency: {@code fx_amount} =
 * Σ over currencies of {@code min(local(M−1), local(M)) × (rate(M) − rate(M−1))}, the revaluation
 * of the local-currency MRR held in both months; what remains of {@code MRR(M) − MRR(M−1)} is a
 * real movement (an increase valued at M's rate, a decrease at M−1's).
 */
public final class AccountMonthMrr {
  public static final String TABLE = "account_month_mrr";

  public static final String ACCOUNT_ID = "account_id";

  /** First day of the month. */
  public static final String MONTH = "month";

  /** Sum of the contributing lines' monthly values, reporting currency. */
  public static final String MRR = "mrr";

  /** Number of contributing subscription lines. */
  public static final String LINES = "lines";

  /** Sum of the contributing lines' seats (lines without seats count 0). */
  public static final String SEATS = "seats";

  /** Sorted distinct product_ids of the contributing lines with a positive value. */
  public static final String PRODUCT_IDS = "product_ids";

  /** MRR of the product_ids this account did not hold (with a positive value) in M−1. */
  public static final String NEW_PRODUCT_MRR = "new_product_mrr";

  /** Pure FX effect on MRR between M−1 and M (see the class comment). */
  public static final String FX_AMOUNT = "fx_amount";

  /** Columns of {@link #lineMonths}: one row per subscription line and contributing month. */
  public static final String CURRENCY = "currency";

  public static final String LOCAL_MRR = "local_mrr";
  public static final String RATE = "rate";
  public static final String PRODUCT_ID = "product_id";

  private static final org.apache.spark.sql.types.DataType RATE_TYPE = FieldType.RATE.sparkType();

  private static final String START_DATE = "start_date";
  private static final String END_DATE = "end_date";
  private static final String FX_DATE = "date";
  private static final String FX_CURRENCY = "currency";
  private static final String FX_RATE = "rate_to_reporting";

  private AccountMonthMrr() {}

  /**
   * One row per subscription line and month it contributes to, up to the as-of month: account_id,
   * month, product_id, seats, currency (upper case; null = the reporting currency), local_mrr (the
   * line's monthly value in its currency), rate (to the reporting currency; 1 for the reporting
   * currency; null when {@code fxRates} has no rate on or before the month's first day) and mrr
   * (reporting currency, null when the rate is missing).
   *
   * @param subscriptions silver subscriptions
   * @param fxRates silver fx_rates (may be empty)
   */
  public static Dataset<Row> lineMonths(
      Dataset<Row> subscriptions, Dataset<Row> fxRates, String reportingCurrency, LocalDate asOf) {
    String reporting = reportingCurrency.toUpperCase(Locale.ROOT);
    Column lineValue =
        coalesce(col("mrr"), col("amount").divide(col("billing_period_months"))).cast(MONEY);
    Column first = trunc(col(START_DATE), "month");
    Column last = least(add_months(trunc(col(END_DATE), "month"), -1), Columns.monthOf(asOf));
    Dataset<Row> lines =
        subscriptions
            .select(
                col(ACCOUNT_ID),
                col(PRODUCT_ID),
                coalesce(col(SEATS), lit(0)).as(SEATS),
                upper(trim(coalesce(col(CURRENCY), lit(reporting)))).as(CURRENCY),
                lineValue.as(LOCAL_MRR),
                first.as("_first"),
                last.as("_last"))
            .filter(col("_first").leq(col("_last")))
            .withColumn(MONTH, explode(Columns.months(col("_first"), col("_last"))))
            .drop("_first", "_last");

    Dataset<Row> needed =
        lines
            .filter(col(CURRENCY).notEqual(lit(reporting)))
            .select(col(CURRENCY), col(MONTH))
            .distinct();
    Dataset<Row> fx =
        fxRates.select(
            upper(trim(col(FX_CURRENCY))).as("_fx_currency"),
            col(FX_DATE).as("_fx_date"),
            col(FX_RATE).as("_fx_rate"));
    Dataset<Row> monthRates =
        needed
            .join(
                fx,
                col(CURRENCY)
                    .equalTo(col("_fx_currency"))
                    .and(col("_fx_date").leq(col(MONTH)))
                    .and(col("_fx_rate").isNotNull()))
            .groupBy(col(CURRENCY), col(MONTH))
            .agg(max_by(col("_fx_rate"), col("_fx_date")).as("_month_rate"));

    Column rate =
        when(col(CURRENCY).equalTo(lit(reporting)), lit(BigDecimal.ONE).cast(RATE_TYPE))
            .otherwise(col("_month_rate"));
    return Columns.join(lines, monthRates, "left", CURRENCY, MONTH)
        .withColumn(RATE, rate)
        .withColumn(MRR, col(LOCAL_MRR).multiply(col(RATE)).cast(MONEY))
        .select(ACCOUNT_ID, MONTH, PRODUCT_ID, SEATS, CURRENCY, LOCAL_MRR, RATE, MRR);
  }

  /**
   * The (currency, month) pairs of {@code lineMonths} that have no exchange rate: converting them
   * is impossible, so a job must stop and name them rather than report a wrong MRR.
   */
  public static Dataset<Row> missingRates(Dataset<Row> lineMonths) {
    return lineMonths.filter(col(RATE).isNull()).select(CURRENCY, MONTH).distinct();
  }

  /**
   * The account-month table from {@link #lineMonths} (which must have no missing rate).
   *
   * @param asOf the last day included: months after its month are not produced
   */
  public static Dataset<Row> fromLineMonths(Dataset<Row> lineMonths, LocalDate asOf) {
    // Per currency: local and converted MRR, and the FX effect against the month before.
    Dataset<Row> byCurrency =
        lineMonths
            .groupBy(ACCOUNT_ID, MONTH, CURRENCY)
            .agg(
                sum(LOCAL_MRR).as(LOCAL_MRR),
                max(RATE).as(RATE),
                sum(col(LOCAL_MRR).multiply(col(RATE))).cast(MONEY).as(MRR));
    Dataset<Row> previous =
        byCurrency.select(
            col(ACCOUNT_ID),
            col(CURRENCY),
            add_months(col(MONTH), 1).as(MONTH),
            col(LOCAL_MRR).as("_prev_local"),
            col(RATE).as("_prev_rate"));
    Dataset<Row> fxByCurrency =
        Columns.join(byCurrency, previous, "inner", ACCOUNT_ID, CURRENCY, MONTH)
            .select(
                col(ACCOUNT_ID),
                col(MONTH),
                least(col(LOCAL_MRR), col("_prev_local"))
                    .multiply(col(RATE).minus(col("_prev_rate")))
                    .cast(MONEY)
                    .as(FX_AMOUNT));
    Dataset<Row> fxByMonth =
        fxByCurrency.groupBy(ACCOUNT_ID, MONTH).agg(sum(FX_AMOUNT).cast(MONEY).as(FX_AMOUNT));

    // Cross-sell base: MRR of products not held (with a positive value) in the month before.
    Dataset<Row> products =
        lineMonths
            .filter(col(PRODUCT_ID).isNotNull().and(col(MRR).gt(lit(0))))
            .groupBy(ACCOUNT_ID, MONTH, PRODUCT_ID)
            .agg(sum(MRR).as(MRR));
    Dataset<Row> heldBefore =
        products.select(col(ACCOUNT_ID), add_months(col(MONTH), 1).as(MONTH), col(PRODUCT_ID));
    Dataset<Row> newProducts =
        Columns.join(products, heldBefore, "left_anti", ACCOUNT_ID, MONTH, PRODUCT_ID)
            .groupBy(ACCOUNT_ID, MONTH)
            .agg(sum(MRR).cast(MONEY).as(NEW_PRODUCT_MRR));

    Dataset<Row> byMonth =
        lineMonths
            .groupBy(ACCOUNT_ID, MONTH)
            .agg(
                count(lit(1)).as(LINES),
                sum(SEATS).cast(DataTypes.LongType).as(SEATS),
                array_sort(collect_set(when(col(MRR).gt(lit(0)), col(PRODUCT_ID))))
                    .as(PRODUCT_IDS));
    Dataset<Row> mrrByMonth =
        byCurrency.groupBy(ACCOUNT_ID, MONTH).agg(sum(MRR).cast(MONEY).as(MRR));

    // The spine: first active month .. min(last active month + 1, as-of month).
    Dataset<Row> spine =
        mrrByMonth
            .filter(col(MRR).gt(lit(0)))
            .groupBy(ACCOUNT_ID)
            .agg(min(MONTH).as("_first"), max(MONTH).as("_last"))
            .withColumn("_end", least(add_months(col("_last"), 1), Columns.monthOf(asOf)))
            .select(col(ACCOUNT_ID), explode(Columns.months(col("_first"), col("_end"))).as(MONTH));

    Dataset<Row> joined = Columns.join(spine, mrrByMonth, "left", ACCOUNT_ID, MONTH);
    joined = Columns.join(joined, byMonth, "left", ACCOUNT_ID, MONTH);
    joined = Columns.join(joined, newProducts, "left", ACCOUNT_ID, MONTH);
    joined = Columns.join(joined, fxByMonth, "left", ACCOUNT_ID, MONTH);
    Column zero = lit(BigDecimal.ZERO).cast(MONEY);
    return joined.select(
        col(ACCOUNT_ID),
        col(MONTH),
        coalesce(col(MRR), zero).as(MRR),
        coalesce(col(LINES), lit(0L)).as(LINES),
        coalesce(col(SEATS), lit(0L)).as(SEATS),
        coalesce(col(PRODUCT_IDS), array().cast("array<string>")).as(PRODUCT_IDS),
        coalesce(col(NEW_PRODUCT_MRR), zero).as(NEW_PRODUCT_MRR),
        coalesce(col(FX_AMOUNT), zero).as(FX_AMOUNT));
  }

  /** {@link #lineMonths} then {@link #fromLineMonths}, for callers that checked the rates. */
  public static Dataset<Row> compute(
      Dataset<Row> subscriptions, Dataset<Row> fxRates, String reportingCurrency, LocalDate asOf) {
    return fromLineMonths(lineMonths(subscriptions, fxRates, reportingCurrency, asOf), asOf);
  }
}
