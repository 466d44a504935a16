package io.cslake.model;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cslake.SparkTestBase;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class TimeSplitTest extends SparkTestBase {
  static final StructType SCHEMA =
      new StructType()
          .add(TimeSplit.ACCOUNT_ID, DataTypes.StringType)
          .add(TimeSplit.AS_OF_DATE, DataTypes.DateType)
          .add(TimeSplit.LABEL, DataTypes.IntegerType)
          .add(TimeSplit.OBSERVABLE, DataTypes.BooleanType);

  @Test
  void theLatestObservableDateValidatesAndOnlyClosedLabelWindowsTrain() {
    List<Row> rows = new ArrayList<>();
    for (int m = 1; m <= 12; m++) {
      LocalDate end = LocalDate.of(2024, m, 1).plusMonths(1).minusDays(1);
      for (int a = 0; a < 3; a++) {
        rows.add(RowFactory.create("a" + a, Date.valueOf(end), a == 0 ? 1 : 0, true));
      }
    }
    // Later snapshots whose future is not observed yet never take part.
    rows.add(RowFactory.create("a0", Date.valueOf("2025-01-31"), 0, false));
    Dataset<Row> labelled = spark.createDataFrame(rows, SCHEMA);

    TimeSplit.Split split = TimeSplit.split(labelled, 120, 0.2, 7);

    assertThat(split.method()).isEqualTo(TimeSplit.Method.TIME);
    assertThat(split.validationDate()).isEqualTo(LocalDate.of(2024, 12, 31));
    // Aug 31 + 120 days = Dec 29 closes before Dec 31; Sep 30 + 120 = Jan 28 does not.
    assertThat(split.trainDates())
        .containsExactly(
            LocalDate.of(2024, 1, 31),
            LocalDate.of(2024, 2, 29),
            LocalDate.of(2024, 3, 31),
            LocalDate.of(2024, 4, 30),
            LocalDate.of(2024, 5, 31),
            LocalDate.of(2024, 6, 30),
            LocalDate.of(2024, 7, 31),
            LocalDate.of(2024, 8, 31));
    assertThat(split.train().count()).isEqualTo(8 * 3);
    assertThat(
            split.train().filter(col(TimeSplit.AS_OF_DATE).gt(Date.valueOf("2024-08-31"))).count())
        .isZero();
    assertThat(split.validation().count()).isEqualTo(3);
    assertThat(
            split
                .validation()
                .filter(col(TimeSplit.AS_OF_DATE).notEqual(Date.valueOf("2024-12-31")))
                .count())
        .isZero();
  }

  @Test
  void aSingleSnapshotFallsBackToAStratifiedHoldoutOfAccounts() {
    List<Row> rows = new ArrayList<>();
    for (int a = 0; a < 100; a++) {
      rows.add(RowFactory.create("acct-" + a, Date.valueOf("2024-06-30"), a < 20 ? 1 : 0, true));
    }
    TimeSplit.Split split = TimeSplit.split(spark.createDataFrame(rows, SCHEMA), 120, 0.2, 7);

    assertThat(split.method()).isEqualTo(TimeSplit.Method.STRATIFIED_HOLDOUT);
    // percent_rank within each label: 80 negatives -> ranks 64..79 validate (r/79 >= 0.8),
    // 20 positives -> ranks 16..19 (r/19 >= 0.8). The churn rate, 20 %, is kept on both sides.
    assertThat(split.validation().count()).isEqualTo(20);
    assertThat(split.validation().filter(col(TimeSplit.LABEL).equalTo(1)).count()).isEqualTo(4);
    assertThat(split.train().count()).isEqualTo(80);
    assertThat(split.train().filter(col(TimeSplit.LABEL).equalTo(1)).count()).isEqualTo(16);
    assertThat(accounts(split.train())).doesNotContainAnyElementsOf(accounts(split.validation()));
  }

  @Test
  void inTheFallbackAnAccountNeverSitsOnBothSides() {
    List<Row> rows = new ArrayList<>();
    for (int a = 0; a < 50; a++) {
      rows.add(RowFactory.create("acct-" + a, Date.valueOf("2024-05-31"), 0, true));
      rows.add(
          RowFactory.create("acct-" + a, Date.valueOf("2024-06-30"), a % 5 == 0 ? 1 : 0, true));
    }
    TimeSplit.Split split = TimeSplit.split(spark.createDataFrame(rows, SCHEMA), 120, 0.2, 11);

    assertThat(split.method()).isEqualTo(TimeSplit.Method.STRATIFIED_HOLDOUT);
    Set<String> train = accounts(split.train());
    Set<String> validation = accounts(split.validation());
    assertThat(train).doesNotContainAnyElementsOf(validation);
    assertThat(train.size() + validation.size()).isEqualTo(50);
    assertThat(split.train().count() + split.validation().count()).isEqualTo(100);
  }

  @Test
  void nothingObservableIsRefused() {
    Dataset<Row> none =
        spark.createDataFrame(
            List.of(RowFactory.create("a", Date.valueOf("2024-06-30"), 0, false)), SCHEMA);
    assertThatThrownBy(() -> TimeSplit.split(none, 120, 0.2, 7))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Set<String> accounts(Dataset<Row> rows) {
    Set<String> out = new HashSet<>();
    for (Row r : rows.select(TimeSplit.ACCOUNT_ID).distinct().collectAsList()) {
      out.add(r.getString(0));
    }
    return out;
  }
}
