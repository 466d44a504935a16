package io.cslake.generate;

import io.cslake.contract.Source;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The synthetic dataset as Datasets, computed on the executors: no I/O, nothing collected.
 *
 * <p>Account-level sources come from {@code spark.range(accounts)} with every account simulated
 * from its own seed; usage events come from tasks of (block of accounts, month), each streaming its
 * events account-day by account-day, so a task writes about one file per event date and holds one
 * account-day in memory.
 */
public final class SyntheticData {
  /** Accounts per task for the account-level sources. */
  static final long ACCOUNTS_PER_TASK = 5_000;

  /** Accounts per usage task (one task per block of accounts and month). */
  static final long ACCOUNTS_PER_USAGE_TASK = 50_000;

  private SyntheticData() {}

  /**
   * The generated tables.
   *
   * @param sources every source of the contract that {@code params} includes, in the contract's
   *     field names and types (accounts with extra attribute columns, usage_events with an {@code
   *     event_date} column)
   * @param truth the ground truth: {@code account_months} and {@code accounts}
   */
  public record Generated(Map<Source, Dataset<Row>> sources, Map<String, Dataset<Row>> truth) {}

  /** The dataset {@code params} describes; {@code spark} only creates the Datasets. */
  public static Generated generate(SparkSession spark, GeneratorParams params) {
    int[] monthDay = AccountSimulation.monthDays(params.start(), params.months());
    int slices = (int) Math.max(1, (params.accounts() + ACCOUNTS_PER_TASK - 1) / ACCOUNTS_PER_TASK);
    Dataset<Long> ids = spark.range(0, params.accounts(), 1, slices);
    Map<Source, Dataset<Row>> sources = new EnumMap<>(Source.class);
    for (Source source : Source.values()) {
      if (!params.includes(source)) {
        continue;
      }
      Dataset<Row> raw =
          switch (source) {
            case USAGE_EVENTS -> usage(spark, params, monthDay);
            case FX_RATES -> fxRates(spark, params, monthDay);
            default ->
                perAccount(ids, params, monthDay, Tables.rawSchema(source), s -> s.rows(source));
          };
      sources.put(source, Tables.finish(source, raw));
    }
    Map<String, Dataset<Row>> truth = new LinkedHashMap<>();
    truth.put(
        Tables.TRUTH_ACCOUNT_MONTHS,
        Tables.finishTruth(
            Tables.TRUTH_ACCOUNT_MONTHS,
            perAccount(
                ids,
                params,
                monthDay,
                Tables.rawTruthSchema(Tables.TRUTH_ACCOUNT_MONTHS),
                AccountSimulation::truthMonths)));
    truth.put(
        Tables.TRUTH_ACCOUNTS,
        Tables.finishTruth(
            Tables.TRUTH_ACCOUNTS,
            perAccount(
                ids,
                params,
                monthDay,
                Tables.rawTruthSchema(Tables.TRUTH_ACCOUNTS),
                s -> Collections.singletonList(s.truthAccount()))));
    return new Generated(Collections.unmodifiableMap(sources), Collections.unmodifiableMap(truth));
  }

  private interface Extract
      extends Function<AccountSimulation, List<Object[]>>, java.io.Serializable {}

  private static Dataset<Row> perAccount(
      Dataset<Long> ids,
      GeneratorParams params,
      int[] monthDay,
      org.apache.spark.sql.types.StructType schema,
      Extract extract) {
    FlatMapFunction<Long, Row> rows =
        index -> {
          List<Object[]> values = extract.apply(AccountSimulation.full(params, monthDay, index));
          List<Row> out = new ArrayList<>(values.size());
          for (Object[] v : values) {
            out.add(RowFactory.create(v));
          }
          return out.iterator();
        };
    return ids.flatMap(rows, Encoders.row(schema));
  }

  private static Dataset<Row> usage(SparkSession spark, GeneratorParams params, int[] monthDay) {
    long blocks = (params.accounts() + ACCOUNTS_PER_USAGE_TASK - 1) / ACCOUNTS_PER_USAGE_TASK;
    long tasks = blocks * params.months();
    int months = params.months();
    long accounts = params.accounts();
    MapPartitionsFunction<Long, Row> events =
        taskIds -> {
          List<Iterator<Row>> parts = new ArrayList<>();
          while (taskIds.hasNext()) {
            long task = taskIds.next();
            int month = (int) (task % months);
            long block = task / months;
            long first = block * ACCOUNTS_PER_USAGE_TASK;
            long last = Math.min(accounts, first + ACCOUNTS_PER_USAGE_TASK);
            parts.add(new UsageGenerator(params, monthDay, first, last, month));
          }
          return concat(parts.iterator());
        };
    return spark
        .range(0, tasks, 1, (int) tasks)
        .mapPartitions(events, Encoders.row(Tables.rawSchema(Source.USAGE_EVENTS)));
  }

  private static Dataset<Row> fxRates(SparkSession spark, GeneratorParams params, int[] monthDay) {
    long seed = params.seed();
    int first = monthDay[0];
    int end = monthDay[params.months()];
    FlatMapFunction<Long, Row> rows =
        currency -> FxRates.rows(seed, (int) (long) currency, first, end).iterator();
    return spark
        .range(0, Catalog.CURRENCIES.length, 1, 1)
        .flatMap(rows, Encoders.row(Tables.rawSchema(Source.FX_RATES)));
  }

  private static Iterator<Row> concat(Iterator<Iterator<Row>> parts) {
    return new Iterator<>() {
      private Iterator<Row> current = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && parts.hasNext()) {
          current = parts.next();
        }
        return current.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return current.next();
      }
    };
  }
}
