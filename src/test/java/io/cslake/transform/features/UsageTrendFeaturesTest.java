package io.cslake.transform.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.transform.engagement.AccountUsageDaily;
import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked usage trends. k = days before the as-of date; recent = k 0..29, prior = k 30..89,
 * week = k / 7 (x = 7 − week, oldest first). Slope = (Σxy − 3.5 Σy) / 42, divided by Σy / 8.
 *
 * <p>As of 2024-03-31. A: Mar 31 (k 0: 10 events, 2 users, 1 login, 20 min), Mar 20 (k 11: 20, 3,
 * 2, 40), Feb 15 (k 45: 60, 4, 3, 60), Jan 5 (k 86: 30, 2, 3, 30); Jan 1 is k 90, outside; Apr 1 is
 * after. Events 30/30 vs 90/60 = 2/3; users 5/30 vs 6/60 = 5/3; logins 3/30 vs 6/60 = 1; minutes
 * 60/30 vs 90/60 = 4/3. Trend: Σy = 90 (weeks 0, 1, 6), Σxy = 7·10 + 6·20 + 1·60 = 250: (250 − 315)
 * / 42 / 11.25. B: Feb 1 (k 59: 5 events, 1 user): ratios 0 for events and users, null for logins
 * and minutes (0 / 0), no events in the 8 weeks: null trend. C: only Dec 1 2023, outside the 90
 * days.
 *
 * <p>Baselines: the 12 months ending on the last day of the month before the one holding as_of − 29
 * days. As of 2024-03-31 that is Mar 2023 – Feb 2024: A has Jan (1030 events, 3 user-days) and Feb
 * (60, 4) from Jan 1: 60 days, so events 1/day vs 1090/60, users 5/30 vs 7/60; B has Feb 1 (5
 * events) from Feb 1: recent 0, ratio 0; C has Dec 1 (7 events): ratio 0. As of 2024-02-29 it is
 * Jan – Dec 2023: only C (Dec), recent 0: ratio 0; A and B have no baseline: null.
 *
 * <p>As of 2024-02-29. A: Feb 15 k 14, Jan 5 k 55, Jan 1 k 59 (1000 events, 1 user, 0 logins, 10
 * min): events 60/30 vs 1030/60, users 4/30 vs 3/60, logins 3/30 vs 3/60, minutes 60/30 vs 40/60;
 * trend Σy = 90 (weeks 2 and 7), Σxy = 5·60 + 0·30 = 300. B: Feb 1 k 28: all recent, prior 0: null
 * ratios; trend Σy = 5 at x = 3. C: Dec 1 is k 90, outside.
 */
class UsageTrendFeaturesTest extends SparkTestBase {

  @Test
  void trendsFollowTheHandCalculation() {
    List<Row> days =
        List.of(
            day("A", "2024-03-31", 10, 2, 1, 20),
            day("A", "2024-03-20", 20, 3, 2, 40),
            day("A", "2024-02-15", 60, 4, 3, 60),
            day("A", "2024-01-05", 30, 2, 3, 30),
            day("A", "2024-01-01", 1000, 1, 0, 10),
            day("A", "2024-04-01", 500, 9, 9, 90),
            day("B", "2024-02-01", 5, 1, 0, 0),
            day("C", "2023-12-01", 7, 1, 1, 1));
    StructType schema =
        new StructType()
            .add(AccountUsageDaily.ACCOUNT_ID, DataTypes.StringType)
            .add(AccountUsageDaily.EVENT_DATE, DataTypes.DateType)
            .add(AccountUsageDaily.EVENTS, DataTypes.LongType)
            .add(AccountUsageDaily.ACTIVE_USERS, DataTypes.LongType)
            .add(AccountUsageDaily.LOGINS, DataTypes.LongType)
            .add(AccountUsageDaily.MINUTES, DataTypes.DoubleType);
    Dataset<Row> snapshots =
        spark.createDataFrame(
            List.of(
                RowFactory.create(Date.valueOf("2024-02-29")),
                RowFactory.create(Date.valueOf("2024-03-31"))),
            new StructType().add(ChurnLabels.AS_OF_DATE, DataTypes.DateType));

    List<String> actual = new ArrayList<>();
    for (Row r :
        UsageTrendFeatures.compute(spark.createDataFrame(days, schema), snapshots)
            .orderBy(UsageTrendFeatures.ACCOUNT_ID, UsageTrendFeatures.AS_OF_DATE)
            .collectAsList()) {
      StringBuilder line = new StringBuilder(r.getString(0) + " " + r.getDate(1));
      for (int i = 2; i < 9; i++) {
        line.append(' ')
            .append(r.isNullAt(i) ? "null" : String.format(Locale.ROOT, "%.6f", r.getDouble(i)));
      }
      actual.add(line.toString());
    }

    assertThat(actual)
        .containsExactly(
            "A 2024-02-29 "
                + six(2.0 / (1030 / 60.0))
                + " "
                + six((4 / 30.0) / (3 / 60.0))
                + " 2.000000 3.000000 "
                + six((300 - 315) / 42.0 / 11.25)
                + " null null",
            "A 2024-03-31 0.666667 1.666667 1.000000 1.333333 "
                + six(-65 / 42.0 / 11.25)
                + " "
                + six(1.0 / (1090 / 60.0))
                + " "
                + six((5 / 30.0) / (7 / 60.0)),
            "B 2024-02-29 null null null null " + six((15 - 17.5) / 42.0 / 0.625) + " null null",
            "B 2024-03-31 0.000000 0.000000 null null null 0.000000 0.000000",
            "C 2024-02-29 null null null null null 0.000000 0.000000",
            "C 2024-03-31 null null null null null 0.000000 0.000000");
  }

  private static String six(double v) {
    return String.format(Locale.ROOT, "%.6f", v);
  }

  private static Row day(
      String account, String date, long events, long users, long logins, double minutes) {
    return RowFactory.create(account, Date.valueOf(date), events, users, logins, minutes);
  }
}
