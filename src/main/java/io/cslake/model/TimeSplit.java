package io.cslake.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.xxhash64;

import io.cslake.transform.Ranks;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Splits labelled snapshots into training and validation sets <b>by time</b> (SPEC §6.2): the
 * latest observable snapshot date validates, and only snapshots whose label window (horizon plus
 * grace) closes on or before that date train, so no training label peeks at the validation period.
 *
 * <p>When fewer than two usable dates exist, or no snapshot is old enough to train on (a one-off
 * export), it falls back to a stratified hold-out of accounts: whole accounts go to one side;
 * within each stratum (the account churns in some snapshot, or never), accounts are ranked by a
 * seeded hash of their id and the last {@code holdoutFraction} of them validate.
 */
public final class TimeSplit {
  public static final String ACCOUNT_ID = "account_id";
  public static final String AS_OF_DATE = "as_of_date";
  public static final String LABEL = "label";
  public static final String OBSERVABLE = "observable";

  /** How the rows were split. */
  public enum Method {
    TIME,
    STRATIFIED_HOLDOUT;

    /** The name recorded in {@code model_runs}. */
    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * A split.
   *
   * @param validationDate the validation snapshot date (TIME), or the latest date (hold-out)
   * @param trainDates the snapshot dates that train, oldest first
   */
  public record Split(
      Dataset<Row> train,
      Dataset<Row> validation,
      Method method,
      LocalDate validationDate,
      List<LocalDate> trainDates) {}

  private TimeSplit() {}

  /**
   * Splits the observable rows of {@code labelled}.
   *
   * @param labelled rows with account_id, as_of_date, label, observable
   * @param labelWindowDays horizon plus grace, in days
   * @param holdoutFraction share of each label's accounts that validate in the fallback, in (0, 1)
   * @param seed the fallback's hash seed
   * @throws IllegalArgumentException when no row is observable
   */
  public static Split split(
      Dataset<Row> labelled, int labelWindowDays, double holdoutFraction, long seed) {
    Dataset<Row> usable = labelled.filter(col(OBSERVABLE));
    // Snapshot dates are one per month of history: a small list.
    List<LocalDate> dates = new ArrayList<>();
    for (Row r : usable.select(AS_OF_DATE).distinct().orderBy(AS_OF_DATE).collectAsList()) {
      dates.add(r.getDate(0).toLocalDate());
    }
    if (dates.isEmpty()) {
      throw new IllegalArgumentException("no observable snapshot");
    }
    LocalDate validationDate = dates.get(dates.size() - 1);
    List<LocalDate> trainDates = new ArrayList<>();
    for (LocalDate d : dates) {
      if (!d.plusDays(labelWindowDays).isAfter(validationDate)) {
        trainDates.add(d);
      }
    }
    if (!trainDates.isEmpty()) {
      Date v = Date.valueOf(validationDate);
      return new Split(
          usable.filter(date_add(col(AS_OF_DATE), labelWindowDays).leq(lit(v))),
          usable.filter(col(AS_OF_DATE).equalTo(lit(v))),
          Method.TIME,
          validationDate,
          trainDates);
    }
    // Whole accounts go one way, stratified by whether they ever churn in the data.
    // The rank of each account's seeded hash within its stratum, without a window over a whole
    // stratum (Ranks): the accounts in a stratum grow with the data.
    Dataset<Row> accounts =
        Ranks.percentRank(
            usable
                .groupBy(col(ACCOUNT_ID).as("_split_account"))
                .agg(max(col(LABEL)).as("_stratum"))
                .withColumn("_split_hash", xxhash64(col("_split_account"), lit(seed))),
            List.of("_stratum"),
            "_split_hash",
            "_rank");
    double cut = 1.0 - holdoutFraction;
    Dataset<Row> tagged = usable.join(accounts, col(ACCOUNT_ID).equalTo(col("_split_account")));
    return new Split(
        tagged
            .filter(col("_rank").lt(lit(cut)))
            .drop("_split_account", "_stratum", "_split_hash", "_rank"),
        tagged
            .filter(col("_rank").geq(lit(cut)))
            .drop("_split_account", "_stratum", "_split_hash", "_rank"),
        Method.STRATIFIED_HOLDOUT,
        validationDate,
        dates);
  }
}
