package io.cslake;

import static org.assertj.core.api.Assertions.assertThat;

import com.holdenkarau.spark.testing.DataFrameSuiteBase$;
import io.cslake.contract.Field;
import io.cslake.contract.Source;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Reading golden fixtures and comparing frames.
 *
 * <p>The comparison uses spark-testing-base's row comparison ({@code
 * DataFrameSuiteBase.approxEquals}, a static method of its companion object) but not its {@code
 * assertDataFrameEquals}: that one lives on JUnit 4 base classes that create and stop their own
 * SparkContext, which clashes with the one shared session of {@link SparkTestBase} (one
 * SparkContext per JVM), and it compares nullability, which differs between a CSV-read expectation
 * and a computed frame without saying anything about the values. So rows are sorted by their text
 * and compared pairwise with a tolerance.
 */
public final class Frames {
  private Frames() {}

  /** The contract schema of {@code source}: what silver holds. */
  public static StructType contractSchema(Source source) {
    StructType schema = new StructType();
    for (Field field : source.fields()) {
      schema = schema.add(field.name(), field.type().sparkType(), true);
    }
    return schema;
  }

  /** A CSV with a header under {@code src/test/resources/golden/<goldenCase>/<name>.csv}. */
  public static Dataset<Row> golden(
      SparkSession spark, String goldenCase, String name, StructType schema) {
    String path = "src/test/resources/golden/" + goldenCase + "/" + name + ".csv";
    return spark.read().option("header", "true").schema(schema).csv(path);
  }

  /** Silver-shaped rows of {@code source} from a golden CSV named after the source. */
  public static Dataset<Row> golden(SparkSession spark, String goldenCase, Source source) {
    return golden(spark, goldenCase, source.id(), contractSchema(source));
  }

  /** Asserts both frames hold the same rows (any order; numbers within {@code tolerance}). */
  public static void assertSameRows(Dataset<Row> actual, Dataset<Row> expected, double tolerance) {
    assertThat(actual.columns()).containsExactly(expected.columns());
    List<Row> a = sorted(actual);
    List<Row> e = sorted(expected);
    assertThat(a).hasSameSizeAs(e);
    for (int i = 0; i < a.size(); i++) {
      boolean same = DataFrameSuiteBase$.MODULE$.approxEquals(a.get(i), e.get(i), tolerance);
      assertThat(same).as("row %d: actual %s, expected %s", i, a.get(i), e.get(i)).isTrue();
    }
  }

  private static List<Row> sorted(Dataset<Row> frame) {
    List<Row> rows = new ArrayList<>(frame.collectAsList());
    rows.sort((x, y) -> x.toString().compareTo(y.toString()));
    return rows;
  }
}
