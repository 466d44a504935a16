package io.cslake.table;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cslake.LakehouseContent;
import io.cslake.SparkTestBase;
import io.cslake.job.ScoreJob;
import io.cslake.job.TrainJob;
import io.cslake.table.TableGraph.Read;
import io.cslake.table.TableGraph.Stage;
import io.cslake.table.TableGraph.Table;
import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@link TableGraph} is true of the code: the tables a real run writes are the declared ones, with
 * the declared partition columns, written by the declared commands; the graph is acyclic and
 * closed; and the generated {@code docs/tables.json} and the graph in {@code docs/ARCHITECTURE.md}
 * are the declaration's.
 *
 * <p>The lakehouse checks ({@link #assertDeclares}) run on a lakehouse that a whole run wrote,
 * without running one here (minutes): {@code DistributedRunIT} checks its reference lakehouse (a
 * {@code demo} run) with them, and {@link #theDemosLakehouseHoldsTheDeclaredTables} checks {@code
 * target/demo-lakehouse} (or {@code -Dcslake.tables.lakehouse}) when {@code bin/test} or {@code
 * bin/cslake demo} has written it.
 */
public class TableGraphTest extends SparkTestBase {

  /**
   * Tables a command may commit to outside the {@code _runs} window of any command: {@code run}
   * rebuilds account_360 after clv ({@code RunCommand.runAll}), so it holds the newest CLV.
   */
  static final Set<String> WRITTEN_BY_RUN_ITSELF = Set.of("gold/account_360");

  @Test
  void namesAreUniqueAndTheJobsOwnConstants() {
    List<String> names = TableGraph.tables().stream().map(Table::name).toList();
    assertThat(names).doesNotHaveDuplicates();
    assertThat(TableGraph.MODEL_RUNS).isEqualTo(TrainJob.MODEL_RUNS);
    assertThat(TableGraph.CHURN_RISK_LATEST).isEqualTo(ScoreJob.LATEST);
    assertThat(TableGraph.HEALTH_BACKTEST).isEqualTo(ScoreJob.HEALTH_BACKTEST);
    Lakehouse lakehouse = new Lakehouse("/lake");
    for (Table t : TableGraph.tables()) {
      String path = "/lake/" + t.name();
      switch (t.layer()) {
        case SILVER -> assertThat(lakehouse.silver(t.name().substring(7))).isEqualTo(path);
        case GOLD -> assertThat(lakehouse.gold(t.name().substring(5))).isEqualTo(path);
        case OPERATIONAL ->
            assertThat(path).isIn(lakehouse.quarantine(), lakehouse.runs()).as(t.name());
        case INTERNAL -> assertThat(lakehouse.state(t.name().substring(7))).isEqualTo(path);
      }
      assertThat(t.writers()).as(t.name()).isNotEmpty().doesNotHaveDuplicates();
    }
  }

  @Test
  void everyReadIsADeclaredTableOtherThanItself() {
    Set<String> names = TableGraph.tables().stream().map(Table::name).collect(Collectors.toSet());
    for (Table t : TableGraph.tables()) {
      for (Read r : t.reads()) {
        assertThat(names).as(t.name() + " reads " + r.table()).contains(r.table());
        assertThat(r.table()).as(t.name()).isNotEqualTo(t.name());
      }
      assertThat(t.reads().stream().map(Read::table).toList()).as(t.name()).doesNotHaveDuplicates();
    }
  }

  @Test
  void theGraphHasNoCycleAndRequiredInputsComeFirst() {
    Map<String, Table> byName = new HashMap<>();
    TableGraph.tables().forEach(t -> byName.put(t.name(), t));
    // Depth-first search over reads; a table met again while on the path is a cycle.
    Set<String> done = new HashSet<>();
    for (Table t : TableGraph.tables()) {
      visit(t.name(), byName, new ArrayList<>(), done);
    }
    // Declared in the order run writes them: a table's required inputs are written before it.
    List<String> order = TableGraph.tables().stream().map(Table::name).toList();
    for (Table t : TableGraph.tables()) {
      for (Read r : t.reads()) {
        if (r.required()) {
          assertThat(order.indexOf(r.table()))
              .as(t.name() + " requires " + r.table())
              .isLessThan(order.indexOf(t.name()));
        }
      }
    }
  }

  private static void visit(
      String name, Map<String, Table> byName, List<String> path, Set<String> done) {
    assertThat(path).as("cycle: " + path + " -> " + name).doesNotContain(name);
    if (done.contains(name)) {
      return;
    }
    path.add(name);
    for (Read r : byName.get(name).reads()) {
      visit(r.table(), byName, path, done);
    }
    path.remove(path.size() - 1);
    done.add(name);
  }

  @Test
  void docsTablesJsonIsTheDeclaration() throws IOException {
    assertGenerated(Path.of(TableGraphFiles.JSON), TableGraphFiles.json());
  }

  @Test
  void theArchitectureGraphIsTheDeclaration() throws IOException {
    Path file = Path.of(TableGraphFiles.ARCHITECTURE);
    String text = Files.readString(file, StandardCharsets.UTF_8);
    int begin = text.indexOf(TableGraphFiles.GRAPH_BEGIN);
    int end = text.indexOf(TableGraphFiles.GRAPH_END);
    assertThat(begin).as("the generated graph's markers in " + file).isNotNegative();
    assertThat(end).isGreaterThan(begin);
    String expected =
        text.substring(0, begin)
            + TableGraphFiles.architectureBlock()
            + text.substring(end + TableGraphFiles.GRAPH_END.length());
    assertGenerated(file, expected);
  }

  /** Fails unless {@code file} holds {@code expected}; rewrites it under -Dcslake.tables.write. */
  private static void assertGenerated(Path file, String expected) throws IOException {
    if (Boolean.getBoolean("cslake.tables.write")) {
      Files.writeString(file, expected, StandardCharsets.UTF_8);
    }
    String actual = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    assertThat(actual)
        .as(
            file
                + " differs from TableGraph: rewrite it with mvn -o test -Dtest=TableGraphTest"
                + " -Dcslake.tables.write=true")
        .isEqualTo(expected);
  }

  @Test
  void theDemosLakehouseHoldsTheDeclaredTables() {
    Path lake =
        Path.of(System.getProperty("cslake.tables.lakehouse", "target/demo-lakehouse"))
            .toAbsolutePath();
    assumeTrue(
        Files.isDirectory(lake.resolve("_runs")),
        "no lakehouse of a whole run at " + lake + " (bin/test or bin/cslake demo writes one)");
    assertDeclares(spark, lake);
  }

  /**
   * Checks {@code lake}, written by one or more whole runs ({@code run} or {@code demo}, each
   * command ending in success), against the declaration: every Delta table in it is declared, with
   * the declared partition columns; every table written every run is there, and so is every table
   * that a table there requires; each commit to a table happened while one of its declared writers
   * ran (the {@code _runs} rows of the commands give when each ran), and the commands in {@code
   * _runs} are its declared writers.
   */
  public static void assertDeclares(org.apache.spark.sql.SparkSession spark, Path lake) {
    Set<String> present = new TreeSet<>();
    for (Path table : LakehouseContent.tables(lake)) {
      present.add(lake.relativize(table).toString());
    }
    Map<String, Table> declared = new TreeMap<>();
    TableGraph.tables().forEach(t -> declared.put(t.name(), t));
    assertThat(present).as("tables in " + lake + " not declared").isSubsetOf(declared.keySet());
    for (Table t : TableGraph.tables()) {
      if (t.isWrittenEveryRun()) {
        assertThat(present).as("written every run").contains(t.name());
      }
      if (!present.contains(t.name())) {
        continue;
      }
      String path = lake.resolve(t.name()).toString();
      Row detail = DeltaTable.forPath(spark, path).detail().first();
      List<String> partitions = detail.getList(detail.fieldIndex("partitionColumns"));
      assertThat(partitions).as(t.name() + " partition columns").isEqualTo(t.partitionBy());
      for (Read r : t.reads()) {
        if (r.required()) {
          assertThat(present).as(t.name() + " requires " + r.table()).contains(r.table());
        }
      }
    }

    // When each command ran: its own _runs row (source null) has its start and end.
    List<Row> commands =
        spark
            .read()
            .format("delta")
            .load(lake.resolve(RunsTable.TABLE).toString())
            .filter(col(RunsTable.SOURCE).isNull())
            .select(RunsTable.COMMAND, RunsTable.STARTED_AT, RunsTable.ENDED_AT)
            .collectAsList();
    assertThat(commands).isNotEmpty();
    Set<String> runsWriters =
        declared.get(RunsTable.TABLE).writers().stream()
            .map(Stage::command)
            .collect(Collectors.toSet());
    assertThat(commands.stream().map(r -> r.getString(0)).collect(Collectors.toSet()))
        .as("commands recorded in _runs")
        .isSubsetOf(runsWriters);
    Map<String, Set<String>> writtenBy = new TreeMap<>();
    for (String name : present) {
      if (name.equals(RunsTable.TABLE)) {
        continue;
      }
      for (Row commit :
          DeltaTable.forPath(spark, lake.resolve(name).toString())
              .history()
              .select("version", "timestamp")
              .collectAsList()) {
        Timestamp at = commit.getTimestamp(1);
        String by = "run itself";
        for (Row c : commands) {
          if (!at.before(c.getTimestamp(1)) && !at.after(c.getTimestamp(2))) {
            by = c.getString(0);
          }
        }
        writtenBy.computeIfAbsent(name, k -> new TreeSet<>()).add(by);
      }
    }
    for (Map.Entry<String, Set<String>> e : writtenBy.entrySet()) {
      Set<String> allowed =
          declared.get(e.getKey()).writers().stream()
              .map(Stage::command)
              .collect(Collectors.toCollection(TreeSet::new));
      if (WRITTEN_BY_RUN_ITSELF.contains(e.getKey())) {
        allowed.add("run itself");
      }
      assertThat(e.getValue()).as(e.getKey() + " committed to by").isSubsetOf(allowed);
      assertThat(e.getValue())
          .as(e.getKey() + " committed to by")
          .contains(declared.get(e.getKey()).writer().command());
    }
  }
}
