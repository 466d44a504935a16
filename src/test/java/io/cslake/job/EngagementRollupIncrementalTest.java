package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.table.Lakehouse;
import io.cslake.transform.engagement.AccountUsageDaily;
import io.cslake.transform.engagement.EngagementRules;
import io.cslake.transform.engagement.UserActivityDaily;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * The daily usage rollups are maintained by ingest from the events it validates, for the same dates
 * it re-reads: after a new day with a late event they equal a rollup of all the data from scratch,
 * the days before the lookback window are not rewritten, and re-ingesting the same input changes
 * nothing.
 */
class EngagementRollupIncrementalTest extends SparkTestBase {

  static Row event(String account, String user, String time, String type, String feature) {
    return RowFactory.create(account, user, Timestamp.valueOf(time), type, feature, 30.0);
  }

  @Test
  void rollupsAfterANewDayEqualAFullRollupAndAReRunChangesNothing() throws IOException {
    Path inputs = IngestUsageIncrementalTest.twoAccounts("rollup-in");
    Path events = inputs.resolve("usage_events");
    List<Row> first = new ArrayList<>();
    for (int day = 1; day <= 5; day++) {
      String date = "2024-03-0" + day;
      first.add(event("A1", "u1", date + " 09:00:00", "login", "core"));
      first.add(event("A1", "u1", date + " 09:10:00", "view", day % 2 == 0 ? "reports" : "alerts"));
      first.add(event("A2", "u2", date + " 17:30:00", "view", "dashboards"));
    }
    first.add(event("A2", "u3", "2024-03-02 10:00:00", "edit", "reports"));
    IngestUsageIncrementalTest.writeEvents(events, first);

    Path lake = newDir("rollup-lake");
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    IngestJob.run(
        JobContext.create(spark, IngestUsageIncrementalTest.config(inputs, lake), "ingest"));
    String userPath = lakehouse.silver(UserActivityDaily.TABLE);
    String accountPath = lakehouse.silver(AccountUsageDaily.TABLE);
    assertThat(spark.read().format("delta").load(userPath).count()).isEqualTo(5 + 5 + 1);

    // The files of the days before the window (watermark 03-05 minus 1 day of lookback).
    Date window = Date.valueOf(LocalDate.of(2024, 3, 4));
    String[] before = filesBefore(userPath, window);
    assertThat(before).isNotEmpty();

    // A new day, and a late event of the day before arriving with it.
    IngestUsageIncrementalTest.writeEvents(
        events,
        List.of(
            event("A1", "u1", "2024-03-06 08:00:00", "login", "core"),
            event("A2", "u4", "2024-03-06 11:00:00", "view", "automation"),
            event("A2", "u2", "2024-03-05 23:59:00", "create", "automation")));
    IngestJob.run(
        JobContext.create(spark, IngestUsageIncrementalTest.config(inputs, lake), "ingest"));
    assertThat(filesBefore(userPath, window)).containsExactlyInAnyOrder(before);

    // The same as ingesting everything at once, and as rolling silver usage_events up again.
    Path fresh = newDir("rollup-fresh");
    IngestJob.run(
        JobContext.create(spark, IngestUsageIncrementalTest.config(inputs, fresh), "ingest"));
    Lakehouse full = new Lakehouse(fresh.toString());
    Dataset<Row> userDays = delta(userPath);
    Dataset<Row> accountDays = delta(accountPath);
    Frames.assertSameRows(userDays, delta(full.silver(UserActivityDaily.TABLE)), 1e-9);
    Frames.assertSameRows(accountDays, delta(full.silver(AccountUsageDaily.TABLE)), 1e-9);
    Dataset<Row> scratch =
        UserActivityDaily.compute(
            delta(lakehouse.silver("usage_events")), EngagementRules.defaults());
    Frames.assertSameRows(userDays, scratch, 1e-9);
    Frames.assertSameRows(accountDays, AccountUsageDaily.compute(scratch), 1e-9);

    // 03-05 of A2: u2's view and the late create.
    Row a2 =
        accountDays
            .filter(
                col("account_id")
                    .equalTo("A2")
                    .and(col("event_date").equalTo(lit(Date.valueOf("2024-03-05")))))
            .first();
    assertThat(a2.<Long>getAs(AccountUsageDaily.EVENTS)).isEqualTo(2);
    assertThat(a2.getList(a2.fieldIndex(AccountUsageDaily.FEATURES)))
        .containsExactly("automation", "dashboards");

    // Re-ingesting the same input leaves both rollups as they were.
    List<Row> userRows = sorted(userDays);
    List<Row> accountRows = sorted(accountDays);
    IngestJob.run(
        JobContext.create(spark, IngestUsageIncrementalTest.config(inputs, lake), "ingest"));
    assertThat(sorted(delta(userPath))).isEqualTo(userRows);
    assertThat(sorted(delta(accountPath))).isEqualTo(accountRows);
  }

  private static Dataset<Row> delta(String path) {
    return spark.read().format("delta").load(path);
  }

  private static String[] filesBefore(String path, Date window) {
    String[] files =
        delta(path).filter(col(UserActivityDaily.EVENT_DATE).lt(lit(window))).inputFiles();
    Arrays.sort(files);
    return files;
  }

  private static List<Row> sorted(Dataset<Row> rows) {
    List<Row> list = new ArrayList<>(rows.collectAsList());
    list.sort((x, y) -> x.toString().compareTo(y.toString()));
    return list;
  }
}
