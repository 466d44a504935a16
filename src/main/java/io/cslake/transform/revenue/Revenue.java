package io.cslake.transform.revenue;

import io.cslake.contract.FieldType;
import org.apache.spark.sql.types.DataType;

/**
 * Constants shared by the revenue transformations; column helpers are in {@link
 * io.cslake.transform.Columns}.
 */
final class Revenue {
  /** Money in every revenue table: {@code decimal(18,4)}, the contract's amount type. */
  static final DataType MONEY = FieldType.AMOUNT.sparkType();

  private Revenue() {}
}
