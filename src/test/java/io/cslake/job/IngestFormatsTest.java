package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.TestTables;
import io.cslake.config.CslakeConfig;
import io.cslake.table.Lakehouse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The same input in every format gives the same silver table; lines a text reader cannot parse are
 * quarantined as {@code malformed_record}, never dropped.
 */
class IngestFormatsTest extends SparkTestBase {
  static final String ACCOUNTS =
      """
      account_id,created_at,name,segment
      A1,2024-01-05 00:00:00,Acme,smb
      A2,2024-02-01 10:00:00,Beta,enterprise
      A3,2024-03-01 00:00:00,Gamma,mid_market
      """;
  static final String SUBSCRIPTIONS =
      """
      account_id,start_date,mrr
      A1,2024-01-01,100.5
      A2,2024-02-01,20
      """;

  @Test
  void parquetDeltaJsonAndCsvGiveTheSameSilver() throws IOException {
    Path dir = newDir("formats");
    Path csv = dir.resolve("csv");
    IngestJobTest.write(csv.resolve("accounts/a.csv"), ACCOUNTS);
    IngestJobTest.write(csv.resolve("subscriptions/s.csv"), SUBSCRIPTIONS);
    Dataset<Row> accounts =
        spark.read().option("header", "true").csv(csv.resolve("accounts").toString());
    Dataset<Row> subscriptions =
        spark.read().option("header", "true").csv(csv.resolve("subscriptions").toString());
    accounts.write().parquet(dir.resolve("parquet/accounts").toString());
    subscriptions.write().parquet(dir.resolve("parquet/subscriptions").toString());
    accounts.write().format("delta").save(dir.resolve("delta/accounts").toString());
    subscriptions.write().format("delta").save(dir.resolve("delta/subscriptions").toString());
    accounts.write().json(dir.resolve("json/accounts").toString());
    subscriptions.write().json(dir.resolve("json/subscriptions").toString());

    List<Row> reference = null;
    for (String format : List.of("csv", "parquet", "delta", "json")) {
      Path lake = dir.resolve("lake-" + format);
      CslakeConfig config =
          TestConfigs.of(
              lake,
              "cslake.as-of=2025-01-01",
              "cslake.sources.accounts.path=" + dir.resolve(format + "/accounts"),
              "cslake.sources.accounts.format=" + format,
              "cslake.sources.accounts.options.header=true",
              "cslake.sources.subscriptions.path=" + dir.resolve(format + "/subscriptions"),
              "cslake.sources.subscriptions.format=" + format,
              "cslake.sources.subscriptions.options.header=true");
      IngestJob.Report report = IngestJob.run(JobContext.create(spark, config, "ingest"));
      assertThat(report.sources()).allSatisfy(r -> assertThat(r.counts().quarantined()).isZero());
      Lakehouse lakehouse = new Lakehouse(lake.toString());
      List<Row> silver =
          spark
              .read()
              .format("delta")
              .load(lakehouse.silver("accounts"))
              .join(
                  spark.read().format("delta").load(lakehouse.silver("subscriptions")),
                  "account_id")
              .orderBy("account_id")
              .collectAsList();
      assertThat(silver).as(format).hasSize(2);
      if (reference == null) {
        reference = silver;
      } else {
        assertThat(silver).as(format).containsExactlyElementsOf(reference);
      }
    }
  }

  @Test
  void linesThatDoNotParseAreQuarantinedAsMalformed() throws IOException {
    Path dir = newDir("malformed");
    IngestJobTest.write(dir.resolve("subscriptions/s.csv"), SUBSCRIPTIONS);
    Path accounts = dir.resolve("accounts/a.csv");
    Files.createDirectories(accounts.getParent());
    byte[] badUtf8 = {
      'A',
      '7',
      ',',
      '2',
      '0',
      '2',
      '4',
      '-',
      '0',
      '1',
      '-',
      '0',
      '1',
      ',',
      (byte) 0xC3,
      (byte) 0x28,
      ',',
      's',
      'm',
      'b',
      '\n'
    };
    String head =
        "account_id,created_at,name,segment\n"
            + "A1,2024-01-05 00:00:00,Acme,smb\n"
            + "A2,2024-02-01 10:00:00,Beta,enterprise,EXTRA,COLUMNS\n"
            + "A3,2024-03-01\n"
            + "A4,2024-03-01,\"unclosed quote,smb\n";
    byte[] all = new byte[head.getBytes(StandardCharsets.UTF_8).length + badUtf8.length];
    byte[] h = head.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(h, 0, all, 0, h.length);
    System.arraycopy(badUtf8, 0, all, h.length, badUtf8.length);
    Files.write(accounts, all);

    Path lake = dir.resolve("lake");
    CslakeConfig config =
        TestConfigs.of(
            lake,
            "cslake.as-of=2025-01-01",
            "cslake.ingest.max-quarantine-fraction=1",
            "cslake.sources.accounts.path=" + dir.resolve("accounts"),
            "cslake.sources.accounts.format=csv",
            "cslake.sources.accounts.options.header=true",
            "cslake.sources.subscriptions.path=" + dir.resolve("subscriptions"),
            "cslake.sources.subscriptions.format=csv",
            "cslake.sources.subscriptions.options.header=true");
    IngestJob.Report report = IngestJob.run(JobContext.create(spark, config, "ingest"));
    IngestJob.SourceResult result = report.sources().get(0);
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    // extra columns, a truncated line and an unclosed quote do not parse; the invalid UTF-8 byte
    // pair decodes to a replacement character and that row is otherwise sound
    assertThat(TestTables.sortedStrings(lakehouse.silver("accounts"), "account_id"))
        .containsExactly("A1", "A7");
    assertThat(TestTables.quarantinedByRule(lakehouse, "accounts"))
        .isEqualTo(Map.of("malformed_record", 3L));
    assertThat(result.counts().read()).isEqualTo(5);
    assertThat(result.counts().read())
        .isEqualTo(result.counts().accepted() + result.counts().quarantined());
    List<String> records = TestTables.sortedStrings(lakehouse.quarantine(), "record");
    assertThat(records.get(0)).startsWith("A2,").contains("EXTRA");
  }
}
