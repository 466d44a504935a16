package io.cslake.generate;

import static org.apache.spark.sql.functions.col;

import io.cslake.contract.Field;
import io.cslake.contract.Source;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Column layout of every generated table. The simulation emits rows in a raw encoding (timestamps
 * as epoch microseconds, dates as epoch days) that {@link #finish} turns into the contract types.
 */
final class Tables {
  private Tables() {}

  /** Account attributes beyond the contract, usable as model features. */
  static final List<String> ACCOUNT_ATTRIBUTES =
      List.of("plan", "contract_type", "payment_method", "billing_currency", "employee_band");

  /** The partition column of usage_events. */
  static final String EVENT_DATE = "event_date";

  /** Ground-truth tables, under {@code <out>/_truth/}. */
  static final String TRUTH_ACCOUNT_MONTHS = "account_months";

  static final String TRUTH_ACCOUNTS = "accounts";

  private enum Kind {
    STRING(DataTypes.StringType, DataTypes.StringType),
    TIMESTAMP(DataTypes.LongType, DataTypes.TimestampType),
    DATE(DataTypes.IntegerType, DataTypes.DateType),
    INTEGER(DataTypes.IntegerType, DataTypes.IntegerType),
    DOUBLE(DataTypes.DoubleType, DataTypes.DoubleType),
    BOOLEAN(DataTypes.BooleanType, DataTypes.BooleanType),
    STRINGS(
        DataTypes.createArrayType(DataTypes.StringType, false),
        DataTypes.createArrayType(DataTypes.StringType, false)),
    OTHER(null, null);

    final DataType raw;
    final DataType target;

    Kind(DataType raw, DataType target) {
      this.raw = raw;
      this.target = target;
    }
  }

  private record Column2(String name, Kind kind, DataType type, boolean nullable) {
    DataType rawType() {
      return kind == Kind.OTHER ? type : kind.raw;
    }
  }

  private static List<Column2> columns(Source source) {
    List<Column2> columns = new ArrayList<>();
    for (Field field : source.fields()) {
      DataType type = field.type().sparkType();
      Kind kind =
          switch (field.type()) {
            case STRING -> Kind.STRING;
            case TIMESTAMP -> Kind.TIMESTAMP;
            case DATE -> Kind.DATE;
            case INTEGER -> Kind.INTEGER;
            case DOUBLE -> Kind.DOUBLE;
            case BOOLEAN -> Kind.BOOLEAN;
            case AMOUNT, RATE -> Kind.OTHER;
          };
      columns.add(new Column2(field.name(), kind, type, !field.required()));
    }
    if (source == Source.ACCOUNTS) {
      for (String attribute : ACCOUNT_ATTRIBUTES) {
        columns.add(new Column2(attribute, Kind.STRING, DataTypes.StringType, true));
      }
    }
    if (source == Source.USAGE_EVENTS) {
      columns.add(new Column2(EVENT_DATE, Kind.DATE, DataTypes.DateType, false));
    }
    return columns;
  }

  private static List<Column2> truthColumns(String table) {
    return switch (table) {
      case TRUTH_ACCOUNT_MONTHS ->
          List.of(
              new Column2("account_id", Kind.STRING, null, false),
              new Column2("month", Kind.DATE, null, false),
              new Column2("hazard", Kind.DOUBLE, null, false),
              new Column2("churned_this_month", Kind.BOOLEAN, null, false),
              new Column2("causes", Kind.STRINGS, null, false));
      case TRUTH_ACCOUNTS ->
          List.of(
              new Column2("account_id", Kind.STRING, null, false),
              new Column2("segment", Kind.STRING, null, false),
              new Column2("latent_risk", Kind.DOUBLE, null, false),
              new Column2("churn_month", Kind.DATE, null, true),
              new Column2("primary_cause", Kind.STRING, null, true),
              new Column2("reactivated", Kind.BOOLEAN, null, false),
              new Column2("churn_count", Kind.INTEGER, null, false));
      default -> throw new IllegalArgumentException(table);
    };
  }

  static StructType rawSchema(Source source) {
    return raw(columns(source));
  }

  static StructType rawTruthSchema(String table) {
    return raw(truthColumns(table));
  }

  static Dataset<Row> finish(Source source, Dataset<Row> raw) {
    return convert(columns(source), raw);
  }

  static Dataset<Row> finishTruth(String table, Dataset<Row> raw) {
    return convert(truthColumns(table), raw);
  }

  private static StructType raw(List<Column2> columns) {
    StructField[] fields = new StructField[columns.size()];
    for (int k = 0; k < fields.length; k++) {
      Column2 c = columns.get(k);
      fields[k] = DataTypes.createStructField(c.name(), c.rawType(), c.nullable());
    }
    return DataTypes.createStructType(fields);
  }

  private static Dataset<Row> convert(List<Column2> columns, Dataset<Row> raw) {
    Column[] select = new Column[columns.size()];
    for (int k = 0; k < select.length; k++) {
      Column2 c = columns.get(k);
      Column value = col(c.name());
      value =
          switch (c.kind()) {
            case TIMESTAMP -> functions.timestamp_micros(value);
            case DATE -> functions.date_from_unix_date(value);
            default -> value;
          };
      select[k] = value.as(c.name());
    }
    return raw.select(select);
  }
}
