package io.cslake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code cslake ingest} with a foreign usage source mapped by expressions: good mappings load, and
 * every kind of bad mapping is refused before anything is written, with exit 3 and a message naming
 * the source, the field and the expression.
 */
class IngestCommandTest extends SparkTestBase {
  static Path inputs;

  @BeforeAll
  static void writeInputs() throws IOException {
    inputs = newDir("mapping-in");
    Path accounts = inputs.resolve("accounts/a.csv");
    Files.createDirectories(accounts.getParent());
    Files.writeString(accounts, "account_id,created_at\nA1,2024-01-01\nA2,2024-01-02\n");
    Path subs = inputs.resolve("subscriptions/s.csv");
    Files.createDirectories(subs.getParent());
    Files.writeString(subs, "account_id,start_date,mrr\nA1,2024-01-01,10\nA2,2024-01-01,20\n");
    StructType foreign =
        new StructType()
            .add("tenant_id", DataTypes.StringType)
            .add("uid", DataTypes.LongType)
            .add("ts", DataTypes.LongType)
            .add("kind", DataTypes.StringType)
            .add("tags", DataTypes.createArrayType(DataTypes.StringType))
            .add("secs", DataTypes.IntegerType);
    long t = Timestamp.valueOf("2024-03-01 10:00:00").getTime();
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("A1", 7L, t, "login", List.of("x"), 30));
    rows.add(RowFactory.create("A1", 8L, t + 3_600_000L, "view", List.of("y"), 120));
    rows.add(RowFactory.create("A2", 9L, t + 86_400_000L, "login", List.of(), 5));
    spark
        .createDataFrame(rows, foreign)
        .coalesce(1)
        .write()
        .parquet(inputs.resolve("events").toString());
  }

  static String[] args(Path lake, String... mapping) {
    List<String> args = new ArrayList<>();
    args.add("ingest");
    args.add("--as-of");
    args.add("2024-12-31");
    for (String s :
        List.of(
            "cslake.lakehouse=" + lake,
            "cslake.spark.master=local[2]",
            "cslake.spark.shuffle-partitions=2",
            "cslake.sources.accounts.path=" + inputs.resolve("accounts"),
            "cslake.sources.accounts.format=csv",
            "cslake.sources.accounts.options.header=true",
            "cslake.sources.subscriptions.path=" + inputs.resolve("subscriptions"),
            "cslake.sources.subscriptions.format=csv",
            "cslake.sources.subscriptions.options.header=true",
            "cslake.sources.usage_events.path=" + inputs.resolve("events"),
            "cslake.sources.usage_events.fields.account_id=tenant_id",
            "cslake.sources.usage_events.fields.user_id=\"concat('u', uid)\"",
            "cslake.sources.usage_events.fields.event_type=kind",
            "cslake.sources.usage_events.fields.duration_sec=secs")) {
      args.add("--set");
      args.add(s);
    }
    for (String s : mapping) {
      args.add("--set");
      args.add(s);
    }
    return args.toArray(String[]::new);
  }

  @Test
  void aForeignSourceMappedByExpressionsIsIngested() {
    Path lake = newDir("mapping-ok");
    MainTest.Result result =
        MainTest.run(
            args(
                lake,
                "cslake.sources.usage_events.fields.event_time=timestamp_millis(ts)",
                "cslake.sources.usage_events.fields.feature=\"element_at(tags, 1)\""));
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("usage_events").contains("accounts");
    List<Row> events =
        spark
            .read()
            .format("delta")
            .load(lake.resolve("silver/usage_events").toString())
            .orderBy("event_time")
            .collectAsList();
    assertThat(events).hasSize(3);
    assertThat(events.get(0).<String>getAs("user_id")).isEqualTo("u7");
    assertThat(events.get(0).<String>getAs("feature")).isEqualTo("x");
    assertThat(events.get(0).<Timestamp>getAs("event_time"))
        .isEqualTo(Timestamp.valueOf("2024-03-01 10:00:00"));
    assertThat(events.get(2).<Object>getAs("feature")).isNull();
    assertThat(events.get(1).<Double>getAs("duration_sec")).isEqualTo(120.0);
  }

  @Test
  void anUnknownColumnIsRefused() {
    assertRefused("event_time", "timestamp_millis(tsx)", "tsx", "cannot be resolved");
  }

  @Test
  void reflectIsRefused() {
    assertRefused(
        "event_type",
        "reflect('java.lang.System', 'getenv', 'HOME')",
        "reflect",
        "reaches outside");
  }

  @Test
  void javaMethodIsRefused() {
    assertRefused(
        "event_type",
        "java_method('java.lang.System', 'getProperty', 'user.home')",
        "java_method",
        "reaches outside");
  }

  @Test
  void aSubqueryIsRefused() {
    assertRefused("event_type", "(select max(id) from range(3))", "subquery", "subquery");
  }

  @Test
  void aFunctionSparkDoesNotShipIsRefused() {
    assertRefused("event_type", "my_udf(kind)", "my_udf", "not a Spark SQL built-in");
  }

  /** Every hostile expression, as a mapping and as a filter, is refused before any data is read. */
  @ParameterizedTest
  @MethodSource("io.cslake.HostileExpressions#all")
  void everyHostileExpressionIsRefusedAsAMapping(String expression, String mention) {
    assertRefused("event_type", expression, mention);
  }

  @ParameterizedTest
  @MethodSource("io.cslake.HostileExpressions#all")
  void everyHostileExpressionIsRefusedAsAFilter(String expression, String mention) {
    Path lake = newDir("mapping-bad-filter");
    MainTest.Result result =
        MainTest.run(
            args(
                lake,
                "cslake.sources.usage_events.fields.event_time=timestamp_millis(ts)",
                "cslake.sources.usage_events.filter=\"" + expression + "\""));
    assertThat(result.exitCode()).as(result.err()).isEqualTo(3);
    assertThat(result.err())
        .contains("filter of source 'usage_events'")
        .contains(mention)
        .doesNotContain("\tat ")
        .doesNotContain("Exception");
    assertThat(Files.exists(lake.resolve("silver"))).isFalse();
  }

  @Test
  void theWrongTypeIsRefused() {
    assertRefused("event_time", "tags", "array<string>", "contract type timestamp");
  }

  @Test
  void anAggregateIsRefused() {
    assertRefused("event_time", "max(timestamp_millis(ts))", "max", "one value per row");
  }

  @Test
  void aNonBooleanFilterIsRefused() {
    Path lake = newDir("mapping-bad-filter");
    MainTest.Result result =
        MainTest.run(
            args(
                lake,
                "cslake.sources.usage_events.fields.event_time=timestamp_millis(ts)",
                "cslake.sources.usage_events.filter=secs"));
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.err()).contains("filter of source 'usage_events'").contains("not a boolean");
  }

  private void assertRefused(String field, String expression, String... mentions) {
    Path lake = newDir("mapping-bad");
    String value = "\"" + expression.replace("\"", "\\\"") + "\"";
    List<String> mapping = new ArrayList<>();
    if (!field.equals("event_time")) {
      mapping.add("cslake.sources.usage_events.fields.event_time=timestamp_millis(ts)");
    }
    mapping.add("cslake.sources.usage_events.fields." + field + "=" + value);
    MainTest.Result result = MainTest.run(args(lake, mapping.toArray(String[]::new)));

    assertThat(result.exitCode()).as(result.err()).isEqualTo(3);
    assertThat(result.err())
        .contains("source 'usage_events'")
        .contains("cslake.sources.usage_events.fields." + field)
        .contains(expression)
        .doesNotContain("\tat ")
        .doesNotContain("Exception");
    for (String mention : mentions) {
      assertThat(result.err()).contains(mention);
    }
    // refused before anything was ingested: not even the accounts (checked first) were written
    assertThat(Files.exists(lake.resolve("silver"))).isFalse();
    assertThat(Files.exists(lake.resolve("_runs"))).isFalse();
  }
}
