package io.cslake;

import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.map_entries;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;

/**
 * The content of every Delta table of a lakehouse, for comparing two states of one lakehouse or two
 * lakehouses: each table's rows as sorted JSON strings (a map's entries sorted), without the
 * columns that record when something ran rather than what it computed. {@link #differences}
 * compares two snapshots, numbers to a relative tolerance: Spark's floating-point sums are not
 * bit-reproducible (the order in which a sum's terms arrive varies between runs and between a local
 * and a distributed run).
 */
public final class LakehouseContent {
  /** The run log: one row per invocation, by design; never compared. */
  public static final String RUN_LOG = "_runs";

  /**
   * Columns holding the wall-clock time of the invocation that wrote the row (re-scoring a date
   * MERGEs its rows again and records when; clv refits on every run; the health backtest records
   * when it ran). Everything else in those rows is compared.
   */
  public static final Set<String> WHEN_COLUMNS = Set.of("scored_at", "computed_at", "fitted_at");

  /**
   * Columns that name the invocation itself, which two separate runs cannot share: run ids, the
   * model version (a timestamp) and its folder, and the times of the run's events.
   */
  public static final Set<String> RUN_COLUMNS =
      Set.of(
          "run_id",
          "model_version",
          "artifact_path",
          "trained_at",
          "quarantined_at",
          "opened_at",
          "closed_at");

  private LakehouseContent() {}

  /**
   * Every Delta table under {@code lake} but the run log (relative path to its rows as sorted JSON
   * strings), without the {@code excluded} columns.
   */
  public static Map<String, List<String>> of(SparkSession spark, Path lake, Set<String> excluded) {
    return of(spark, lake, excluded, Map.of(), Map.of());
  }

  /**
   * As {@link #of(SparkSession, Path, Set)}, reading again only the tables written since {@code
   * earlier} was taken at {@code versions}: a Delta table at the same version is the same immutable
   * snapshot, so its rows are taken from {@code earlier} (which must have been made with the same
   * {@code excluded} columns).
   */
  public static Map<String, List<String>> of(
      SparkSession spark,
      Path lake,
      Set<String> excluded,
      Map<String, List<String>> earlier,
      Map<String, Long> versions) {
    Map<String, List<String>> tables = new TreeMap<>();
    Map<String, Long> now = versions(lake);
    for (Path table : tables(lake)) {
      String name = lake.relativize(table).toString();
      if (name.equals(RUN_LOG)) {
        continue;
      }
      if (earlier.containsKey(name) && now.get(name).equals(versions.get(name))) {
        tables.put(name, earlier.get(name));
        continue;
      }
      Dataset<Row> rows = spark.read().format("delta").load(table.toString());
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
                  .as(Encoders.STRING())
                  .collectAsList());
      json.sort(null);
      tables.put(name, json);
    }
    return tables;
  }

  /** The latest version (commit number in {@code _delta_log}) of every Delta table under lake. */
  public static Map<String, Long> versions(Path lake) {
    Map<String, Long> out = new TreeMap<>();
    for (Path table : tables(lake)) {
      try (Stream<Path> log = Files.list(table.resolve("_delta_log"))) {
        long latest =
            log.map(p -> p.getFileName().toString())
                .filter(f -> f.matches("[0-9]{20}\\.json"))
                .mapToLong(f -> Long.parseLong(f.substring(0, 20)))
                .max()
                .orElse(-1);
        out.put(lake.relativize(table).toString(), latest);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  /** The folders holding a Delta table ({@code _delta_log}) under {@code lake}. */
  public static List<Path> tables(Path lake) {
    try (Stream<Path> walk = Files.walk(lake)) {
      return walk.filter(p -> p.getFileName().toString().equals("_delta_log"))
          .map(Path::getParent)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * How {@code actual} differs from {@code expected}, one line per difference (empty when they are
   * the same): tables missing or extra, row counts, and rows that differ by more than numbers equal
   * to the relative {@code tolerance}.
   */
  public static List<String> differences(
      Map<String, List<String>> expected, Map<String, List<String>> actual, double tolerance) {
    return differences(expected, actual, tolerance, Map.of());
  }

  /**
   * As {@link #differences(Map, Map, double)}, with the relative tolerance of the columns named in
   * {@code looser} taken from there: {@code column} for that JSON key in every table, {@code
   * table.column} (e.g. {@code gold/clv.expected_spend}) in that table only.
   */
  public static List<String> differences(
      Map<String, List<String>> expected,
      Map<String, List<String>> actual,
      double tolerance,
      Map<String, Double> looser) {
    List<String> out = new ArrayList<>();
    for (String table : expected.keySet()) {
      if (!actual.containsKey(table)) {
        out.add(table + ": missing");
      }
    }
    for (String table : actual.keySet()) {
      if (!expected.containsKey(table)) {
        out.add(table + ": not expected");
      }
    }
    for (var e : expected.entrySet()) {
      List<String> want = e.getValue();
      List<String> got = actual.get(e.getKey());
      if (got == null || got.equals(want)) {
        continue;
      }
      if (got.size() != want.size()) {
        out.add(e.getKey() + ": " + got.size() + " rows, expected " + want.size());
        continue;
      }
      // Hash sets: List.removeAll is quadratic, far too slow on usage events.
      List<String> gone = new ArrayList<>(want);
      gone.removeAll(new HashSet<>(got));
      List<String> come = new ArrayList<>(got);
      come.removeAll(new HashSet<>(want));
      if (gone.size() != come.size()) {
        out.add(e.getKey() + ": duplicated rows differ");
        continue;
      }
      for (int i = 0; i < gone.size(); i++) {
        if (!sameWithin(gone.get(i), come.get(i), tolerance, forTable(looser, e.getKey()))) {
          out.add(e.getKey() + ": row\n  " + gone.get(i) + "\nis now\n  " + come.get(i));
          if (out.size() > 20) {
            return out;
          }
        }
      }
    }
    return out;
  }

  /** The tolerances of {@code looser} that apply in {@code table}, by JSON key. */
  private static Map<String, Double> forTable(Map<String, Double> looser, String table) {
    Map<String, Double> out = new HashMap<>();
    looser.forEach(
        (key, value) -> {
          if (key.startsWith(table + ".")) {
            out.put(key.substring(table.length() + 1), value);
          } else if (!key.contains("/")) {
            out.putIfAbsent(key, value);
          }
        });
    return out;
  }

  /** A JSON number value (after a colon, bracket or comma, before a comma or a closing bracket). */
  private static final Pattern NUMBER =
      Pattern.compile("(?<=[:\\[,])-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?(?=[,\\]}])");

  /**
   * Whether two rows as JSON are the same but for numbers equal to the relative {@code tolerance}
   * (14.466666666666669 and 14.46666666666667 at 1e-9); every other character must be the same.
   */
  public static boolean sameWithin(String a, String b, double tolerance) {
    return sameWithin(a, b, tolerance, Map.of());
  }

  private static final Pattern KEY = Pattern.compile("\"([^\"]+)\":");

  /**
   * As {@link #sameWithin(String, String, double)}, a number under a key of {@code looser} to the
   * tolerance given there.
   */
  public static boolean sameWithin(
      String a, String b, double tolerance, Map<String, Double> looser) {
    Matcher ma = NUMBER.matcher(a);
    Matcher mb = NUMBER.matcher(b);
    int ia = 0;
    int ib = 0;
    String key = null;
    while (true) {
      boolean fa = ma.find();
      boolean fb = mb.find();
      if (fa != fb) {
        return false;
      }
      if (!fa) {
        return a.substring(ia).equals(b.substring(ib));
      }
      String between = a.substring(ia, ma.start());
      if (!between.equals(b.substring(ib, mb.start()))) {
        return false;
      }
      Matcher keys = KEY.matcher(between);
      while (keys.find()) {
        key = keys.group(1);
      }
      if (!ma.group().equals(mb.group())) {
        double x = Double.parseDouble(ma.group());
        double y = Double.parseDouble(mb.group());
        double within = key == null ? tolerance : looser.getOrDefault(key, tolerance);
        if (Math.abs(x - y) > within * Math.max(Math.abs(x), Math.abs(y)) + 1e-12) {
          return false;
        }
      }
      ia = ma.end();
      ib = mb.end();
    }
  }
}
