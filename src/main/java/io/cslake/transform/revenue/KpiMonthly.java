package io.cslake.transform.revenue;

import static io.cslake.transform.Columns.ratio;
import static io.cslake.transform.revenue.Revenue.MONEY;
import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code gold/kpi_monthly} (SPEC §5.3): one row per month, from the first month with revenue to the
 * as-of month, and per segment, with segment {@value Revenue#ALL} for the company. Money columns
 * are {@code decimal(18,4)} in the reporting currency; churned and contraction MRR are positive
 * magnitudes. Rates are fractions, null (never NaN or infinity) where their denominator is 0. Each
 * {@code …_3m} column is the same rate over the trailing three months M−2..M, pooled (Σ numerator /
 * Σ denominator).
 */
public final class KpiMonthly {
  public static final String TABLE = "kpi_monthly";

  public static final String MONTH = "month";
  public static final String SEGMENT = "segment";
  public static final String MRR = "mrr";
  public static final String ARR = "arr";
  public static final String OPENING_MRR = "opening_mrr";
  public static final String ACTIVE_ACCOUNTS = "active_accounts";
  public static final String OPENING_ACCOUNTS = "opening_accounts";
  public static final String NEW_ACCOUNTS = "new_accounts";
  public static final String CHURNED_ACCOUNTS = "churned_accounts";
  public static final String REACTIVATED_ACCOUNTS = "reactivated_accounts";
  public static final String NEW_MRR = "new_mrr";
  public static final String EXPANSION_MRR = "expansion_mrr";
  public static final String UPSELL_MRR = "upsell_mrr";
  public static final String CROSS_SELL_MRR = "cross_sell_mrr";
  public static final String CONTRACTION_MRR = "contraction_mrr";
  public static final String CHURNED_MRR = "churned_mrr";
  public static final String REACTIVATION_MRR = "reactivation_mrr";
  public static final String FX_MRR = "fx_mrr";
  public static final String SEATS = "seats";
  public static final String LOGO_CHURN_RATE = "logo_churn_rate";
  public static final String GROSS_MRR_CHURN_RATE = "gross_mrr_churn_rate";
  public static final String GRR = "grr";
  public static final String NRR = "nrr";
  public static final String NRR_T12M = "nrr_t12m";
  public static final String QUICK_RATIO = "quick_ratio";
  public static final String ARPA = "arpa";
  public static final String ARPU_PER_SEAT = "arpu_per_seat";
  public static final String CLV_FORMULA = "clv_formula";
  public static final String TERMS_ENDING = "terms_ending";
  public static final String TERMS_RENEWED = "terms_renewed";
  public static final String RENEWAL_RATE = "renewal_rate";
  public static final String SUFFIX_3M = "_3m";

  private static final String SEATED_MRR = "_seated_mrr";

  private KpiMonthly() {}

  /**
   * The settings formula CLV and the renewal rate need.
   *
   * @param grossMargin fraction of revenue kept as gross margin (formula CLV)
   * @param renewalGraceDays days after a term's end within which a following line renews it
   */
  public record Settings(double grossMargin, int renewalGraceDays) {}

  /**
   * The KPIs.
   *
   * @param movements {@code mrr_movements}
   * @param accountMonths {@code account_month_mrr} (for seats and the trailing-12-month NRR)
   * @param accounts silver accounts (account_id, segment)
   * @param subscriptions silver subscriptions (for renewals)
   * @param asOf the last day included
   */
  public static Dataset<Row> compute(
      Dataset<Row> movements,
      Dataset<Row> accountMonths,
      Dataset<Row> accounts,
      Dataset<Row> subscriptions,
      Settings settings,
      LocalDate asOf) {
    Dataset<Row> segments = Segments.of(accounts);
    Dataset<Row> rows =
        Columns.join(
            movements,
            accountMonths.select(
                AccountMonthMrr.ACCOUNT_ID, AccountMonthMrr.MONTH, AccountMonthMrr.SEATS),
            "left",
            MrrMovements.ACCOUNT_ID,
            MrrMovements.MONTH);
    rows = Segments.withAll(Segments.tag(rows, segments));

    Column movement = col(MrrMovements.MOVEMENT);
    Column amount = col(MrrMovements.AMOUNT);
    Column active = col(MrrMovements.MRR).gt(lit(0));
    Dataset<Row> sums =
        rows.groupBy(MONTH, SEGMENT)
            .agg(
                sum(MrrMovements.MRR).cast(MONEY).as(MRR),
                sum(MrrMovements.PREV_MRR).cast(MONEY).as(OPENING_MRR),
                count(when(active, lit(1))).as(ACTIVE_ACCOUNTS),
                count(when(col(MrrMovements.PREV_MRR).gt(lit(0)), lit(1))).as(OPENING_ACCOUNTS),
                count(when(movement.equalTo(lit(MrrMovements.NEW)), lit(1))).as(NEW_ACCOUNTS),
                count(when(movement.equalTo(lit(MrrMovements.CHURN)), lit(1))).as(CHURNED_ACCOUNTS),
                count(when(movement.equalTo(lit(MrrMovements.REACTIVATION)), lit(1)))
                    .as(REACTIVATED_ACCOUNTS),
                sumWhere(movement.equalTo(lit(MrrMovements.NEW)), amount).as(NEW_MRR),
                sumWhere(movement.equalTo(lit(MrrMovements.EXPANSION)), amount).as(EXPANSION_MRR),
                sum(MrrMovements.UPSELL_AMOUNT).cast(MONEY).as(UPSELL_MRR),
                sum(MrrMovements.CROSS_SELL_AMOUNT).cast(MONEY).as(CROSS_SELL_MRR),
                sumWhere(movement.equalTo(lit(MrrMovements.CONTRACTION)), amount.unary_$minus())
                    .as(CONTRACTION_MRR),
                sumWhere(movement.equalTo(lit(MrrMovements.CHURN)), amount.unary_$minus())
                    .as(CHURNED_MRR),
                sumWhere(movement.equalTo(lit(MrrMovements.REACTIVATION)), amount)
                    .as(REACTIVATION_MRR),
                sum(MrrMovements.FX_AMOUNT).cast(MONEY).as(FX_MRR),
                sum(when(active, col(AccountMonthMrr.SEATS))).as(SEATS),
                sum(when(active.and(col(AccountMonthMrr.SEATS).gt(lit(0))), col(MrrMovements.MRR)))
                    .as(SEATED_MRR));

    // Every month from the first with revenue to the as-of month, for every segment seen.
    Dataset<Row> grid =
        rows.agg(min(MONTH).as("_first"))
            .filter(col("_first").leq(Columns.monthOf(asOf)))
            .select(explode(Columns.months(col("_first"), Columns.monthOf(asOf))).as(MONTH))
            .crossJoin(rows.select(SEGMENT).distinct());
    Column zero = lit(BigDecimal.ZERO).cast(MONEY);
    List<String> money =
        List.of(
            MRR,
            OPENING_MRR,
            NEW_MRR,
            EXPANSION_MRR,
            UPSELL_MRR,
            CROSS_SELL_MRR,
            CONTRACTION_MRR,
            CHURNED_MRR,
            REACTIVATION_MRR,
            FX_MRR);
    List<String> counts =
        List.of(
            ACTIVE_ACCOUNTS,
            OPENING_ACCOUNTS,
            NEW_ACCOUNTS,
            CHURNED_ACCOUNTS,
            REACTIVATED_ACCOUNTS);
    List<Column> filled = new ArrayList<>(List.of(col(MONTH), col(SEGMENT)));
    money.forEach(m -> filled.add(coalesce(col(m), zero).as(m)));
    counts.forEach(n -> filled.add(coalesce(col(n), lit(0L)).as(n)));
    filled.add(coalesce(col(SEATS), lit(0L)).as(SEATS));
    filled.add(col(SEATED_MRR));
    Dataset<Row> kpi =
        Columns.join(grid, sums, "left", MONTH, SEGMENT).select(filled.toArray(Column[]::new));
    kpi = Columns.join(kpi, nrrTrailing12(accountMonths, segments, asOf), "left", MONTH, SEGMENT);
    kpi =
        Columns.join(
            kpi, renewals(subscriptions, segments, settings, asOf), "left", MONTH, SEGMENT);

    // One projection for every rate (a chain of withColumn calls re-analyses the plan each time).
    WindowSpec bySegment = Window.partitionBy(SEGMENT).orderBy(MONTH);
    WindowSpec last3 = bySegment.rowsBetween(-2, 0);
    WindowSpec previous6 = bySegment.rowsBetween(-6, -1);
    Column termsEnding = coalesce(col(TERMS_ENDING), lit(0L));
    Column termsRenewed = coalesce(col(TERMS_RENEWED), lit(0L));
    Column lost = col(CHURNED_MRR).plus(col(CONTRACTION_MRR));
    Column gained = col(NEW_MRR).plus(col(EXPANSION_MRR)).plus(col(REACTIVATION_MRR));
    Column lost3 = sum(CHURNED_MRR).over(last3).plus(sum(CONTRACTION_MRR).over(last3));
    Column opening3 = sum(OPENING_MRR).over(last3);
    Column logoChurn = ratio(col(CHURNED_ACCOUNTS), col(OPENING_ACCOUNTS));
    Column arpa = ratio(col(MRR), col(ACTIVE_ACCOUNTS));
    List<Column> out = new ArrayList<>();
    out.add(col(MONTH));
    out.add(col(SEGMENT));
    out.add(col(MRR));
    out.add(col(MRR).multiply(lit(12)).cast(MONEY).as(ARR));
    out.add(col(OPENING_MRR));
    counts.forEach(n -> out.add(col(n)));
    money.subList(2, money.size()).forEach(m -> out.add(col(m)));
    out.add(col(SEATS));
    out.add(logoChurn.as(LOGO_CHURN_RATE));
    out.add(ratio(lost, col(OPENING_MRR)).as(GROSS_MRR_CHURN_RATE));
    out.add(ratio(col(OPENING_MRR).minus(lost), col(OPENING_MRR)).as(GRR));
    out.add(ratio(col(OPENING_MRR).minus(lost).plus(col(EXPANSION_MRR)), col(OPENING_MRR)).as(NRR));
    out.add(col(NRR_T12M));
    out.add(ratio(gained, lost).as(QUICK_RATIO));
    out.add(arpa.as(ARPA));
    out.add(ratio(col(SEATED_MRR), col(SEATS)).as(ARPU_PER_SEAT));
    out.add(
        ratio(arpa.multiply(lit(settings.grossMargin())), avg(logoChurn).over(previous6))
            .as(CLV_FORMULA));
    out.add(termsEnding.as(TERMS_ENDING));
    out.add(termsRenewed.as(TERMS_RENEWED));
    out.add(ratio(termsRenewed, termsEnding).as(RENEWAL_RATE));
    out.add(
        ratio(sum(CHURNED_ACCOUNTS).over(last3), sum(OPENING_ACCOUNTS).over(last3))
            .as(LOGO_CHURN_RATE + SUFFIX_3M));
    out.add(ratio(lost3, opening3).as(GROSS_MRR_CHURN_RATE + SUFFIX_3M));
    out.add(ratio(opening3.minus(lost3), opening3).as(GRR + SUFFIX_3M));
    out.add(
        ratio(opening3.minus(lost3).plus(sum(EXPANSION_MRR).over(last3)), opening3)
            .as(NRR + SUFFIX_3M));
    out.add(
        ratio(
                sum(NEW_MRR)
                    .over(last3)
                    .plus(sum(EXPANSION_MRR).over(last3))
                    .plus(sum(REACTIVATION_MRR).over(last3)),
                lost3)
            .as(QUICK_RATIO + SUFFIX_3M));
    out.add(
        ratio(sum(termsRenewed).over(last3), sum(termsEnding).over(last3))
            .as(RENEWAL_RATE + SUFFIX_3M));
    return kpi.select(out.toArray(Column[]::new));
  }

  private static Column sumWhere(Column condition, Column value) {
    return coalesce(sum(when(condition, value)), lit(BigDecimal.ZERO)).cast(MONEY);
  }

  /**
   * Trailing-12-month NRR: MRR in M of the accounts active in M−12, over their MRR in M−12. Only
   * months with such accounts get a value.
   */
  static Dataset<Row> nrrTrailing12(
      Dataset<Row> accountMonths, Dataset<Row> segments, LocalDate asOf) {
    Dataset<Row> base =
        accountMonths
            .filter(col(AccountMonthMrr.MRR).gt(lit(0)))
            .select(
                col(AccountMonthMrr.ACCOUNT_ID),
                add_months(col(AccountMonthMrr.MONTH), 12).as(MONTH),
                col(AccountMonthMrr.MRR).as("_base_mrr"))
            .filter(col(MONTH).leq(Columns.monthOf(asOf)));
    Dataset<Row> later =
        accountMonths.select(
            col(AccountMonthMrr.ACCOUNT_ID),
            col(AccountMonthMrr.MONTH).as(MONTH),
            col(AccountMonthMrr.MRR).as("_later_mrr"));
    Dataset<Row> joined =
        Columns.join(base, later, "left", AccountMonthMrr.ACCOUNT_ID, MONTH)
            .withColumnRenamed(AccountMonthMrr.ACCOUNT_ID, MrrMovements.ACCOUNT_ID);
    return Segments.withAll(Segments.tag(joined, segments))
        .groupBy(MONTH, SEGMENT)
        .agg(ratio(sum(coalesce(col("_later_mrr"), lit(0))), sum("_base_mrr")).as(NRR_T12M));
  }

  /**
   * Terms ending in each month (a line whose {@code end_date} is in the month and not after the
   * as-of date) and how many of them were renewed: the same account has another line with a
   * positive value, starting no earlier than the term and no later than {@code end_date + grace},
   * still active at {@code end_date}.
   */
  static Dataset<Row> renewals(
      Dataset<Row> subscriptions, Dataset<Row> segments, Settings settings, LocalDate asOf) {
    Column lineValue = coalesce(col("mrr"), col("amount").divide(col("billing_period_months")));
    Dataset<Row> terms =
        subscriptions
            .filter(col("end_date").isNotNull().and(col("end_date").leq(lit(Date.valueOf(asOf)))))
            .select(
                col("account_id"),
                col("subscription_id").as("_t_subscription"),
                col("product_id").as("_t_product"),
                col("start_date").as("_t_start"),
                col("end_date").as("_t_end"));
    Dataset<Row> others =
        subscriptions
            .filter(lineValue.gt(lit(0)))
            .select(
                col("account_id").as("_o_account"),
                col("subscription_id").as("_o_subscription"),
                col("product_id").as("_o_product"),
                col("start_date").as("_o_start"),
                col("end_date").as("_o_end"));
    Column sameLine =
        col("_t_subscription")
            .eqNullSafe(col("_o_subscription"))
            .and(col("_t_product").eqNullSafe(col("_o_product")))
            .and(col("_t_start").equalTo(col("_o_start")));
    Column renews =
        col("account_id")
            .equalTo(col("_o_account"))
            .and(sameLine.unary_$bang())
            .and(col("_o_start").geq(col("_t_start")))
            .and(col("_o_start").leq(date_add(col("_t_end"), settings.renewalGraceDays())))
            .and(col("_o_end").isNull().or(col("_o_end").gt(col("_t_end"))));
    Dataset<Row> flagged =
        terms
            .withColumn("_term", monotonically_increasing_id())
            .join(others, renews, "left")
            .groupBy(col("_term"), col("account_id"), col("_t_end"))
            .agg(max(when(col("_o_account").isNotNull(), lit(1)).otherwise(lit(0))).as("_renewed"))
            .select(
                col("account_id").as(MrrMovements.ACCOUNT_ID),
                trunc(col("_t_end"), "month").as(MONTH),
                col("_renewed"));
    return Segments.withAll(Segments.tag(flagged, segments))
        .groupBy(MONTH, SEGMENT)
        .agg(
            count(lit(1)).as(TERMS_ENDING),
            sum("_renewed").cast(DataTypes.LongType).as(TERMS_RENEWED));
  }
}
