package io.cslake.transform.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.generate.SyntheticData;
import io.cslake.table.DeltaWriter;
import io.cslake.table.Lakehouse;
import io.cslake.transform.engagement.AccountUsageDaily;
import io.cslake.transform.engagement.EngagementRules;
import io.cslake.transform.engagement.UserActivityDaily;
import io.cslake.transform.experience.ExperienceInputs;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Silver-shaped inputs built in memory from the generator (contract names and types, as ingest
 * writes them), with the usage rollups computed by the same transformations ingest uses, and
 * versions of them with the world after a date rewritten.
 */
public final class GeneratedSilver {
  static final String USER_DAYS = "user_activity_daily";
  static final String ACCOUNT_DAYS = "account_usage_daily";

  /** Per dated table: the column that dates a row, and the later dates a row may carry. */
  private record Dating(String dates, List<String> later) {}

  private static final Map<Source, Dating> DATING = new EnumMap<>(Source.class);

  static {
    DATING.put(Source.ACCOUNTS, new Dating("created_at", List.of()));
    DATING.put(Source.SUBSCRIPTIONS, new Dating("start_date", List.of("end_date")));
    DATING.put(Source.INVOICES, new Dating("issued_at", List.of()));
    DATING.put(Source.CHURN_EVENTS, new Dating("churned_at", List.of()));
    DATING.put(Source.CONTACTS, new Dating("started_at", List.of("ended_at")));
    DATING.put(
        Source.SUPPORT_TICKETS,
        new Dating("created_at", List.of("first_response_at", "resolved_at")));
    DATING.put(Source.SURVEYS, new Dating("responded_at", List.of()));
    DATING.put(Source.MILESTONES, new Dating("reached_at", List.of()));
    DATING.put(Source.CSM_ACTIVITIES, new Dating("activity_at", List.of()));
    DATING.put(Source.REFERRALS, new Dating("referred_at", List.of("converted_at")));
    DATING.put(Source.FX_RATES, new Dating("date", List.of()));
    DATING.put(Source.TRANSACTIONS, new Dating("ordered_at", List.of()));
  }

  final Map<Source, Dataset<Row>> sources;
  final Dataset<Row> userDays;
  final Dataset<Row> accountDays;
  public final Map<String, Dataset<Row>> truth;

  private GeneratedSilver(
      Map<Source, Dataset<Row>> sources,
      Dataset<Row> userDays,
      Dataset<Row> accountDays,
      Map<String, Dataset<Row>> truth) {
    this.sources = sources;
    this.userDays = userDays;
    this.accountDays = accountDays;
    this.truth = truth;
  }

  /** Generates {@code params}'s data and caches every table (the generator is deterministic). */
  public static GeneratedSilver generate(SparkSession spark, GeneratorParams params) {
    SyntheticData.Generated g = SyntheticData.generate(spark, params);
    Map<Source, Dataset<Row>> sources = new EnumMap<>(Source.class);
    // Usage events are read once, into the rollups; everything else is small and cached.
    g.sources().forEach((s, d) -> sources.put(s, s == Source.USAGE_EVENTS ? d : d.cache()));
    Dataset<Row> userDays =
        UserActivityDaily.compute(sources.get(Source.USAGE_EVENTS), EngagementRules.defaults())
            .cache();
    Dataset<Row> accountDays = AccountUsageDaily.compute(userDays).cache();
    Map<String, Dataset<Row>> truth = new java.util.LinkedHashMap<>();
    g.truth().forEach((t, d) -> truth.put(t, d.cache()));
    return new GeneratedSilver(sources, userDays, accountDays, truth);
  }

  /** Writes the billing sources only (accounts and subscriptions): a company without usage data. */
  public void writeBillingOnly(Lakehouse lakehouse) {
    writeSilver(
        lakehouse,
        java.util.Arrays.stream(Source.values())
            .filter(s -> s != Source.ACCOUNTS && s != Source.SUBSCRIPTIONS)
            .toArray(Source[]::new));
  }

  /**
   * Writes every source and the two usage rollups as the lakehouse's silver Delta tables, as ingest
   * would (sources listed in {@code without} are not written).
   */
  public void writeSilver(Lakehouse lakehouse, Source... without) {
    Set<Source> skip = Set.of(without);
    for (Map.Entry<Source, Dataset<Row>> e : sources.entrySet()) {
      // Usage is read through its rollups only.
      if (!skip.contains(e.getKey()) && e.getKey() != Source.USAGE_EVENTS) {
        DeltaWriter.overwrite(e.getValue(), lakehouse.silver(e.getKey().id()), List.of());
      }
    }
    if (!skip.contains(Source.USAGE_EVENTS)) {
      DeltaWriter.overwrite(userDays, lakehouse.silver(UserActivityDaily.TABLE), List.of());
      DeltaWriter.overwrite(accountDays, lakehouse.silver(AccountUsageDaily.TABLE), List.of());
    }
  }

  /** The feature inputs; sources listed in {@code without} are absent. */
  ChurnFeatures.Inputs inputs(Source... without) {
    Map<Source, Dataset<Row>> s = new EnumMap<>(sources);
    for (Source w : without) {
      s.remove(w);
    }
    boolean usage = s.containsKey(Source.USAGE_EVENTS);
    return new ChurnFeatures.Inputs(
        s.get(Source.ACCOUNTS),
        s.get(Source.SUBSCRIPTIONS),
        orEmpty(s, Source.FX_RATES),
        Optional.ofNullable(s.get(Source.INVOICES)),
        orEmpty(s, Source.CHURN_EVENTS),
        Optional.ofNullable(s.get(Source.CONTACTS)),
        usage ? Optional.of(userDays) : Optional.empty(),
        usage ? Optional.of(accountDays) : Optional.empty(),
        orEmpty(s, Source.MILESTONES),
        new ExperienceInputs(
            s.get(Source.ACCOUNTS),
            Optional.ofNullable(s.get(Source.SURVEYS)),
            Optional.ofNullable(s.get(Source.SUPPORT_TICKETS)),
            Optional.ofNullable(s.get(Source.MILESTONES)),
            Optional.ofNullable(s.get(Source.REFERRALS)),
            Optional.ofNullable(s.get(Source.CSM_ACTIVITIES)),
            Optional.ofNullable(s.get(Source.SUBSCRIPTIONS)),
            Optional.empty()));
  }

  private Dataset<Row> orEmpty(Map<Source, Dataset<Row>> s, Source source) {
    Dataset<Row> d = s.get(source);
    return d != null ? d : sources.get(source).limit(0);
  }

  /**
   * The same world as seen at the end of {@code day}, then rewritten after it: every row dated
   * after the day is deleted, every later date a kept row carries (an end, a resolution, a
   * conversion) is erased, and a copy of every kept row is added, dated at the first instant after
   * the day and still open (accounts under new ids, exchange rates tripled). A point-in-time
   * feature of a snapshot on {@code day} cannot tell the two worlds apart.
   */
  GeneratedSilver rewrittenAfter(LocalDate day) {
    Map<Source, Dataset<Row>> out = new EnumMap<>(Source.class);
    for (Map.Entry<Source, Dataset<Row>> e : sources.entrySet()) {
      Source source = e.getKey();
      Dataset<Row> rows = e.getValue();
      if (source == Source.USAGE_EVENTS) {
        out.put(source, rows);
        continue;
      }
      Dating dating = DATING.get(source);
      Dataset<Row> kept = rows.filter(not(after(rows, dating.dates(), day)));
      for (String later : dating.later()) {
        kept =
            kept.withColumn(
                later, when(after(kept, later, day), nul(kept, later)).otherwise(col(later)));
      }
      if (source == Source.SUPPORT_TICKETS) {
        // A ticket's rating is given at its resolution: unknown while it is unresolved.
        kept =
            kept.withColumn(
                "csat", when(col("resolved_at").isNull(), lit(null)).otherwise(col("csat")));
      }
      Dataset<Row> late =
          kept.withColumn(dating.dates(), firstInstantAfter(kept, dating.dates(), day));
      for (String later : dating.later()) {
        late = late.withColumn(later, nul(kept, later));
      }
      if (source == Source.ACCOUNTS) {
        late = late.withColumn("account_id", concat(col("account_id"), lit("-late")));
      }
      if (source == Source.FX_RATES) {
        late = late.withColumn("rate_to_reporting", col("rate_to_reporting").multiply(lit(3)));
      }
      out.put(source, kept.unionByName(late));
    }
    return new GeneratedSilver(
        out, rollupAfter(userDays, day), rollupAfter(accountDays, day), truth);
  }

  /** Rollup rows up to the day, plus a copy of them all on the day after. */
  private static Dataset<Row> rollupAfter(Dataset<Row> rollup, LocalDate day) {
    Dataset<Row> kept =
        rollup.filter(col(UserActivityDaily.EVENT_DATE).leq(lit(Date.valueOf(day))));
    return kept.unionByName(
        kept.withColumn(UserActivityDaily.EVENT_DATE, lit(Date.valueOf(day.plusDays(1)))));
  }

  /** Whether {@code column} (a date or timestamp) is later than the end of {@code day}. */
  static Column after(Dataset<Row> rows, String column, LocalDate day) {
    DataType type = rows.schema().apply(column).dataType();
    if (type.equals(DataTypes.DateType)) {
      return col(column).gt(lit(Date.valueOf(day)));
    }
    return col(column).geq(lit(midnightAfter(day)));
  }

  private static Column firstInstantAfter(Dataset<Row> rows, String column, LocalDate day) {
    DataType type = rows.schema().apply(column).dataType();
    if (type.equals(DataTypes.DateType)) {
      return lit(Date.valueOf(day.plusDays(1)));
    }
    return lit(midnightAfter(day));
  }

  private static Timestamp midnightAfter(LocalDate day) {
    return Timestamp.from(day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC));
  }

  private static Column nul(Dataset<Row> rows, String column) {
    return lit(null).cast(rows.schema().apply(column).dataType());
  }

  private static Column not(Column c) {
    return org.apache.spark.sql.functions.not(c);
  }
}
