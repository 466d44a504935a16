package io.cslake.transform.engagement;

import static io.cslake.transform.Columns.ratio;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.dayofmonth;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.last_day;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trunc;
import static org.apache.spark.sql.functions.when;

import io.cslake.transform.Columns;
import io.cslake.transform.Segments;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The company's monthly engagement (SPEC §5.5), per month and segment ({@value Segments#ALL} for
 * the company): the columns {@code kpi_monthly} gets from usage. Months run from the first month
 * with usage to the as-of month; a month or segment without activity has zeros (and null rates).
 * The as-of month counts its days up to the as-of date.
 */
public final class EngagementMonthly {
  public static final String MONTH = "month";
  public static final String SEGMENT = Segments.SEGMENT;
  public static final String MAU = "mau";
  public static final String MEAN_DAU = "mean_dau";
  public static final String DAU_MAU = "dau_mau";
  public static final String USAGE_ACTIVE_ACCOUNTS = "usage_active_accounts";
  public static final String EVENTS = "events";
  public static final String LOGINS = "logins";
  public static final String MINUTES = "minutes";
  public static final String DAU_MAU_3M = "dau_mau_3m";

  /** The columns joined onto {@code kpi_monthly}, in order, with their types. */
  public static final Map<String, DataType> KPI_COLUMNS = kpiColumns();

  private static final String ACTIVE_USER_DAYS = "_active_user_days";
  private static final String ACCOUNT_ID = UserActivityDaily.ACCOUNT_ID;

  private EngagementMonthly() {}

  /**
   * The monthly engagement.
   *
   * @param userDays {@code silver/user_activity_daily}
   * @param accounts silver accounts (account_id, segment)
   * @param asOf the last day included
   */
  public static Dataset<Row> compute(Dataset<Row> userDays, Dataset<Row> accounts, LocalDate asOf) {
    Dataset<Row> segments = Segments.of(accounts);
    Dataset<Row> rows =
        userDays
            .filter(col(UserActivityDaily.EVENT_DATE).leq(lit(Date.valueOf(asOf))))
            .withColumn(MONTH, trunc(col(UserActivityDaily.EVENT_DATE), "month"));
    Column active = UserActivityDaily.isActive();
    // Users, then accounts, per month: from there on plain counts and sums (no distinct counts,
    // which make Spark expand every row once per distinct column), and the segment join and the
    // company-wide rows on account-months instead of user-days.
    Dataset<Row> accountMonths =
        rows.groupBy(ACCOUNT_ID, UserActivityDaily.USER_ID, MONTH)
            .agg(
                count(when(active, lit(1))).as(ACTIVE_USER_DAYS),
                sum(UserActivityDaily.EVENTS).as(EVENTS),
                sum(UserActivityDaily.LOGINS).as(LOGINS),
                sum(UserActivityDaily.MINUTES).as(MINUTES))
            .groupBy(ACCOUNT_ID, MONTH)
            .agg(
                count(when(col(ACTIVE_USER_DAYS).gt(0), lit(1))).as(MAU),
                sum(ACTIVE_USER_DAYS).as(ACTIVE_USER_DAYS),
                sum(EVENTS).as(EVENTS),
                sum(LOGINS).as(LOGINS),
                sum(MINUTES).as(MINUTES));
    Dataset<Row> sums =
        Segments.aggregateWithAll(
            Segments.tag(accountMonths, segments),
            List.of(MONTH),
            sum(MAU).as(MAU),
            sum(ACTIVE_USER_DAYS).as(ACTIVE_USER_DAYS),
            count(when(col(ACTIVE_USER_DAYS).gt(0), lit(1))).as(USAGE_ACTIVE_ACCOUNTS),
            sum(EVENTS).as(EVENTS),
            sum(LOGINS).as(LOGINS),
            sum(MINUTES).as(MINUTES));

    Dataset<Row> grid =
        rows.agg(min(MONTH).as("_first"))
            .filter(col("_first").leq(Columns.monthOf(asOf)))
            .select(explode(Columns.months(col("_first"), Columns.monthOf(asOf))).as(MONTH))
            .crossJoin(Segments.withAll(segments).select(SEGMENT).distinct());
    Column days =
        when(col(MONTH).equalTo(Columns.monthOf(asOf)), lit(asOf.getDayOfMonth()))
            .otherwise(dayofmonth(last_day(col(MONTH))));
    Dataset<Row> filled =
        Columns.join(grid, sums, "left", MONTH, SEGMENT)
            .select(
                col(MONTH),
                col(SEGMENT),
                coalesce(col(MAU), lit(0L)).as(MAU),
                coalesce(col(ACTIVE_USER_DAYS), lit(0L))
                    .cast(DataTypes.DoubleType)
                    .divide(days)
                    .as(MEAN_DAU),
                coalesce(col(USAGE_ACTIVE_ACCOUNTS), lit(0L)).as(USAGE_ACTIVE_ACCOUNTS),
                coalesce(col(EVENTS), lit(0L)).as(EVENTS),
                coalesce(col(LOGINS), lit(0L)).as(LOGINS),
                coalesce(col(MINUTES), lit(0.0)).as(MINUTES));
    WindowSpec last3 = Window.partitionBy(SEGMENT).orderBy(MONTH).rowsBetween(-2, 0);
    return filled.select(
        col(MONTH),
        col(SEGMENT),
        col(MAU),
        col(MEAN_DAU),
        ratio(col(MEAN_DAU), col(MAU)).as(DAU_MAU),
        col(USAGE_ACTIVE_ACCOUNTS),
        col(EVENTS),
        col(LOGINS),
        col(MINUTES),
        ratio(sum(MEAN_DAU).over(last3), sum(MAU).over(last3)).as(DAU_MAU_3M));
  }

  /**
   * {@code kpi} (keyed by month and segment) with the engagement columns of {@code monthly}
   * appended, or with those columns null when there is no usage: the schema of {@code kpi_monthly}
   * stays the same either way.
   */
  public static Dataset<Row> joinKpi(Dataset<Row> kpi, Optional<Dataset<Row>> monthly) {
    List<Column> out = new ArrayList<>();
    for (String name : kpi.columns()) {
      out.add(col(name));
    }
    if (monthly.isEmpty()) {
      KPI_COLUMNS.forEach((name, type) -> out.add(lit(null).cast(type).as(name)));
      return kpi.select(out.toArray(Column[]::new));
    }
    List<Column> right = new ArrayList<>(List.of(col(MONTH), col(SEGMENT)));
    KPI_COLUMNS.keySet().forEach(name -> right.add(col(name)));
    KPI_COLUMNS.keySet().forEach(name -> out.add(col(name)));
    return Columns.join(
            kpi, monthly.get().select(right.toArray(Column[]::new)), "left", MONTH, SEGMENT)
        .select(out.toArray(Column[]::new));
  }

  private static Map<String, DataType> kpiColumns() {
    Map<String, DataType> columns = new LinkedHashMap<>();
    columns.put(MAU, DataTypes.LongType);
    columns.put(MEAN_DAU, DataTypes.DoubleType);
    columns.put(DAU_MAU, DataTypes.DoubleType);
    columns.put(USAGE_ACTIVE_ACCOUNTS, DataTypes.LongType);
    columns.put(EVENTS, DataTypes.LongType);
    columns.put(LOGINS, DataTypes.LongType);
    columns.put(MINUTES, DataTypes.DoubleType);
    columns.put(DAU_MAU_3M, DataTypes.DoubleType);
    return Collections.unmodifiableMap(columns);
  }
}
