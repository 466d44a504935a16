package io.cslake.transform.clv;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.udf;

import io.cslake.SparkTestBase;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Times the BG/NBD + Gamma-Gamma pipeline on generated customers; not part of the test suite (the
 * name matches none of surefire's patterns). Run one size at a time:
 *
 * <pre>
 *   mvn -o -q test -Dtest=ClvFitBenchmark -Dclv.benchmark.customers=1000000
 * </pre>
 *
 * Customers are drawn from the CDNOW BG/NBD and Gamma-Gamma parameters with a first purchase in the
 * year before the calibration end, purchases on whole days (same-day purchases merge, as in real
 * data), amounts Gamma-distributed. Stages timed: generating the transactions and computing the
 * statistics (persisted), compressing and fitting each model, predicting the CLV of every customer
 * (written to Spark's no-op sink).
 */
class ClvFitBenchmark extends SparkTestBase {
  static final LocalDate END = LocalDate.parse("2024-12-31");

  @Test
  void timeTheFit() {
    long customers = Long.parseLong(System.getProperty("clv.benchmark.customers", "100000"));
    int partitions = Integer.parseInt(System.getProperty("clv.benchmark.partitions", "8"));
    run(spark, customers, partitions);
  }

  static void run(SparkSession spark, long customers, int partitions) {
    spark.conf().set("spark.sql.shuffle.partitions", String.valueOf(partitions));
    long start = System.nanoTime();
    Dataset<Row> transactions = transactions(spark, customers, partitions);
    Dataset<Row> statistics = BgNbd.statistics(transactions, END).persist();
    long rows = statistics.count();
    long statisticsDone = System.nanoTime();
    List<BgNbd.Statistics> tuples = BgNbd.compress(statistics);
    long compressed = System.nanoTime();
    BgNbd.Fit purchases = BgNbd.fit(tuples);
    long fitted = System.nanoTime();
    List<GammaGamma.Statistics> spendTuples = GammaGamma.compress(statistics);
    long spendCompressed = System.nanoTime();
    GammaGamma.Fit spend = GammaGamma.fit(spendTuples);
    long spendFitted = System.nanoTime();
    CustomerValue.compute(
            statistics,
            purchases.params(),
            spend.params(),
            new CustomerValue.Settings(12, 0.01, 0.6, BgNbd.WEEK))
        .write()
        .format("noop")
        .mode("overwrite")
        .save();
    long predicted = System.nanoTime();
    statistics.unpersist();
    System.out.printf(
        "CLV benchmark: %,d generated customers (%,d with statistics), %d partitions%n"
            + "  transactions + statistics %.1f s%n"
            + "  BG/NBD compress %.1f s (%,d tuples), fit %.1f s: %s LL %.1f%n"
            + "  Gamma-Gamma compress %.1f s (%,d tuples), fit %.1f s: %s LL %.1f%n"
            + "  CLV per customer %.1f s%n  total %.1f s%n",
        customers,
        rows,
        partitions,
        seconds(start, statisticsDone),
        seconds(statisticsDone, compressed),
        purchases.tuples(),
        seconds(compressed, fitted),
        purchases.params(),
        purchases.logLikelihood(),
        seconds(fitted, spendCompressed),
        spend.tuples(),
        seconds(spendCompressed, spendFitted),
        spend.params(),
        spend.logLikelihood(),
        seconds(spendFitted, predicted),
        seconds(start, predicted));
  }

  static double seconds(long from, long to) {
    return (to - from) / 1e9;
  }

  /** account_id, ordered_at, amount for {@code customers} customers, generated in Spark. */
  static Dataset<Row> transactions(SparkSession spark, long customers, int partitions) {
    StructType purchase =
        new StructType().add("second", DataTypes.LongType).add("amount", DataTypes.DoubleType);
    long endSecond = END.plusDays(1).atStartOfDay().toEpochSecond(ZoneOffset.UTC);
    BgNbd.Params rates = BgNbdTest.CDNOW;
    GammaGamma.Params values = GammaGammaTest.CDNOW;
    UDF1<Long, List<Row>> simulate =
        id -> {
          Simulation simulation = new Simulation(id * 0x9E3779B97F4A7C15L);
          SplittableRandom random = new SplittableRandom(id);
          double lambda = simulation.gamma(rates.r(), rates.alpha()) / 7;
          double p = simulation.beta(rates.a(), rates.b());
          double nu = simulation.gamma(values.q(), values.gamma());
          double firstDay = 365 * random.nextDouble();
          List<Row> rows = new ArrayList<>();
          double day = 0;
          while (true) {
            rows.add(
                RowFactory.create(
                    endSecond - (long) ((firstDay - day) * 86_400),
                    simulation.gamma(values.p(), nu)));
            if (rows.size() > 1 && random.nextDouble() < p) {
              break;
            }
            day += -Math.log(1 - random.nextDouble()) / lambda;
            if (day >= firstDay) {
              break;
            }
          }
          return rows;
        };
    return spark
        .range(0, customers, 1, partitions)
        .select(
            col("id"),
            explode(
                    udf(simulate, DataTypes.createArrayType(purchase))
                        .asNonNullable()
                        .apply(col("id")))
                .as("p"))
        .select(
            col("id").cast(DataTypes.StringType).as("account_id"),
            timestamp_seconds(col("p.second")).as("ordered_at"),
            col("p.amount").multiply(lit(1)).as("amount"));
  }
}
