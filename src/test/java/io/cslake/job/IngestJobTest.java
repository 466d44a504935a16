package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.table.Lakehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Ingest on hand-written CSV inputs carrying one bad row for each validation rule: each lands in
 * the quarantine under its rule, the accounting holds per source, and a second run changes nothing.
 */
class IngestJobTest extends SparkTestBase {

  static final String ACCOUNTS =
      """
      account_id,created_at,name,segment,plan
      A1,2024-01-05 00:00:00,Acme,smb,pro
      A2,2024-02-01T10:00:00Z,Beta,enterprise,basic
      A3,2024-03-01,Gamma,smb,pro
      ,2024-01-01,NoId,smb,pro
      A4,not-a-date,Bad,smb,pro
      A5,2025-07-02 00:00:00,Future,smb,pro
      A6,2025-07-01 23:00:00,Tolerated,smb,pro
      A1,2024-01-05 00:00:00,Acme,smb,pro
      """;

  static final String SUBSCRIPTIONS =
      """
      account_id,start_date,end_date,mrr,amount,billing_period_months,subscription_id,product_id,plan,seats,currency
      A1,2024-01-01,,100,,,S1,core,pro,5,USD
      A2,2024-02-01,2025-02-01,,1200,12,S2,core,basic,10,EUR
      A3,2024-03-01,2024-02-01,50,,,S3,core,pro,1,USD
      A1,2024-05-01,,-10,,,S4,addon,pro,1,USD
      A9,2024-01-01,,10,,,S5,core,pro,1,USD
      A2,2024-01-01,,,100,0,S6,core,pro,1,USD
      A3,2024-01-01,,,,,S7,core,pro,1,USD
      A3,2024-01-01,,abc,,,S8,core,pro,1,USD
      A4,2024-01-01,,10,,,S9,core,pro,1,USD
      """;

  static final String SURVEYS =
      """
      account_id,responded_at,survey_type,score,user_id,comment
      A1,2025-01-10 09:00:00,nps,9,U1,"great, love it"
      A1,2025-01-11 09:00:00,NPS,11,U2,meh
      A2,2025-01-12 09:00:00,csat,3.5,U3,ok
      A2,2025-01-12 09:00:00,foo,3,U3,ok
      A3,2025-01-13 09:00:00,csat,5,U4,good
      A3,2025-01-13 10:00:00,onboarding,0,U4,bad
      """;

  static final String CONTACTS =
      """
      contact_id,account_id,role,started_at,ended_at
      C1,A1,champion,2024-01-05,2025-03-01
      C2,A1,CEO,2024-01-05,
      C3,A2,admin,2024-05-01,2024-04-01
      """;

  static Path writeInputs(Path dir) throws IOException {
    write(dir.resolve("accounts/part-0.csv"), ACCOUNTS);
    write(dir.resolve("subscriptions/part-0.csv"), SUBSCRIPTIONS);
    write(dir.resolve("surveys/part-0.csv"), SURVEYS);
    write(dir.resolve("contacts/part-0.csv"), CONTACTS);
    return dir;
  }

  static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
  }

  static CslakeConfig csvConfig(Path inputs, Path lakehouse, String... more) {
    List<String> sets = new ArrayList<>();
    for (String source : List.of("accounts", "subscriptions", "surveys", "contacts")) {
      sets.add("cslake.sources." + source + ".path=" + inputs.resolve(source));
      sets.add("cslake.sources." + source + ".format=csv");
      sets.add("cslake.sources." + source + ".options.header=true");
    }
    sets.add("cslake.sources.accounts.attributes=[plan]");
    sets.add("cslake.as-of=2025-06-30");
    sets.add("cslake.ingest.max-quarantine-fraction=1.0");
    sets.addAll(List.of(more));
    return TestConfigs.of(lakehouse, sets.toArray(String[]::new));
  }

  static IngestJob.Report ingest(CslakeConfig config) {
    return IngestJob.run(JobContext.create(spark, config, "ingest"));
  }

  @Test
  void quarantinesEachBadRowUnderItsRuleAndAccountsForEveryRow() throws IOException {
    Path inputs = writeInputs(newDir("ingest-in"));
    Path lake = newDir("ingest-lake");
    IngestJob.Report report = ingest(csvConfig(inputs, lake));

    Map<String, Map<String, Long>> expected = new HashMap<>();
    expected.put(
        "accounts",
        Map.of("required_null", 1L, "not_castable", 1L, "future_timestamp", 1L, "duplicate", 1L));
    expected.put(
        "subscriptions",
        Map.of(
            "end_before_start", 1L,
            "negative_value", 1L,
            "unknown_account", 2L,
            "out_of_scale", 1L,
            "required_null", 1L,
            "not_castable", 1L));
    expected.put("surveys", Map.of("out_of_scale", 3L, "unknown_category", 1L));
    expected.put("contacts", Map.of("unknown_category", 1L, "end_before_start", 1L));
    Map<String, long[]> counts =
        Map.of(
            "accounts", new long[] {8, 4, 3, 1},
            "subscriptions", new long[] {9, 2, 7, 0},
            "surveys", new long[] {6, 2, 4, 0},
            "contacts", new long[] {3, 1, 2, 0});

    Lakehouse lakehouse = new Lakehouse(lake.toString());
    Dataset<Row> runs =
        spark
            .read()
            .format("delta")
            .load(lakehouse.runs())
            .filter("run_id = '" + report.runId() + "'");
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      Row row = runs.filter(runs.col("source").equalTo(e.getKey())).first();
      long[] c = e.getValue();
      assertThat(row.<Long>getAs("rows_read")).as(e.getKey() + " read").isEqualTo(c[0]);
      assertThat(row.<Long>getAs("rows_accepted")).as(e.getKey() + " accepted").isEqualTo(c[1]);
      assertThat(row.<Long>getAs("rows_quarantined")).as(e.getKey()).isEqualTo(c[2]);
      assertThat(row.<Long>getAs("rows_duplicate")).as(e.getKey()).isEqualTo(c[3]);
      assertThat(c[0]).isEqualTo(c[1] + c[2] + c[3]);
      Map<String, Long> byRule = row.getJavaMap(row.fieldIndex("quarantined_by_rule"));
      assertThat(byRule).as(e.getKey() + " by rule").isEqualTo(expected.get(e.getKey()));

      // the quarantine holds exactly those rows, under the same rules
      Map<String, Long> quarantined =
          spark
              .read()
              .format("delta")
              .load(lakehouse.quarantine())
              .filter("source = '" + e.getKey() + "'")
              .groupBy("rule")
              .count()
              .collectAsList()
              .stream()
              .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
      assertThat(quarantined).as(e.getKey() + " quarantine").isEqualTo(expected.get(e.getKey()));
    }
    Row commandRow = runs.filter(runs.col("source").isNull()).first();
    assertThat(commandRow.<String>getAs("status")).isEqualTo("success");
    assertThat(report.skipped()).contains(Source.USAGE_EVENTS, Source.INVOICES);

    // what was accepted, typed and normalised
    List<String> ids =
        spark
            .read()
            .format("delta")
            .load(lakehouse.silver("accounts"))
            .orderBy("account_id")
            .collectAsList()
            .stream()
            .map(r -> r.<String>getAs("account_id"))
            .toList();
    assertThat(ids).containsExactly("A1", "A2", "A3", "A6");
    assertThat(spark.read().format("delta").load(lakehouse.silver("accounts")).columns())
        .contains("plan");
    Row annual =
        spark
            .read()
            .format("delta")
            .load(lakehouse.silver("subscriptions"))
            .filter("subscription_id = 'S2'")
            .first();
    assertThat(annual.<java.math.BigDecimal>getAs("amount")).isEqualByComparingTo("1200");
    assertThat(annual.<Integer>getAs("billing_period_months")).isEqualTo(12);
    List<String> types =
        spark
            .read()
            .format("delta")
            .load(lakehouse.silver("surveys"))
            .orderBy("score")
            .collectAsList()
            .stream()
            .map(r -> r.<String>getAs("survey_type"))
            .toList();
    assertThat(types).containsExactly("csat", "nps");

    // the raw row is kept as JSON
    String record =
        spark
            .read()
            .format("delta")
            .load(lakehouse.quarantine())
            .filter("rule = 'not_castable' and source = 'accounts'")
            .first()
            .getAs("record");
    assertThat(record).contains("not-a-date").contains("\"account_id\":\"A4\"");
  }

  @Test
  void aSecondIdenticalRunChangesNoTable() throws IOException {
    Path inputs = writeInputs(newDir("rerun-in"));
    Path lake = newDir("rerun-lake");
    CslakeConfig config = csvConfig(inputs, lake);
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    ingest(config);
    Map<String, List<Row>> before = snapshot(lakehouse);
    ingest(config);
    Map<String, List<Row>> after = snapshot(lakehouse);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (String table : before.keySet()) {
      assertThat(after.get(table)).as(table).containsExactlyInAnyOrderElementsOf(before.get(table));
    }
    long runs =
        spark.read().format("delta").load(lakehouse.runs()).filter("source is null").count();
    assertThat(runs).isEqualTo(2);
  }

  private static Map<String, List<Row>> snapshot(Lakehouse lakehouse) {
    Map<String, List<Row>> tables = new HashMap<>();
    for (String source : List.of("accounts", "subscriptions", "surveys", "contacts")) {
      tables.put(
          source, spark.read().format("delta").load(lakehouse.silver(source)).collectAsList());
    }
    tables.put(
        "_quarantine", spark.read().format("delta").load(lakehouse.quarantine()).collectAsList());
    return tables;
  }

  @Test
  void aSourceAboveTheQuarantineLimitFailsWithItsCountsAndKeepsItsSilver() throws IOException {
    Path inputs = writeInputs(newDir("dirty-in"));
    Path lake = newDir("dirty-lake");
    assertThatThrownBy(
            () -> ingest(csvConfig(inputs, lake, "cslake.ingest.max-quarantine-fraction=0.5")))
        .isInstanceOfSatisfying(
            CslakeException.class,
            e -> assertThat(e.exitCode()).isEqualTo(CslakeException.CONTRACT))
        .hasMessageContaining("source 'subscriptions': 7 of 9 rows")
        .hasMessageContaining("source 'surveys': 4 of 6 rows")
        .hasMessageContaining("cslake.ingest.max-quarantine-fraction = 0.5");
    Lakehouse lakehouse = new Lakehouse(lake.toString());
    assertThat(Files.exists(Path.of(lakehouse.silver("subscriptions")))).isFalse();
    assertThat(Files.exists(Path.of(lakehouse.silver("contacts")))).isFalse();
    assertThat(spark.read().format("delta").load(lakehouse.silver("accounts")).count())
        .isEqualTo(4);
    Dataset<Row> runs = spark.read().format("delta").load(lakehouse.runs());
    assertThat(runs.filter("source = 'subscriptions' and status = 'failed'").count()).isEqualTo(1);
    assertThat(runs.filter("source is null and status = 'failed'").count()).isEqualTo(1);
    assertThat(
            spark
                .read()
                .format("delta")
                .load(lakehouse.quarantine())
                .filter("source = 'subscriptions'")
                .count())
        .isEqualTo(7);
  }

  @Test
  void requiredSourcesMustBeConfigured() {
    Path lake = newDir("required-lake");
    assertThatThrownBy(() -> ingest(TestConfigs.of(lake)))
        .isInstanceOfSatisfying(
            CslakeException.class,
            e -> assertThat(e.exitCode()).isEqualTo(CslakeException.CONTRACT))
        .hasMessageContaining("'accounts' has no path");
  }

  @Test
  void aPathThatDoesNotExistIsAContractError() throws IOException {
    Path inputs = writeInputs(newDir("nopath-in"));
    Path lake = newDir("nopath-lake");
    CslakeConfig config =
        csvConfig(inputs, lake, "cslake.sources.invoices.path=" + inputs.resolve("invoices"));
    assertThatThrownBy(() -> ingest(config))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("source 'invoices'")
        .hasMessageContaining("does not exist");
  }
}
