package io.cslake.transform.clv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The Spark parts of the CLV models on hand-worked fixtures. Calibration end 2024-01-31:
 *
 * <ul>
 *   <li>A buys 10 + 5 on 01-01 (one day: 15), 20 on 01-08, 30 + 10 on 01-22 (40) and 100 on 02-05
 *       (after the end): x = 2, t_x = 21 days, T = 30 days, mean repeat spend (20 + 40) / 2 = 30;
 *   <li>B buys 7 on 01-29 at 23:30: x = 0, t_x = 0, T = 2 days, no repeat spend;
 *   <li>C buys only on 02-01: no row;
 *   <li>D buys 4 on 01-10 and 3 on 01-31 at 23:59:59 (the end is inclusive): x = 1, t_x = T = 21
 *       days, mean repeat spend 3;
 *   <li>E buys 9 on 01-29: the same statistics as B.
 * </ul>
 */
class ClvSparkTest extends SparkTestBase {
  static final LocalDate END = LocalDate.parse("2024-01-31");

  static Dataset<Row> transactions() {
    StructType schema =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("ordered_at", DataTypes.TimestampType)
            .add("amount", DataTypes.createDecimalType(18, 4));
    List<Row> rows =
        List.of(
            purchase("A", "2024-01-01T10:00:00Z", "10"),
            purchase("A", "2024-01-01T15:00:00Z", "5"),
            purchase("A", "2024-01-08T09:00:00Z", "20"),
            purchase("A", "2024-01-22T09:00:00Z", "30"),
            purchase("A", "2024-01-22T18:00:00Z", "10"),
            purchase("A", "2024-02-05T09:00:00Z", "100"),
            purchase("B", "2024-01-29T23:30:00Z", "7"),
            purchase("C", "2024-02-01T00:00:00Z", "50"),
            purchase("D", "2024-01-10T12:00:00Z", "4"),
            purchase("D", "2024-01-31T23:59:59Z", "3"),
            purchase("E", "2024-01-29T08:00:00Z", "9"));
    return spark.createDataFrame(rows, schema);
  }

  static Row purchase(String account, String at, String amount) {
    return RowFactory.create(account, Timestamp.from(Instant.parse(at)), new BigDecimal(amount));
  }

  static Map<String, Row> byAccount(Dataset<Row> frame) {
    Map<String, Row> rows = new HashMap<>();
    for (Row row : frame.collectAsList()) {
      rows.put(row.getAs("account_id"), row);
    }
    return rows;
  }

  @Test
  void statisticsMergeSameDayPurchasesAndIgnoreThoseAfterTheEnd() {
    Map<String, Row> weeks = byAccount(BgNbd.statistics(transactions(), END));
    assertThat(weeks.keySet()).containsExactlyInAnyOrder("A", "B", "D", "E");
    Row a = weeks.get("A");
    assertThat(a.<Integer>getAs(BgNbd.X)).isEqualTo(2);
    assertThat(a.<Double>getAs(BgNbd.T_X)).isCloseTo(3.0, within(1e-12));
    assertThat(a.<Double>getAs(BgNbd.T)).isCloseTo(30 / 7.0, within(1e-12));
    assertThat(a.<Double>getAs(BgNbd.MEAN_REPEAT_SPEND)).isCloseTo(30.0, within(1e-12));
    Row b = weeks.get("B");
    assertThat(b.<Integer>getAs(BgNbd.X)).isZero();
    assertThat(b.<Double>getAs(BgNbd.T_X)).isZero();
    assertThat(b.<Double>getAs(BgNbd.T)).isCloseTo(2 / 7.0, within(1e-12));
    assertThat(b.<Object>getAs(BgNbd.MEAN_REPEAT_SPEND)).isNull();
    Row d = weeks.get("D");
    assertThat(d.<Integer>getAs(BgNbd.X)).isEqualTo(1);
    assertThat(d.<Double>getAs(BgNbd.T_X)).isCloseTo(3.0, within(1e-12));
    assertThat(d.<Double>getAs(BgNbd.T)).isCloseTo(3.0, within(1e-12));
    assertThat(d.<Double>getAs(BgNbd.MEAN_REPEAT_SPEND)).isCloseTo(3.0, within(1e-12));

    Row days = byAccount(BgNbd.statistics(transactions(), END, 1)).get("A");
    assertThat(days.<Double>getAs(BgNbd.T_X)).isEqualTo(21.0);
    assertThat(days.<Double>getAs(BgNbd.T)).isEqualTo(30.0);
  }

  @Test
  void compressionCountsCustomersPerDistinctTuple() {
    List<BgNbd.Statistics> tuples =
        BgNbd.compress(BgNbd.statistics(transactions(), END, 1)).stream()
            .sorted(Comparator.comparingInt(BgNbd.Statistics::x))
            .toList();
    assertThat(tuples)
        .containsExactly(
            new BgNbd.Statistics(0, 0, 2, 2),
            new BgNbd.Statistics(1, 21, 21, 1),
            new BgNbd.Statistics(2, 21, 30, 1));
  }

  @Test
  void spendCompressionKeepsRepeatBuyersGroupedByXAndSpend() {
    Dataset<Row> statistics = BgNbd.statistics(transactions(), END);
    // F: the same x and (almost) the same mean spend as A: one group with A.
    Dataset<Row> withF =
        statistics.unionByName(
            spark.sql(
                "select 'F' as account_id, 2 as x, 1.0d as t_x, 2.0d as T,"
                    + " 30.0001d as mean_repeat_spend"));
    List<GammaGamma.Statistics> tuples =
        GammaGamma.compress(withF).stream()
            .sorted(Comparator.comparingInt(GammaGamma.Statistics::x))
            .toList();
    assertThat(tuples).hasSize(2);
    assertThat(tuples.get(0).x()).isEqualTo(1);
    assertThat(tuples.get(0).customers()).isEqualTo(1);
    assertThat(tuples.get(0).sumLogMeanSpend()).isCloseTo(Math.log(3), within(1e-12));
    assertThat(tuples.get(1).customers()).isEqualTo(2);
    assertThat(tuples.get(1).sumLogMeanSpend())
        .isCloseTo(Math.log(30) + Math.log(30.0001), within(1e-12));
    assertThat(tuples.get(1).meanTotalSpend()).isCloseTo(60.0001, within(1e-9));
  }

  @Test
  void predictionsInSparkEqualTheDriversFormulas() {
    BgNbd.Params purchases = BgNbdTest.CDNOW;
    GammaGamma.Params spend = GammaGammaTest.CDNOW;
    CustomerValue.Settings settings = new CustomerValue.Settings(12, 0.01, 0.7, BgNbd.WEEK);
    Map<String, Row> rows =
        byAccount(
            CustomerValue.compute(
                BgNbd.statistics(transactions(), END), purchases, spend, settings));
    assertThat(rows).hasSize(4);
    for (Row row : rows.values()) {
      int x = row.getAs(BgNbd.X);
      double tx = row.getAs(BgNbd.T_X);
      double t = row.getAs(BgNbd.T);
      Double mean = row.getAs(BgNbd.MEAN_REPEAT_SPEND);
      double m = mean == null ? Double.NaN : mean;
      assertThat(row.<Double>getAs(BgNbd.EXPECTED_PURCHASES))
          .isCloseTo(
              BgNbd.expectedPurchases(purchases, x, tx, t, settings.horizonUnits()), within(1e-12));
      assertThat(row.<Double>getAs(BgNbd.P_ALIVE))
          .isCloseTo(BgNbd.probabilityAlive(purchases, x, tx, t), within(1e-12));
      assertThat(row.<Double>getAs(GammaGamma.EXPECTED_SPEND))
          .isCloseTo(GammaGamma.expectedSpend(spend, x, m), within(1e-9));
      assertThat(row.<Double>getAs(CustomerValue.CLV))
          .isCloseTo(CustomerValue.clv(purchases, spend, settings, x, tx, t, m), within(1e-9));
    }
    // B never bought again: the population mean spend.
    assertThat(rows.get("B").<Double>getAs(GammaGamma.EXPECTED_SPEND))
        .isCloseTo(6.25 * 15.44 / 2.74, within(1e-9));
  }

  /**
   * As of 2024-04-15. Cohort January: P active Jan..Apr (ent), Q Jan..Feb (ent), R Jan and Mar with
   * a gap (smb: last active March); cohort March: S Mar..Apr (smb); U first active in May (after
   * the as-of month): no cohort.
   */
  @Test
  void survivalCountsAccountsUntilTheirLastActiveMonth() {
    StructType schema =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("month", DataTypes.DateType)
            .add("mrr", DataTypes.createDecimalType(18, 4));
    List<Row> months =
        List.of(
            month("P", "2024-01-01", 10),
            month("P", "2024-02-01", 10),
            month("P", "2024-03-01", 10),
            month("P", "2024-04-01", 10),
            month("Q", "2024-01-01", 10),
            month("Q", "2024-02-01", 10),
            month("Q", "2024-03-01", 0),
            month("R", "2024-01-01", 10),
            month("R", "2024-02-01", 0),
            month("R", "2024-03-01", 10),
            month("R", "2024-04-01", 0),
            month("S", "2024-03-01", 10),
            month("S", "2024-04-01", 10),
            month("U", "2024-05-01", 10));
    Dataset<Row> accounts =
        spark.sql(
            "select * from values ('P', 'ent'), ('Q', 'ent'), ('R', 'smb'), ('S', 'smb'),"
                + " ('U', 'ent') as t(account_id, segment)");
    List<ShiftedBetaGeometric.Cohort> cohorts =
        ShiftedBetaGeometric.cohorts(
            ShiftedBetaGeometric.survival(
                spark.createDataFrame(months, schema), accounts, LocalDate.parse("2024-04-15")));
    Map<String, long[]> alive = new HashMap<>();
    for (ShiftedBetaGeometric.Cohort cohort : cohorts) {
      alive.put(cohort.segment() + " " + cohort.cohortMonth(), cohort.alive());
    }
    assertThat(alive.keySet())
        .containsExactlyInAnyOrder(
            "ALL 2024-01-01",
            "ALL 2024-03-01",
            "ent 2024-01-01",
            "smb 2024-01-01",
            "smb 2024-03-01");
    assertThat(alive.get("ALL 2024-01-01")).containsExactly(3, 3, 2, 1);
    assertThat(alive.get("ent 2024-01-01")).containsExactly(2, 2, 1, 1);
    assertThat(alive.get("smb 2024-01-01")).containsExactly(1, 1, 1, 0);
    assertThat(alive.get("ALL 2024-03-01")).containsExactly(1, 1);
    assertThat(alive.get("smb 2024-03-01")).containsExactly(1, 1);
  }

  static Row month(String account, String month, int mrr) {
    return RowFactory.create(account, Date.valueOf(month), new BigDecimal(mrr));
  }
}
