package io.cslake.transform;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code account_360} (SPEC §6.4): one row per account at one as-of date, the table a CS dashboard
 * reads first. Its columns are, in order: the account's identity from silver accounts ({@value
 * #NAME}, {@value #CSM_ID}), every column of its {@code churn_features} snapshot (KPIs and leading
 * indicators, label columns excepted), {@value #MRR_PERCENTILE}, then whatever of health, risk and
 * CLV exists: the columns of {@code account_health}, {@code churn_risk_scores} and {@code clv} not
 * already present. An input that is absent adds nothing; an account missing from one of them has
 * nulls there.
 */
public final class Account360 {
  public static final String TABLE = "account_360";

  public static final String ACCOUNT_ID = "account_id";
  public static final String AS_OF_DATE = "as_of_date";
  public static final String NAME = "name";
  public static final String CSM_ID = "csm_id";
  public static final String MRR = "mrr";

  /** The account's MRR as a percent rank among the accounts of the date, 0..1 (null MRR: null). */
  public static final String MRR_PERCENTILE = "mrr_percentile";

  /** Columns of a feature snapshot that are not the account's state (the training label). */
  static final Set<String> LABEL_COLUMNS = Set.of("label", "churn_date", "observable");

  /** Columns of joined tables never copied (each table's own bookkeeping). */
  static final Set<String> BOOKKEEPING = Set.of("as_of_date", "scored_at", "fitted_at");

  private Account360() {}

  /**
   * Builds the table.
   *
   * @param snapshot {@code churn_features} rows of one as-of date
   * @param accounts silver accounts ({@value #ACCOUNT_ID}, {@value #NAME}, {@value #CSM_ID})
   * @param others health, risk and CLV rows keyed by {@value #ACCOUNT_ID} (one row per account,
   *     already restricted to the snapshot's date where they have dates), in that order
   */
  public static Dataset<Row> build(
      Dataset<Row> snapshot, Dataset<Row> accounts, List<Optional<Dataset<Row>>> others) {
    List<Column> base = new ArrayList<>();
    base.add(col("s." + ACCOUNT_ID).as(ACCOUNT_ID));
    base.add(col("a." + NAME).as(NAME));
    base.add(col("a." + CSM_ID).as(CSM_ID));
    Set<String> present = new HashSet<>(List.of(ACCOUNT_ID, NAME, CSM_ID));
    for (String c : snapshot.columns()) {
      if (!present.contains(c) && !LABEL_COLUMNS.contains(c)) {
        base.add(col("s." + c).as(c));
        present.add(c);
      }
    }
    Dataset<Row> out =
        snapshot
            .as("s")
            .join(
                accounts.select(ACCOUNT_ID, NAME, CSM_ID).as("a"),
                col("s." + ACCOUNT_ID).equalTo(col("a." + ACCOUNT_ID)),
                "left")
            .select(base.toArray(Column[]::new));
    // percent_rank of MRR within the as-of date, without a window over the whole date (Ranks).
    out =
        Ranks.percentRank(
                out.withColumn("_mrr", col(MRR).cast(DataTypes.DoubleType)),
                List.of(AS_OF_DATE),
                "_mrr",
                MRR_PERCENTILE)
            .drop("_mrr");
    present.add(MRR_PERCENTILE);
    for (Optional<Dataset<Row>> other : others) {
      if (other.isEmpty()) {
        continue;
      }
      Dataset<Row> table = other.get();
      List<Column> keep = new ArrayList<>();
      keep.add(col(ACCOUNT_ID).as("_k"));
      List<String> added = new ArrayList<>();
      for (String c : table.columns()) {
        if (!present.contains(c) && !BOOKKEEPING.contains(c)) {
          keep.add(col(c));
          added.add(c);
        }
      }
      if (added.isEmpty()) {
        continue;
      }
      out =
          out.join(
                  table.select(keep.toArray(Column[]::new)),
                  col(ACCOUNT_ID).equalTo(col("_k")),
                  "left")
              .drop("_k");
      present.addAll(added);
    }
    return out;
  }
}
