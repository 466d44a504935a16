package io.cslake.cli;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.job.GenerateJob;
import io.cslake.table.Lakehouse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every command run again on the lakehouse it just wrote leaves every Delta table as it was: the
 * same rows (all of them, sorted, as JSON strings) and so the same row count.
 *
 * <p>One small generated company goes through {@code run} once (every stage, a model trained). Then
 * each command runs in pipeline order and the lakehouse is snapshotted before and after it: since
 * every command already ran once on the same inputs (in {@code run}) and no command writes a table
 * of an earlier stage, the command's second run must change nothing. {@code run} itself runs a
 * second time last. Only the columns below are left out of the comparison, each for a reason.
 */
class RerunIdempotencyTest extends SparkTestBase {
  static final LocalDate AS_OF = LocalDate.of(2026, 4, 30);

  /** Commands in pipeline order; each is run once more after {@code run}. */
  static final List<String> COMMANDS =
      List.of("ingest", "metrics", "features", "train", "score", "clv", "run");

  /**
   * Tables and columns that differ between two invocations by design, never compared:
   *
   * <ul>
   *   <li>{@code _runs}: the run log gains a row (or one per source) per invocation; that is its
   *       purpose (SPEC §4.3 row accounting per run).
   *   <li>{@code churn_risk_scores.scored_at} (and the copies in {@code churn_risk_latest}, {@code
   *       account_360}): re-scoring a date MERGEs the date's rows again and records when; every
   *       score in it is compared.
   *   <li>{@code health_backtest.computed_at}: when the backtest was computed; its AUCs are
   *       compared.
   *   <li>{@code clv_cohorts.fitted_at}, {@code clv_model_params.fitted_at}: when clv refitted the
   *       models (it refits on every run); the fitted parameters and predictions are compared.
   * </ul>
   */
  static final Set<String> EXCLUDED_TABLES = Set.of("_runs");

  static final Map<String, Set<String>> EXCLUDED_COLUMNS =
      Map.of(
          "gold/churn_risk_scores", Set.of("scored_at"),
          "gold/churn_risk_latest", Set.of("scored_at"),
          "gold/account_360", Set.of("scored_at"),
          "gold/health_backtest", Set.of("computed_at"),
          "gold/clv_cohorts", Set.of("fitted_at"),
          "gold/clv_model_params", Set.of("fitted_at"));

  static Path lake;
  static List<String> common;
  static MainTest.Result first;

  /** The lakehouse before and after each command's second run, and what the run printed. */
  static final Map<String, Map<String, List<String>>> BEFORE = new LinkedHashMap<>();

  static final Map<String, Map<String, List<String>>> AFTER = new LinkedHashMap<>();
  static final Map<String, MainTest.Result> RESULTS = new LinkedHashMap<>();

  @BeforeAll
  static void runEveryCommandTwice() {
    Path data = newDir("rerun-data");
    GenerateJob.run(
        spark,
        new GeneratorParams(
            150,
            18,
            LocalDate.of(2024, 11, 1),
            7,
            0.02,
            GeneratorParams.Format.PARQUET,
            data.toString(),
            Set.of()));
    lake = newDir("rerun-lake");
    common = new ArrayList<>();
    List<String> sets = new ArrayList<>();
    sets.add("cslake.lakehouse=" + lake);
    sets.add("cslake.spark.master=local[2]");
    sets.add("cslake.spark.shuffle-partitions=2");
    sets.add("cslake.as-of=" + AS_OF);
    sets.add("cslake.features.history-months=12");
    sets.add("cslake.model.trees=10");
    for (Source source : Source.values()) {
      sets.add("cslake.sources." + source.id() + ".path=" + data.resolve(source.id()));
    }
    for (String set : sets) {
      common.add("--set");
      common.add(set);
    }
    first = cli("run");
    assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
    Map<String, List<String>> state = snapshot();
    for (String command : COMMANDS) {
      BEFORE.put(command, state);
      RESULTS.put(command, cli(command));
      state = snapshot();
      AFTER.put(command, state);
    }
  }

  static MainTest.Result cli(String command) {
    List<String> args = new ArrayList<>(List.of(command));
    args.addAll(common);
    return MainTest.run(args.toArray(String[]::new));
  }

  /** Every Delta table under the lakehouse (relative path) and its rows as sorted JSON strings. */
  static Map<String, List<String>> snapshot() {
    Map<String, List<String>> tables = new TreeMap<>();
    try (Stream<Path> logs = Files.walk(lake)) {
      for (Path log : logs.filter(p -> p.getFileName().toString().equals("_delta_log")).toList()) {
        Path table = log.getParent();
        String name = lake.relativize(table).toString();
        if (EXCLUDED_TABLES.contains(name)) {
          continue;
        }
        Dataset<Row> rows = spark.read().format("delta").load(table.toString());
        Set<String> excluded = EXCLUDED_COLUMNS.getOrDefault(name, Set.of());
        List<Column> columns = new ArrayList<>();
        for (StructField f : rows.schema().fields()) {
          if (excluded.contains(f.name())) {
            continue;
          }
          // A map's entries come in the order they were built: compare them sorted.
          columns.add(
              f.dataType() instanceof MapType
                  ? array_sort(map_entries(col(f.name()))).as(f.name())
                  : col(f.name()));
        }
        List<String> json =
            new ArrayList<>(
                rows.select(to_json(struct(columns.toArray(Column[]::new))))
                    .as(org.apache.spark.sql.Encoders.STRING())
                    .collectAsList());
        json.sort(null);
        tables.put(name, json);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return tables;
  }

  @Test
  void theFirstRunWroteEveryStageAndTrainedAModel() {
    assertThat(first.out())
        .containsPattern("(?m)^train [0-9A-Za-z-]+ -> churn-")
        .containsPattern("(?m)^score [0-9A-Za-z-]+ as of " + AS_OF);
    Map<String, List<String>> tables = BEFORE.get("ingest");
    assertThat(tables.keySet())
        .contains(
            "_quarantine",
            "silver/accounts",
            "silver/usage_events",
            "gold/kpi_monthly",
            "gold/churn_features",
            "gold/model_runs",
            "gold/churn_risk_scores",
            "gold/account_360",
            "gold/playbook_alerts",
            "gold/clv");
    assertThat(tables.get("gold/model_runs")).hasSize(1);
    assertThat(tables.get("gold/churn_risk_scores")).isNotEmpty();
    // The exclusions name tables that exist, so they leave out something real.
    for (Map.Entry<String, Set<String>> e : EXCLUDED_COLUMNS.entrySet()) {
      assertThat(tables).containsKey(e.getKey());
      assertThat(spark.read().format("delta").load(lake.resolve(e.getKey()).toString()).columns())
          .as(e.getKey())
          .contains(e.getValue().toArray(String[]::new));
    }
    assertThat(Files.isDirectory(lake.resolve("_runs"))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest", "metrics", "features", "train", "score", "clv", "run"})
  void aSecondRunLeavesEveryTableAsItWas(String command) {
    MainTest.Result result = RESULTS.get(command);
    assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    Map<String, List<String>> before = BEFORE.get(command);
    Map<String, List<String>> after = AFTER.get(command);
    assertThat(after.keySet()).as("tables").isEqualTo(before.keySet());
    for (String table : before.keySet()) {
      assertThat(after.get(table)).as(table + " row count").hasSameSizeAs(before.get(table));
      if (after.get(table).equals(before.get(table))) {
        continue;
      }
      // Hash sets: List.removeAll is quadratic, far too slow on usage events.
      List<String> gone = new ArrayList<>(before.get(table));
      gone.removeAll(new java.util.HashSet<>(after.get(table)));
      List<String> come = new ArrayList<>(after.get(table));
      come.removeAll(new java.util.HashSet<>(before.get(table)));
      assertThat(come).as(table + ": rows changed").hasSameSizeAs(gone);
      // Rows that differ as text must differ only in floating-point noise.
      for (int i = 0; i < gone.size(); i++) {
        assertThat(sameWithinRounding(gone.get(i), come.get(i)))
            .as(table + ": row was\n" + gone.get(i) + "\nnow\n" + come.get(i))
            .isTrue();
      }
    }
  }

  private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

  /**
   * Whether two rows as JSON are the same but for numbers equal to a relative 1e-9. Spark's
   * floating-point sums are not bit-reproducible: the order in which a sum's terms arrive varies
   * between runs, so a double may differ in its last bits (14.466666666666669 and
   * 14.46666666666667); every other character must be the same.
   */
  static boolean sameWithinRounding(String a, String b) {
    Matcher ma = NUMBER.matcher(a);
    Matcher mb = NUMBER.matcher(b);
    int ia = 0;
    int ib = 0;
    while (true) {
      boolean fa = ma.find();
      boolean fb = mb.find();
      if (fa != fb) {
        return false;
      }
      if (!fa) {
        return a.substring(ia).equals(b.substring(ib));
      }
      if (!a.substring(ia, ma.start()).equals(b.substring(ib, mb.start()))) {
        return false;
      }
      if (!ma.group().equals(mb.group())) {
        double x = Double.parseDouble(ma.group());
        double y = Double.parseDouble(mb.group());
        if (Math.abs(x - y) > 1e-9 * Math.max(Math.abs(x), Math.abs(y)) + 1e-12) {
          return false;
        }
      }
      ia = ma.end();
      ib = mb.end();
    }
  }

  @Test
  void rowsAreComparedExactlyButForFloatingPointNoise() {
    assertThat(sameWithinRounding("{\"m\":14.466666666666669}", "{\"m\":14.46666666666667}"))
        .isTrue();
    assertThat(sameWithinRounding("{\"m\":14.46}", "{\"m\":14.47}")).isFalse();
    assertThat(sameWithinRounding("{\"d\":\"2026-04-29\"}", "{\"d\":\"2026-04-30\"}")).isFalse();
    assertThat(sameWithinRounding("{\"a\":\"x\",\"n\":1}", "{\"a\":\"y\",\"n\":1}")).isFalse();
    assertThat(sameWithinRounding("{\"n\":1}", "{\"n\":1,\"m\":2}")).isFalse();
  }

  @Test
  void aSecondTrainSaysTheModelIsAlreadyTrained() {
    MainTest.Result train = RESULTS.get("train");
    assertThat(train.out()).contains("already trained: " + modelVersion());
    assertThat(AFTER.get("run").get("gold/model_runs")).hasSize(1);
    assertThat(RESULTS.get("run").out()).doesNotContainPattern("(?m)^train [0-9A-Za-z-]+ -> ");
  }

  private static String modelVersion() {
    return spark
        .read()
        .format("delta")
        .load(new Lakehouse(lake.toString()).gold("model_runs"))
        .select("model_version")
        .first()
        .getString(0);
  }
}
