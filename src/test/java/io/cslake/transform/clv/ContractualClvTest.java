package io.cslake.transform.clv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.SparkTestBase;
import java.math.BigDecimal;
import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Contractual CLV per account, worked by hand. With a scoring horizon of three average months (H =
 * 91.3125 days) a churn probability p = 0.875 is a monthly hazard h = 1 − 0.125^(1/3) = 0.5, and
 * with a horizon of one month (H = 30.4375) h = p. Over N = 3 months at d = 0.25 and margin 0.8, q
 * = (1 − h) / (1 + d): h = 0.5 gives q = 0.4 and Σ q^t = 0.4 + 0.16 + 0.064 = 0.624, so an MRR of
 * 100 is worth 100 × 0.8 × 0.624 = 49.92; h = 0 gives q = 0.8 and Σ = 0.8 + 0.64 + 0.512 = 1.952,
 * so an MRR of 50 is worth 50 × 0.8 × 1.952 = 78.08.
 */
class ContractualClvTest extends SparkTestBase {
  static final double THREE_MONTHS = 3 * 365.25 / 12;
  static final ContractualClv.Settings SETTINGS =
      new ContractualClv.Settings(3, 0.25, 0.8, THREE_MONTHS);

  @Test
  void hazardLifetimeAndValueByHand() {
    assertThat(ContractualClv.monthlyHazard(0.875, THREE_MONTHS)).isCloseTo(0.5, within(1e-12));
    assertThat(ContractualClv.monthlyHazard(0.3, 365.25 / 12)).isCloseTo(0.3, within(1e-12));
    // The default scoring horizon of 90 days: 1 − 0.8^(30.4375 / 90).
    assertThat(ContractualClv.monthlyHazard(0.2, 90))
        .isCloseTo(1 - Math.exp(Math.log(0.8) * 30.4375 / 90), within(1e-12))
        .isCloseTo(0.072688, within(1e-6));
    assertThat(ContractualClv.monthlyHazard(1, 90)).isEqualTo(1.0);
    assertThat(ContractualClv.monthlyHazard(0, 90)).isEqualTo(0.0);

    assertThat(ContractualClv.expectedLifetimeMonths(0.5)).isEqualTo(2.0);
    assertThat(ContractualClv.expectedLifetimeMonths(1)).isEqualTo(1.0);
    assertThat(ContractualClv.expectedLifetimeMonths(0)).isInfinite();

    assertThat(ContractualClv.clv(100, 0.5, SETTINGS)).isCloseTo(49.92, within(1e-9));
    assertThat(ContractualClv.clv(50, 0, SETTINGS)).isCloseTo(78.08, within(1e-9));
    assertThat(ContractualClv.clv(100, 1, SETTINGS)).isZero();
    // No churn, no discount: N × MRR × margin.
    assertThat(ContractualClv.clv(10, 0, new ContractualClv.Settings(4, 0, 1, 90)))
        .isCloseTo(40, within(1e-12));
  }

  /**
   * As of 2024-06-30: A's latest score on or before it is 0.875 (the July score is ignored), its
   * MRR of June 100 (July's is after the as-of month); B never churns (p = 0) on 50; C is certain
   * to churn (p = 1) and its latest MRR is 0; D is scored but has no MRR; E has MRR but no score
   * (no row).
   */
  @Test
  void perAccountFromTheLatestScoreAndTheLatestMrr() {
    StructType scoreSchema =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("as_of_date", DataTypes.DateType)
            .add("churn_probability", DataTypes.DoubleType);
    Dataset<Row> scores =
        spark.createDataFrame(
            List.of(
                RowFactory.create("A", date("2024-03-31"), 0.9),
                RowFactory.create("A", date("2024-06-30"), 0.875),
                RowFactory.create("A", date("2024-07-31"), 0.1),
                RowFactory.create("B", date("2024-06-30"), 0.0),
                RowFactory.create("C", date("2024-05-31"), 1.0),
                RowFactory.create("D", date("2024-06-30"), 0.875)),
            scoreSchema);
    StructType mrrSchema =
        new StructType()
            .add("account_id", DataTypes.StringType)
            .add("month", DataTypes.DateType)
            .add("mrr", DataTypes.createDecimalType(18, 4));
    Dataset<Row> months =
        spark.createDataFrame(
            List.of(
                RowFactory.create("A", date("2024-05-01"), new BigDecimal("80")),
                RowFactory.create("A", date("2024-06-01"), new BigDecimal("100")),
                RowFactory.create("A", date("2024-07-01"), new BigDecimal("999")),
                RowFactory.create("B", date("2024-06-01"), new BigDecimal("50")),
                RowFactory.create("C", date("2024-04-01"), new BigDecimal("30")),
                RowFactory.create("C", date("2024-05-01"), new BigDecimal("0")),
                RowFactory.create("E", date("2024-06-01"), new BigDecimal("70"))),
            mrrSchema);

    Map<String, Row> rows =
        ClvSparkTest.byAccount(
            ContractualClv.compute(scores, months, SETTINGS, LocalDate.parse("2024-06-30")));

    assertThat(rows.keySet()).containsExactlyInAnyOrder("A", "B", "C", "D");
    Row a = rows.get("A");
    assertThat(a.<Double>getAs(ContractualClv.CHURN_PROBABILITY)).isEqualTo(0.875);
    assertThat(a.<Double>getAs(ContractualClv.CURRENT_MRR)).isEqualTo(100.0);
    assertThat(a.<Double>getAs(ContractualClv.MONTHLY_HAZARD)).isCloseTo(0.5, within(1e-12));
    assertThat(a.<Double>getAs(ContractualClv.EXPECTED_LIFETIME_MONTHS))
        .isCloseTo(2.0, within(1e-12));
    assertThat(a.<Double>getAs(ContractualClv.CONTRACTUAL_CLV)).isCloseTo(49.92, within(1e-9));
    Row b = rows.get("B");
    assertThat(b.<Double>getAs(ContractualClv.MONTHLY_HAZARD)).isZero();
    assertThat(b.<Double>getAs(ContractualClv.EXPECTED_LIFETIME_MONTHS)).isNull();
    assertThat(b.<Double>getAs(ContractualClv.CONTRACTUAL_CLV)).isCloseTo(78.08, within(1e-9));
    Row c = rows.get("C");
    assertThat(c.<Double>getAs(ContractualClv.CURRENT_MRR)).isZero();
    assertThat(c.<Double>getAs(ContractualClv.EXPECTED_LIFETIME_MONTHS)).isEqualTo(1.0);
    assertThat(c.<Double>getAs(ContractualClv.CONTRACTUAL_CLV)).isZero();
    Row d = rows.get("D");
    assertThat(d.<Double>getAs(ContractualClv.MONTHLY_HAZARD)).isCloseTo(0.5, within(1e-12));
    assertThat(d.<Double>getAs(ContractualClv.CURRENT_MRR)).isNull();
    assertThat(d.<Double>getAs(ContractualClv.CONTRACTUAL_CLV)).isNull();
  }

  private static Date date(String day) {
    return Date.valueOf(day);
  }
}
