package io.cslake.table;

import io.cslake.CslakeException;
import io.cslake.config.SourceConfig;
import io.cslake.config.SourceConfig.Format;
import io.cslake.transform.Validation;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads input sources as configured: Parquet, Delta, CSV or JSON, with the user's reader options.
 * CSV and JSON are read permissively with a {@value Validation#CORRUPT} column, so a line that does
 * not parse becomes a quarantined row instead of a failure or a silent drop. The reader option
 * {@code schema} (a DDL string) fixes the schema instead of inferring it.
 */
public final class SourceReader {
  private SourceReader() {}

  /**
   * The source's schema, from metadata only where the format allows (Parquet footers, the Delta
   * log, the CSV header); JSON without a {@code schema} option is inferred from its data. Empty
   * when the folder holds no data files: such a source yields no rows.
   */
  public static Optional<StructType> schema(SparkSession spark, SourceConfig config) {
    String path = config.path().orElseThrow();
    requireExists(spark, config, path);
    try {
      StructType schema = reader(spark, config).load(path).schema();
      if (schema.fields().length == 0) {
        return Optional.empty();
      }
      return Optional.of(schema);
    } catch (Exception e) {
      if (e instanceof AnalysisException a
          && a.getErrorClass() != null
          && a.getErrorClass().startsWith("UNABLE_TO_INFER_SCHEMA")) {
        return Optional.empty();
      }
      throw CslakeException.contract(
          "Cannot read the schema of source '"
              + config.source().id()
              + "' at "
              + path
              + " as "
              + config.format().sparkName()
              + ": "
              + firstLine(e)
              + ". Check cslake.sources."
              + config.source().id()
              + ".format and .options.");
    }
  }

  /**
   * The source's rows, read with {@code schema} (plus a corrupt-record column for CSV and JSON).
   */
  public static Dataset<Row> read(SparkSession spark, SourceConfig config, StructType schema) {
    String path = config.path().orElseThrow();
    DataFrameReader reader = reader(spark, config);
    if (isText(config.format())) {
      StructType withCorrupt =
          schema.getFieldIndex(Validation.CORRUPT).isDefined()
              ? schema
              : schema.add(Validation.CORRUPT, DataTypes.StringType, true);
      reader =
          reader
              .schema(withCorrupt)
              .option("mode", "PERMISSIVE")
              .option("columnNameOfCorruptRecord", Validation.CORRUPT);
    }
    return reader.load(path);
  }

  private static DataFrameReader reader(SparkSession spark, SourceConfig config) {
    Map<String, String> options = new LinkedHashMap<>(config.options());
    String ddl = options.remove("schema");
    DataFrameReader reader = spark.read().format(config.format().sparkName()).options(options);
    if (ddl != null) {
      try {
        reader = reader.schema(StructType.fromDDL(ddl));
      } catch (Exception e) {
        throw CslakeException.contract(
            "Cannot use the schema option of source '"
                + config.source().id()
                + "' (cslake.sources."
                + config.source().id()
                + ".options.schema): "
                + firstLine(e)
                + ". Give a DDL string such as \"id string, amount decimal(18,2)\".");
      }
    }
    return reader;
  }

  private static boolean isText(Format format) {
    return format == Format.CSV || format == Format.JSON;
  }

  private static void requireExists(SparkSession spark, SourceConfig config, String path) {
    boolean exists;
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileStatus[] matches = fs.globStatus(p);
      exists = matches != null && matches.length > 0;
    } catch (IOException | IllegalArgumentException e) {
      throw CslakeException.contract(
          "Cannot reach source '"
              + config.source().id()
              + "' at "
              + path
              + ": "
              + firstLine(e)
              + ". Check cslake.sources."
              + config.source().id()
              + ".path.");
    }
    if (!exists) {
      throw CslakeException.contract(
          "Cannot read source '"
              + config.source().id()
              + "': its path "
              + path
              + " does not exist. Fix cslake.sources."
              + config.source().id()
              + ".path, or remove it if the source is absent.");
    }
  }

  private static String firstLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.split("\n", 2)[0].trim();
  }
}
