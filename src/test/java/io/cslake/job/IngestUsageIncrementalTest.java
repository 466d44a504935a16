package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.table.Lakehouse;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Usage events are ingested by event date: a run after new days arrive re-reads only the days after
 * the watermark minus the lookback, and ends with the same silver and quarantine as a full ingest
 * of all the input.
 */
class IngestUsageIncrementalTest extends SparkTestBase {
  static final StructType EVENTS =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("user_id", DataTypes.StringType)
          .add("event_time", DataTypes.TimestampType)
          .add("event_type", DataTypes.StringType)
          .add("feature", DataTypes.StringType)
          .add("duration_sec", DataTypes.DoubleType);

  static Row event(String account, String user, String time, String type) {
    return RowFactory.create(
        account, user, time == null ? null : Timestamp.valueOf(time), type, "reports", 10.0);
  }

  static void writeEvents(Path folder, List<Row> rows) {
    spark
        .createDataFrame(rows, EVENTS)
        .coalesce(1)
        .write()
        .mode("append")
        .parquet(folder.toString());
  }

  /** A new input folder with accounts A1 and A2 (CSV), each with an open subscription line. */
  static Path twoAccounts(String name) throws IOException {
    Path inputs = newDir(name);
    IngestJobTest.write(
        inputs.resolve("accounts/a.csv"), "account_id,created_at\nA1,2024-01-01\nA2,2024-01-01\n");
    IngestJobTest.write(
        inputs.resolve("subscriptions/s.csv"),
        "account_id,start_date,mrr\nA1,2024-01-01,10\nA2,2024-01-01,20\n");
    return inputs;
  }

  static CslakeConfig config(Path inputs, Path lake) {
    return TestConfigs.of(
        lake,
        "cslake.as-of=2024-03-31",
        "cslake.ingest.max-quarantine-fraction=1",
        "cslake.ingest.usage-lookback-days=1",
        "cslake.sources.accounts.path=" + inputs.resolve("accounts"),
        "cslake.sources.accounts.format=csv",
        "cslake.sources.accounts.options.header=true",
        "cslake.sources.subscriptions.path=" + inputs.resolve("subscriptions"),
        "cslake.sources.subscriptions.format=csv",
        "cslake.sources.subscriptions.options.header=true",
        "cslake.sources.usage_events.path=" + inputs.resolve("usage_events"));
  }

  @Test
  void aNewDayReadsOnlyTheLookbackWindowAndMatchesAFullIngest() throws IOException {
    Path inputs = IngestUsageIncrementalTest.twoAccounts("usage-in");
    Path events = inputs.resolve("usage_events");
    List<Row> firstBatch = new ArrayList<>();
    for (int day = 1; day <= 5; day++) {
      firstBatch.add(event("A1", "u1", "2024-03-0" + day + " 09:00:00", "login"));
      firstBatch.add(event("A2", "u2", "2024-03-0" + day + " 17:30:00", "view"));
    }
    firstBatch.add(event("A1", "u1", null, "login")); // required_null
    firstBatch.add(event("A9", "u9", "2024-03-02 12:00:00", "login")); // unknown_account
    firstBatch.add(event("A1", "u1", "2024-03-03 09:00:00", "login")); // duplicate
    writeEvents(events, firstBatch);

    Path lake = newDir("usage-lake");
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    IngestJob.Report first =
        IngestJob.run(JobContext.create(spark, config(inputs, lake), "ingest"));
    IngestJob.SourceResult usage = usageOf(first);
    assertThat(usage.window()).isEmpty();
    assertThat(usage.counts().read()).isEqualTo(13);
    assertThat(usage.counts().accepted()).isEqualTo(10);
    assertThat(usage.counts().duplicates()).isEqualTo(1);

    // a new day arrives, with one late event of the day before
    writeEvents(
        events,
        List.of(
            event("A1", "u1", "2024-03-06 08:00:00", "login"),
            event("A2", "u3", "2024-03-06 11:00:00", "view"),
            event("A2", "u2", "2024-03-05 23:59:00", "view")));
    IngestJob.Report second =
        IngestJob.run(JobContext.create(spark, config(inputs, lake), "ingest"));
    usage = usageOf(second);
    // watermark 2024-03-05, lookback 1 day: 03-04 and later, plus the undated row
    assertThat(usage.window()).contains(LocalDate.of(2024, 3, 4));
    assertThat(usage.counts().read()).isEqualTo(2 + 2 + 1 + 2 + 1);
    assertThat(usage.counts().accepted()).isEqualTo(7);

    // the same as ingesting everything at once
    Path fresh = newDir("usage-fresh");
    IngestJob.run(JobContext.create(spark, config(inputs, fresh), "ingest"));
    Lakehouse full = new Lakehouse(fresh.toString());
    List<Row> incremental = silverEvents(lakehouse);
    assertThat(incremental).hasSize(13);
    assertThat(incremental).containsExactlyInAnyOrderElementsOf(silverEvents(full));
    assertThat(quarantineRules(lakehouse)).isEqualTo(quarantineRules(full));
    assertThat(quarantineRules(lakehouse))
        .isEqualTo(Map.of("required_null", 1L, "unknown_account", 1L, "duplicate", 1L));
  }

  private static IngestJob.SourceResult usageOf(IngestJob.Report report) {
    return report.sources().stream()
        .filter(r -> r.source() == Source.USAGE_EVENTS)
        .findFirst()
        .orElseThrow();
  }

  private static List<Row> silverEvents(Lakehouse lakehouse) {
    return spark.read().format("delta").load(lakehouse.silver("usage_events")).collectAsList();
  }

  private static Map<String, Long> quarantineRules(Lakehouse lakehouse) {
    return spark
        .read()
        .format("delta")
        .load(lakehouse.quarantine())
        .filter("source = 'usage_events'")
        .groupBy("rule")
        .count()
        .collectAsList()
        .stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
  }
}
