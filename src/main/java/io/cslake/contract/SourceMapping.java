package io.cslake.contract;

import io.cslake.CslakeException;
import io.cslake.config.SourceConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A source's mapping, checked against the source's schema before any of its data is read (SPEC
 * §4.2): every contract field has an expression over the source's own columns (the user's, or the
 * same-named column), each expression passed {@link ExpressionGuard}, resolves, is deterministic,
 * keeps one output row per input row, and yields a type the contract field accepts.
 *
 * @param source the contract source
 * @param fields contract field name to the expression giving its raw (uncast) value; a field the
 *     source does not provide maps to a typed null
 * @param filter the source filter, if any
 * @param attributes account attribute columns kept as they are
 */
public record SourceMapping(
    Source source, Map<String, Column> fields, Optional<Column> filter, List<String> attributes) {

  /** Checks {@code config} against {@code schema}; a problem is a contract error (exit 3). */
  public static SourceMapping resolve(SparkSession spark, SourceConfig config, StructType schema) {
    Source source = config.source();
    Dataset<Row> empty = spark.createDataFrame(Collections.<Row>emptyList(), schema);
    Map<String, Column> fields = new LinkedHashMap<>();
    for (Field field : source.fields()) {
      String sql = config.fields().get(field.name());
      String key = "cslake.sources." + source.id() + ".fields." + field.name();
      if (sql == null) {
        Optional<String> column = columnNamed(schema, field.name());
        if (column.isEmpty()) {
          if (field.required()) {
            throw CslakeException.contract(
                "Cannot read source '"
                    + source.id()
                    + "': its required field '"
                    + field.name()
                    + "' has no mapping and the source has no column of that name. Map it with "
                    + key
                    + " = \"<Spark SQL expression over the source's columns>\". Columns: "
                    + String.join(", ", schema.fieldNames())
                    + ".");
          }
          fields.put(field.name(), functions.lit(null).cast(field.type().sparkType()));
          continue;
        }
        sql = "`" + column.get().replace("`", "``") + "`";
      }
      Column resolved = checked(spark, empty, source, "field '" + field.name() + "'", key, sql);
      DataType type = empty.select(resolved).schema().fields()[0].dataType();
      if (!field.type().accepts(type)) {
        throw CslakeException.contract(
            mappingError(source, "field '" + field.name() + "'", key, sql)
                + "it yields "
                + type.sql().toLowerCase(Locale.ROOT)
                + ", which cannot become the contract type "
                + field.type().sqlName()
                + ".");
      }
      fields.put(field.name(), resolved);
    }
    if (source == Source.SUBSCRIPTIONS) {
      requireMrrOrAmount(config, schema);
    }
    Optional<Column> filter = Optional.empty();
    if (config.filter().isPresent()) {
      String key = "cslake.sources." + source.id() + ".filter";
      Column f = checked(spark, empty, source, "filter", key, config.filter().get());
      DataType type = empty.select(f).schema().fields()[0].dataType();
      if (!type.sameType(DataTypes.BooleanType)) {
        throw CslakeException.contract(
            mappingError(source, "filter", key, config.filter().get())
                + "it yields "
                + type.sql().toLowerCase(Locale.ROOT)
                + ", not a boolean.");
      }
      filter = Optional.of(f);
    }
    List<String> attributes = new ArrayList<>();
    for (String attribute : config.attributes()) {
      Optional<String> column = columnNamed(schema, attribute);
      if (column.isEmpty() || source.field(attribute).isPresent()) {
        throw CslakeException.contract(
            "Cannot keep attribute '"
                + attribute
                + "' of source '"
                + source.id()
                + "' (cslake.sources."
                + source.id()
                + ".attributes): "
                + (column.isEmpty()
                    ? "the source has no such column. Columns: "
                        + String.join(", ", schema.fieldNames())
                    : "it is a contract field already")
                + ".");
      }
      attributes.add(column.get());
    }
    return new SourceMapping(source, fields, filter, attributes);
  }

  private static void requireMrrOrAmount(SourceConfig config, StructType schema) {
    boolean mrr = provided(config, schema, "mrr");
    boolean amount =
        provided(config, schema, "amount") && provided(config, schema, "billing_period_months");
    if (!mrr && !amount) {
      throw CslakeException.contract(
          "Cannot read source 'subscriptions': it needs mrr, or amount and billing_period_months"
              + " (SPEC 4.1), and none is mapped or present as a column. Map one with"
              + " cslake.sources.subscriptions.fields.mrr = \"<expression>\".");
    }
  }

  private static boolean provided(SourceConfig config, StructType schema, String field) {
    return config.fields().containsKey(field) || columnNamed(schema, field).isPresent();
  }

  private static Optional<String> columnNamed(StructType schema, String name) {
    for (StructField f : schema.fields()) {
      if (f.name().equalsIgnoreCase(name)) {
        return Optional.of(f.name());
      }
    }
    return Optional.empty();
  }

  /**
   * Guards, resolves and shape-checks one expression over the source's (empty) frame.
   *
   * @param what "field 'x'" or "filter", for the message
   * @param key the configuration key that holds the expression
   */
  static Column checked(
      SparkSession spark, Dataset<Row> empty, Source source, String what, String key, String sql) {
    ExpressionGuard.Resolved resolved = ExpressionGuard.resolve(empty, sql);
    if (!resolved.isAccepted()) {
      throw CslakeException.contract(
          mappingError(source, what, key, sql) + resolved.refusal().get() + ".");
    }
    return resolved.column().get();
  }

  private static String mappingError(Source source, String what, String key, String sql) {
    return "Cannot use the "
        + what
        + " of source '"
        + source.id()
        + "' ("
        + key
        + " = \""
        + sql
        + "\"): ";
  }
}
