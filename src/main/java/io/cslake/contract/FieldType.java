package io.cslake.contract;

import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;

/** The type a contract field has in silver, and which source types may be cast to it row by row. */
public enum FieldType {
  STRING(DataTypes.StringType),
  TIMESTAMP(DataTypes.TimestampType),
  DATE(DataTypes.DateType),
  /** Money: exact, 18 digits with 4 decimals. */
  AMOUNT(DataTypes.createDecimalType(18, 4)),
  /** Exchange rates and other exact ratios. */
  RATE(DataTypes.createDecimalType(24, 12)),
  INTEGER(DataTypes.IntegerType),
  DOUBLE(DataTypes.DoubleType),
  BOOLEAN(DataTypes.BooleanType);

  private final DataType sparkType;

  FieldType(DataType sparkType) {
    this.sparkType = sparkType;
  }

  public DataType sparkType() {
    return sparkType;
  }

  /**
   * Whether a mapped expression of type {@code source} can feed this field. Strings feed anything
   * (bad values are quarantined row by row as {@code not_castable}); otherwise the kinds must
   * agree.
   */
  public boolean accepts(DataType source) {
    if (source instanceof StringType || source.sameType(DataTypes.NullType)) {
      return true;
    }
    return switch (this) {
      case STRING -> source.defaultSize() > 0 && !isComplex(source);
      case TIMESTAMP, DATE ->
          source instanceof TimestampType
              || source instanceof TimestampNTZType
              || source instanceof DateType;
      case AMOUNT, RATE, INTEGER, DOUBLE -> source instanceof NumericType;
      case BOOLEAN ->
          source instanceof BooleanType
              || source.sameType(DataTypes.IntegerType)
              || source.sameType(DataTypes.LongType)
              || source.sameType(DataTypes.ShortType)
              || source.sameType(DataTypes.ByteType);
    };
  }

  private static boolean isComplex(DataType type) {
    return type instanceof org.apache.spark.sql.types.StructType
        || type instanceof org.apache.spark.sql.types.ArrayType
        || type instanceof org.apache.spark.sql.types.MapType
        || type instanceof org.apache.spark.sql.types.BinaryType;
  }

  /** The SQL name shown in error messages. */
  public String sqlName() {
    return sparkType.sql().toLowerCase(java.util.Locale.ROOT);
  }
}
