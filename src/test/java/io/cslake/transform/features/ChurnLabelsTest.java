package io.cslake.transform.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import java.math.BigDecimal;
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
 * Hand-worked labels, H = 90 days, grace = 30 days, data up to 2024-12-31. Snapshots: Jan 31, Mar
 * 31, Jun 30, Sep 30 and Oct 31 2024. A snapshot is observable when as_of + 120 days <= Dec 31,
 * i.e. up to Jun 30 (Sep 30 + 120 = 2025-01-28).
 *
 * <ul>
 *   <li>A: one open line — never churns.
 *   <li>B: Jan 1 to Apr 15, nothing after — churns Apr 15 (Jan 31 + 90 = Apr 30: inside).
 *   <li>C: Jan 1 to May 1, then May 20 open — back within the 30-day grace: no churn.
 *   <li>D: Jan 1 to May 1, then Jun 15 open — 45 days out: churns May 1; Jan 31's horizon ends Apr
 *       30 (0), Mar 31's Jun 29 (1); active again on Jun 30 (0).
 *   <li>E: open line, churn event Jul 10 — Jun 30's horizon (to Sep 28) holds it.
 *   <li>F: a line worth 0 — never active, no rows.
 *   <li>G: Feb 1 to Mar 31 (exclusive) — active on no snapshot date.
 * </ul>
 */
class ChurnLabelsTest extends SparkTestBase {
  static final List<String> DATES =
      List.of("2024-01-31", "2024-03-31", "2024-06-30", "2024-09-30", "2024-10-31");

  @Test
  void labelsFollowTheHandCalculation() {
    Dataset<Row> subs =
        spark.createDataFrame(
            List.of(
                line("A", "2024-01-01", null, "100"),
                line("B", "2024-01-01", "2024-04-15", "100"),
                line("C", "2024-01-01", "2024-05-01", "100"),
                line("C", "2024-05-20", null, "100"),
                line("D", "2024-01-01", "2024-05-01", "100"),
                line("D", "2024-06-15", null, "100"),
                line("E", "2024-01-01", null, "100"),
                line("F", "2024-01-01", null, "0"),
                line("G", "2024-02-01", "2024-03-31", "100")),
            Frames.contractSchema(Source.SUBSCRIPTIONS));
    Dataset<Row> events =
        spark.createDataFrame(
            List.of(
                RowFactory.create(
                    "E", java.sql.Timestamp.valueOf("2024-07-10 09:30:00"), "competitor")),
            Frames.contractSchema(Source.CHURN_EVENTS));

    List<String> actual = new ArrayList<>();
    for (Row r :
        ChurnLabels.compute(subs, events, snapshots(), 90, 30, LocalDate.of(2024, 12, 31))
            .orderBy(ChurnLabels.ACCOUNT_ID, ChurnLabels.AS_OF_DATE)
            .collectAsList()) {
      actual.add(
          r.getString(0)
              + " "
              + r.getDate(1)
              + " "
              + r.getInt(2)
              + " "
              + r.get(3)
              + " "
              + r.getBoolean(4));
    }

    assertThat(actual)
        .containsExactly(
            "A 2024-01-31 0 null true",
            "A 2024-03-31 0 null true",
            "A 2024-06-30 0 null true",
            "A 2024-09-30 0 null false",
            "A 2024-10-31 0 null false",
            "B 2024-01-31 1 2024-04-15 true",
            "B 2024-03-31 1 2024-04-15 true",
            "C 2024-01-31 0 null true",
            "C 2024-03-31 0 null true",
            "C 2024-06-30 0 null true",
            "C 2024-09-30 0 null false",
            "C 2024-10-31 0 null false",
            "D 2024-01-31 0 null true",
            "D 2024-03-31 1 2024-05-01 true",
            "D 2024-06-30 0 null true",
            "D 2024-09-30 0 null false",
            "D 2024-10-31 0 null false",
            "E 2024-01-31 0 null true",
            "E 2024-03-31 0 null true",
            "E 2024-06-30 1 2024-07-10 true",
            "E 2024-09-30 0 null false",
            "E 2024-10-31 0 null false");
  }

  static Dataset<Row> snapshots() {
    List<Row> rows = new ArrayList<>();
    for (String d : DATES) {
      rows.add(RowFactory.create(Date.valueOf(d)));
    }
    return spark.createDataFrame(
        rows, new StructType().add(ChurnLabels.AS_OF_DATE, DataTypes.DateType, false));
  }

  static Row line(String account, String start, String end, String mrr) {
    return RowFactory.create(
        account,
        Date.valueOf(start),
        end == null ? null : Date.valueOf(end),
        new BigDecimal(mrr),
        null,
        null,
        account + start,
        "core",
        null,
        null,
        "USD");
  }
}
