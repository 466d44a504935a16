package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.model.Candidates;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The features a model is fitted on are chosen on its training rows (issue 30): a column with no
 * value there (a young company's first surveys fall in the validation snapshot only) or one value
 * only is left out with why, whatever the other rows hold; the keys and labels are never features.
 */
class TrainJobSchemaTest extends SparkTestBase {

  private static final StructType SCHEMA =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("as_of_date", DataTypes.DateType)
          .add("label", DataTypes.IntegerType)
          .add("observable", DataTypes.BooleanType)
          .add("churn_date", DataTypes.DateType)
          .add("mrr", DataTypes.DoubleType)
          .add("nps_change", DataTypes.DoubleType)
          .add("referrals", DataTypes.LongType)
          .add("champion_left", DataTypes.BooleanType)
          .add("plan", DataTypes.StringType)
          .add("segment", DataTypes.StringType)
          .add("tags", DataTypes.createArrayType(DataTypes.StringType));

  private static Row row(
      String id,
      int label,
      Double mrr,
      Double npsChange,
      long referrals,
      boolean left,
      String plan) {
    return RowFactory.create(
        id,
        Date.valueOf(LocalDate.of(2024, 1, 31)),
        label,
        true,
        null,
        mrr,
        npsChange,
        referrals,
        left,
        plan,
        "smb",
        List.of("x"));
  }

  @Test
  void columnsWithoutTwoValuesInTheTrainingRowsAreLeftOutWithWhy() {
    Dataset<Row> training =
        spark.createDataFrame(
            List.of(
                row("a", 0, 100.0, null, 0, false, "pro"),
                row("b", 1, 250.0, null, 0, true, "basic"),
                row("c", 0, null, null, 0, false, "pro")),
            SCHEMA);
    List<String> left = new ArrayList<>();

    Candidates.Schema schema = TrainJob.schema(training, left);

    assertThat(schema.numeric()).containsExactly("mrr", "champion_left");
    assertThat(schema.categorical()).containsExactly("plan");
    assertThat(left)
        .containsExactlyInAnyOrder(
            "nps_change (no value in any training row)",
            "referrals (the same value, 0.0, in every training row)",
            "segment (the same value, smb, in every training row)",
            "tags (type array<string> is not a feature type)");
  }

  @Test
  void aColumnWithValuesInOtherRowsOnlyIsStillLeftOut() {
    Dataset<Row> all =
        spark.createDataFrame(
            List.of(
                row("a", 0, 100.0, null, 0, false, "pro"),
                row("b", 1, 250.0, null, 1, true, "basic"),
                row("c", 0, 80.0, -2.0, 2, false, "pro"),
                row("d", 1, 90.0, 3.0, 0, false, "basic")),
            SCHEMA);
    List<String> onAll = new ArrayList<>();
    List<String> onTraining = new ArrayList<>();

    Candidates.Schema fromAll = TrainJob.schema(all, onAll);
    Candidates.Schema fromTraining =
        TrainJob.schema(all.filter("account_id NOT IN ('c', 'd')"), onTraining);

    assertThat(fromAll.numeric()).contains("nps_change", "referrals");
    assertThat(fromTraining.numeric()).doesNotContain("nps_change").contains("referrals");
    assertThat(onTraining).contains("nps_change (no value in any training row)");
  }
}
