package io.cslake.transform.playbooks;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code playbook_alerts} table: one row per alert, keyed by {@link #ALERT_ID}. Column meanings
 * are in {@code docs/tables.md}.
 */
public final class PlaybookAlerts {
  /** The table's name under {@code gold/}. */
  public static final String TABLE = "playbook_alerts";

  /** sha2-256 of {@code rule|account_id|as_of_date}: the same opening always has the same id. */
  public static final String ALERT_ID = "alert_id";

  public static final String RULE = "rule";
  public static final String SEVERITY = "severity";
  public static final String ACTION = "action";
  public static final String ACCOUNT_ID = "account_id";

  /** The owner: the account's CSM in {@code account_360} when the alert opened. */
  public static final String CSM_ID = "csm_id";

  /** The {@code account_360} snapshot date that opened the alert. */
  public static final String AS_OF_DATE = "as_of_date";

  public static final String OPENED_AT = "opened_at";
  public static final String STATUS = "status";
  public static final String CLOSED_AT = "closed_at";

  /** The values of the columns the rule reads, from the row that opened the alert, as strings. */
  public static final String TRIGGER_VALUES = "trigger_values";

  /** {@link #STATUS} of an alert whose rule still held at the last evaluation. */
  public static final String OPEN = "open";

  /** {@link #STATUS} of an alert whose rule stopped holding. */
  public static final String CLOSED = "closed";

  /** The table's schema, in column order (every column nullable, as Spark writes it). */
  public static final StructType SCHEMA =
      new StructType()
          .add(ALERT_ID, DataTypes.StringType, true)
          .add(RULE, DataTypes.StringType, true)
          .add(SEVERITY, DataTypes.StringType, true)
          .add(ACTION, DataTypes.StringType, true)
          .add(ACCOUNT_ID, DataTypes.StringType, true)
          .add(CSM_ID, DataTypes.StringType, true)
          .add(AS_OF_DATE, DataTypes.DateType, true)
          .add(OPENED_AT, DataTypes.TimestampType, true)
          .add(STATUS, DataTypes.StringType, true)
          .add(CLOSED_AT, DataTypes.TimestampType, true)
          .add(
              TRIGGER_VALUES,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true),
              true);

  private PlaybookAlerts() {}
}
