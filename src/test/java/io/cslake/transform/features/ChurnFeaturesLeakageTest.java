package io.cslake.transform.features;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.transform.engagement.EngagementRules;
import io.cslake.transform.experience.AccountExperience;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.LogicalRDD;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Point-in-time correctness of every feature family (SPEC §6.1): the features of a snapshot are the
 * same whether the world after the snapshot's day is what happened, deleted, rewritten, or filled
 * with extra rows dated at the first instant after it.
 */
class ChurnFeaturesLeakageTest extends SparkTestBase {
  static final LocalDate LAST_DAY = LocalDate.of(2025, 12, 31);
  static final LocalDate[] DAYS = {
    LocalDate.of(2025, 4, 30), LocalDate.of(2025, 7, 31), LocalDate.of(2025, 9, 30)
  };
  static GeneratedSilver world;
  static ChurnFeatures.Settings settings;

  /** One pass over every snapshot, on the real world. */
  static Dataset<Row> all;

  @BeforeAll
  static void generate() {
    GeneratorParams params =
        new GeneratorParams(
            80,
            14,
            LocalDate.of(2024, 11, 1),
            5,
            0.02,
            GeneratorParams.Format.PARQUET,
            "unused",
            Set.of());
    world = GeneratedSilver.generate(spark, params);
    settings =
        new ChurnFeatures.Settings(
            90,
            30,
            "USD",
            List.of("contract_type", "payment_method", "employee_band"),
            EngagementRules.defaults(),
            new AccountExperience.Settings(180));
    all = ChurnFeatures.compute(world.inputs(), snapshots(DAYS), LAST_DAY, settings).cache();
  }

  static Dataset<Row> snapshot(LocalDate day) {
    return all.filter(col(ChurnFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf(day))));
  }

  static Dataset<Row> snapshots(LocalDate... days) {
    List<Row> rows = new ArrayList<>();
    for (LocalDate d : days) {
      rows.add(org.apache.spark.sql.RowFactory.create(Date.valueOf(d)));
    }
    return spark.createDataFrame(
        rows,
        new org.apache.spark.sql.types.StructType()
            .add(ChurnFeatures.AS_OF_DATE, DataTypes.DateType));
  }

  @Test
  void dataAfterTheSnapshotChangesNoFeatureOfIt() {
    // Each snapshot alone, on a world rewritten after it, against the one pass over all three.
    for (LocalDate day : new LocalDate[] {DAYS[0], DAYS[2]}) {
      GeneratedSilver rewritten = world.rewrittenAfter(day);
      // The rewrite really changes the world after the day.
      assertThat(rewritten.userDays.count()).isNotEqualTo(world.userDays.count());
      assertThat(rewritten.sources.get(Source.SUPPORT_TICKETS).count())
          .isNotEqualTo(world.sources.get(Source.SUPPORT_TICKETS).count());

      Dataset<Row> expected = snapshot(day);
      Dataset<Row> actual =
          ChurnFeatures.compute(rewritten.inputs(), snapshots(day), LAST_DAY, settings).cache();
      long rows = expected.count();
      assertThat(rows).as("accounts active on %s", day).isGreaterThan(20);
      assertThat(actual.count()).isEqualTo(rows);
      assertThat(mismatches(expected, actual)).as("features that differ on %s", day).isEmpty();
      actual.unpersist();
    }
  }

  @Test
  void theComparisonSeesDataBeforeTheSnapshotChanging() {
    // The control: rewriting the world from three weeks before the snapshot must show.
    LocalDate day = DAYS[1];
    Dataset<Row> rewritten =
        ChurnFeatures.compute(
            world.rewrittenAfter(day.minusDays(21)).inputs(), snapshots(day), LAST_DAY, settings);
    assertThat(mismatches(snapshot(day), rewritten))
        .anyMatch(m -> m.startsWith(UsageTrendFeatures.EVENTS_RATIO_30_60 + ":"))
        .anyMatch(m -> m.startsWith(AccountExperience.TICKETS_90D + ":"));
  }

  @Test
  void everyFamilyIsPresentWithAllSources() {
    assertThat(all.columns())
        .contains(
            ChurnLabels.LABEL,
            BillingFeatures.MRR,
            BillingFeatures.FAILED_INVOICES_90D,
            ChurnFeatures.RENEWAL_IN_HORIZON,
            OrganizationFeatures.CHAMPION_LEFT_90D,
            UsageTrendFeatures.EVENTS_RATIO_30_60,
            UsageTrendFeatures.EVENTS_RATIO_TO_BASELINE,
            ChurnFeatures.FEATURE_BREADTH_CHANGE_30D,
            AccountExperience.LAST_NPS,
            AccountExperience.OPEN_TICKETS,
            AccountExperience.DAYS_SINCE_LAST_TOUCH,
            ChurnFeatures.ATTRIBUTE_PREFIX + "contract_type",
            "segment");
    // Every snapshot's rows come from the same pass: one row per account and date.
    assertThat(all.select(ChurnFeatures.ACCOUNT_ID, ChurnFeatures.AS_OF_DATE).distinct().count())
        .isEqualTo(all.count());
  }

  /**
   * The feature values (label columns aside) that differ between two frames keyed by account and
   * date: "column account_id as_of_date expected actual", at most 20. Numbers compare to a relative
   * 1e-9 (sums may run in another order).
   */
  static List<String> mismatches(Dataset<Row> expected, Dataset<Row> actual) {
    Set<String> skip =
        Set.of(
            ChurnFeatures.ACCOUNT_ID,
            ChurnFeatures.AS_OF_DATE,
            ChurnLabels.LABEL,
            ChurnLabels.CHURN_DATE,
            ChurnLabels.OBSERVABLE);
    Dataset<Row> e = expected.alias("e");
    Dataset<Row> a = actual.alias("a");
    Dataset<Row> joined =
        e.join(
                a,
                col("e." + ChurnFeatures.ACCOUNT_ID)
                    .equalTo(col("a." + ChurnFeatures.ACCOUNT_ID))
                    .and(
                        col("e." + ChurnFeatures.AS_OF_DATE)
                            .equalTo(col("a." + ChurnFeatures.AS_OF_DATE))),
                "full_outer")
            // Materialised once, its lineage cut: the examples below run one query per differing
            // column, and each would otherwise re-plan (and match against the cache) the whole
            // feature pipeline of both sides.
            .localCheckpoint();
    List<String> names = new ArrayList<>();
    List<Column> flags = new ArrayList<>();
    names.add("rows present on one side only");
    flags.add(
        col("e." + ChurnFeatures.ACCOUNT_ID)
            .isNull()
            .or(col("a." + ChurnFeatures.ACCOUNT_ID).isNull()));
    for (StructField f : expected.schema().fields()) {
      if (skip.contains(f.name())) {
        continue;
      }
      Column x = col("e." + f.name());
      Column y = col("a." + f.name());
      if (f.dataType() instanceof NumericType) {
        Column xd = x.cast(DataTypes.DoubleType);
        Column yd = y.cast(DataTypes.DoubleType);
        flags.add(
            x.isNull()
                .notEqual(y.isNull())
                .or(
                    abs(xd.minus(yd))
                        .gt(lit(1e-9).multiply(greatest(lit(1.0), abs(xd), abs(yd))))));
      } else {
        flags.add(x.eqNullSafe(y).equalTo(lit(false)));
      }
      names.add(f.name());
    }
    // One pass counts every column's differences; examples only for the columns that differ.
    List<Column> counts = new ArrayList<>();
    for (Column flag : flags) {
      counts.add(sum(when(flag, lit(1L)).otherwise(lit(0L))));
    }
    Row c =
        joined.agg(counts.get(0), counts.subList(1, counts.size()).toArray(Column[]::new)).first();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      if (c.getLong(i) == 0) {
        continue;
      }
      String name = names.get(i);
      StringBuilder line = new StringBuilder(name + ": " + c.getLong(i) + " rows");
      if (i > 0) {
        for (Row r :
            joined
                .filter(flags.get(i))
                .select(
                    col("e." + ChurnFeatures.ACCOUNT_ID),
                    col("e." + ChurnFeatures.AS_OF_DATE),
                    col("e." + name),
                    col("a." + name))
                .limit(2)
                .collectAsList()) {
          line.append(", e.g. ").append(r.get(0)).append(" ").append(r.get(1));
          line.append(" expected ").append(r.get(2)).append(" got ").append(r.get(3));
        }
      }
      out.add(line.toString());
    }
    ((LogicalRDD) joined.logicalPlan()).rdd().unpersist(false);
    return out;
  }
}
