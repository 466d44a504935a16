package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * One more day of events after a full ingest reads that day and the lookback from the usage source,
 * not the days before: measured as the records Spark's tasks read while the second ingest runs.
 * Events land one file per day, as they do in a real lake, written with TIMESTAMP_MICROS timestamps
 * (what cslake's own writers and most engines use), so the Parquet row groups of older days are
 * skipped by their event_time statistics. (Legacy INT96 timestamps carry no statistics: such a
 * source is still ingested correctly, but every file is scanned.)
 */
class UsageReadOnceTest extends SparkTestBase {
  static final int PER_DAY = 200;

  @Test
  void aNewDayReadsOnlyItselfAndTheLookbackFromTheSource() throws Exception {
    Path inputs = IngestUsageIncrementalTest.twoAccounts("read-once-in");
    Path events = inputs.resolve("usage_events");
    String timestampType = "spark.sql.parquet.outputTimestampType";
    String previous = spark.conf().get(timestampType);
    spark.conf().set(timestampType, "TIMESTAMP_MICROS");
    try {
      for (int day = 1; day <= 20; day++) {
        IngestUsageIncrementalTest.writeEvents(events, day(day));
      }
    } finally {
      spark.conf().set(timestampType, previous);
    }
    Path lake = newDir("read-once-lake");
    IngestJob.run(JobContext.create(spark, config(inputs, lake, "2024-03-20"), "ingest"));

    spark.conf().set(timestampType, "TIMESTAMP_MICROS");
    try {
      IngestUsageIncrementalTest.writeEvents(events, day(21));
    } finally {
      spark.conf().set(timestampType, previous);
    }
    AtomicLong recordsRead = new AtomicLong();
    SparkListener listener =
        new SparkListener() {
          @Override
          public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            if (taskEnd.taskMetrics() != null) {
              recordsRead.addAndGet(taskEnd.taskMetrics().inputMetrics().recordsRead());
            }
          }
        };
    spark.sparkContext().addSparkListener(listener);
    IngestJob.Report second;
    try {
      second =
          IngestJob.run(JobContext.create(spark, config(inputs, lake, "2024-03-21"), "ingest"));
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }

    // Watermark Mar 20 minus 2 days of lookback: Mar 18..21, 4 days of 200 events.
    IngestJob.SourceResult usage =
        second.sources().stream()
            .filter(r -> r.source().id().equals("usage_events"))
            .findFirst()
            .orElseThrow();
    assertThat(usage.counts().read()).isEqualTo(4 * PER_DAY);
    // Everything the tasks read: the 800 events, the two small CSVs, Delta logs and the cached
    // rows' batches. A scan of every day would read 21 x 200 = 4,200 events on its own.
    assertThat(recordsRead.get())
        .as("records read by the incremental ingest")
        .isGreaterThanOrEqualTo(4 * PER_DAY)
        .isLessThan(4 * PER_DAY + 2 * PER_DAY);
  }

  private static List<Row> day(int day) {
    List<Row> rows = new ArrayList<>();
    String date = String.format(java.util.Locale.ROOT, "2024-03-%02d", day);
    for (int i = 0; i < PER_DAY; i++) {
      int second = i % 60;
      int minute = i / 60;
      rows.add(
          IngestUsageIncrementalTest.event(
              i % 2 == 0 ? "A1" : "A2",
              "u" + (i % 7),
              String.format(java.util.Locale.ROOT, "%s 10:%02d:%02d", date, minute, second),
              i % 5 == 0 ? "login" : "view"));
    }
    return rows;
  }

  private static CslakeConfig config(Path inputs, Path lake, String asOf) {
    return TestConfigs.of(
        lake,
        "cslake.as-of=" + asOf,
        "cslake.ingest.usage-lookback-days=2",
        "cslake.sources.accounts.path=" + inputs.resolve("accounts"),
        "cslake.sources.accounts.format=csv",
        "cslake.sources.accounts.options.header=true",
        "cslake.sources.subscriptions.path=" + inputs.resolve("subscriptions"),
        "cslake.sources.subscriptions.format=csv",
        "cslake.sources.subscriptions.options.header=true",
        "cslake.sources.usage_events.path=" + inputs.resolve("usage_events"));
  }
}
