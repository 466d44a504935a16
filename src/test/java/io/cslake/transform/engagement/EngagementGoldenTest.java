package io.cslake.transform.engagement;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.to_date;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import java.sql.Date;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engagement metrics on the hand-worked golden case {@code
 * src/test/resources/golden/engagement} (its README describes each account and user). Every
 * expected number is worked out by hand there or in the comment next to it.
 */
class EngagementGoldenTest extends SparkTestBase {
  static final String CASE = "engagement";
  static final LocalDate AS_OF = LocalDate.parse("2024-03-31");
  static final EngagementRules RULES =
      new EngagementRules(List.of(), List.of("login"), List.of(), Optional.of("automation"));
  static final double EPS = 1e-12;

  static Dataset<Row> accounts;
  static Dataset<Row> subscriptions;
  static Dataset<Row> milestones;
  static Dataset<Row> events;
  static Dataset<Row> userDays;
  static Dataset<Row> accountDays;

  @BeforeAll
  static void rollUp() {
    accounts = Frames.golden(spark, CASE, Source.ACCOUNTS);
    subscriptions = Frames.golden(spark, CASE, Source.SUBSCRIPTIONS);
    milestones = Frames.golden(spark, CASE, Source.MILESTONES);
    events =
        Frames.golden(spark, CASE, Source.USAGE_EVENTS)
            .withColumn("event_date", to_date(col("event_time")));
    userDays = UserActivityDaily.compute(events, RULES).cache();
    accountDays = AccountUsageDaily.compute(userDays).cache();
  }

  static Dataset<Row> dates(String... days) {
    StructType schema = new StructType().add(AccountEngagement.AS_OF_DATE, DataTypes.DateType);
    List<Row> rows = Arrays.stream(days).map(d -> RowFactory.create(Date.valueOf(d))).toList();
    return spark.createDataFrame(rows, schema);
  }

  static Dataset<Row> engagement(Dataset<Row> dates, EngagementRules rules) {
    Dataset<Row> users = UserActivityDaily.compute(events, rules);
    return AccountEngagement.compute(
        dates, accounts, users, AccountUsageDaily.compute(users), subscriptions, milestones, rules);
  }

  /** Engagement as of {@code day}, by account. */
  static Map<String, Row> byAccount(String day, EngagementRules rules) {
    Map<String, Row> rows = new HashMap<>();
    for (Row r : engagement(dates(day), rules).collectAsList()) {
      rows.put(r.getAs(AccountEngagement.ACCOUNT_ID), r);
    }
    return rows;
  }

  static Map<String, Row> asOfMarch31() {
    return byAccount("2024-03-31", RULES);
  }

  // --- rollups ---------------------------------------------------------------------------------

  @Test
  void userRollupHasOneRowPerAccountUserAndDayWithCountsMinutesAndFeatures() {
    // A: u1 on 03-02, 03-30, 03-31, 04-02; u2, u3, u4, u5 one day each. B: u5, u6 twice, u7.
    assertThat(userDays.count()).isEqualTo(12);
    Row u1 = only(userDays, "A", "u1", "2024-03-31");
    assertThat(u1.<Long>getAs(UserActivityDaily.EVENTS)).isEqualTo(2);
    assertThat(u1.<Long>getAs(UserActivityDaily.ACTIVE_EVENTS)).isEqualTo(2);
    assertThat(u1.<Long>getAs(UserActivityDaily.LOGINS)).isEqualTo(1);
    assertThat(u1.<Double>getAs(UserActivityDaily.MINUTES)).isCloseTo(3.0, within(EPS)); // 180 s
    assertThat(u1.getList(u1.fieldIndex(UserActivityDaily.FEATURES))).containsExactly("dashboards");
    assertThat(u1.<Integer>getAs(UserActivityDaily.FEATURES_USED)).isEqualTo(1);
    Row u3 = only(userDays, "A", "u3", "2024-03-24");
    assertThat(u3.getList(u3.fieldIndex(UserActivityDaily.FEATURES))).isEmpty();
  }

  @Test
  void accountRollupCountsUsersEventsAndDistinctFeaturesPerDay() {
    // A on 03-31: u1 (login 60 s + dashboards 120 s) and u5 (reports 120 s).
    Row a =
        accountDays
            .filter(
                col("account_id")
                    .equalTo("A")
                    .and(col("event_date").equalTo(lit(Date.valueOf(AS_OF)))))
            .first();
    assertThat(a.<Long>getAs(AccountUsageDaily.ACTIVE_USERS)).isEqualTo(2);
    assertThat(a.<Long>getAs(AccountUsageDaily.USERS)).isEqualTo(2);
    assertThat(a.<Long>getAs(AccountUsageDaily.EVENTS)).isEqualTo(3);
    assertThat(a.<Long>getAs(AccountUsageDaily.LOGINS)).isEqualTo(1);
    assertThat(a.<Double>getAs(AccountUsageDaily.MINUTES)).isCloseTo(5.0, within(EPS));
    assertThat(a.getList(a.fieldIndex(AccountUsageDaily.FEATURES)))
        .containsExactly("dashboards", "reports");
    assertThat(a.<Integer>getAs(AccountUsageDaily.FEATURES_USED)).isEqualTo(2);
    // A: 03-01, 03-02, 03-24, 03-25, 03-30, 03-31, 04-02; B: 01-20, 02-15, 03-10, 03-20.
    assertThat(accountDays.count()).isEqualTo(11);
  }

  // --- per account as of a date ----------------------------------------------------------------

  @Test
  void dauWauMauCountDistinctUsersInWindowsEndingAtTheAsOfDate() {
    Map<String, Row> e = asOfMarch31();
    Row a = e.get("A");
    // DAU: u1 (two events, once) and u5. WAU 03-25..03-31: u1, u2 (03-25, day 7), u5; not u3.
    assertThat(a.<Long>getAs(AccountEngagement.DAU)).isEqualTo(2);
    assertThat(a.<Long>getAs(AccountEngagement.WAU)).isEqualTo(3);
    // MAU 03-02..03-31: u1 (03-02 is day 30), u2, u3, u5; u4 (03-01, day 31) is out.
    assertThat(a.<Long>getAs(AccountEngagement.MAU)).isEqualTo(4);
    Row b = e.get("B");
    assertThat(b.<Long>getAs(AccountEngagement.DAU)).isZero();
    assertThat(b.<Long>getAs(AccountEngagement.WAU)).isZero();
    assertThat(b.<Long>getAs(AccountEngagement.MAU)).isEqualTo(2); // u5, u6
    // D was created after the as-of date.
    assertThat(e).containsOnlyKeys("A", "B", "C");
  }

  @Test
  void stickinessLoginFrequencyAndSessionTime() {
    Map<String, Row> e = asOfMarch31();
    Row a = e.get("A");
    // Active user-days in 30 days: u1 x3, u2, u3, u5 = 6; mean DAU 6/30 over MAU 4.
    assertThat(a.<Double>getAs(AccountEngagement.STICKINESS)).isCloseTo(6 / 30.0 / 4, within(EPS));
    // Logins: u1 03-31, u3 03-24 = 2 per 30 days = 2 x 7/30 a week, over 4 active users.
    assertThat(a.<Long>getAs(AccountEngagement.LOGINS_30D)).isEqualTo(2);
    assertThat(a.<Double>getAs(AccountEngagement.LOGIN_FREQUENCY))
        .isCloseTo(2 * 7 / 30.0 / 4, within(EPS));
    // 60 + 120 + 300 + 60 + 180 + 60 + 120 = 900 s = 15 min; u4's 600 s on 03-01 is out.
    assertThat(a.<Double>getAs(AccountEngagement.MINUTES_30D)).isCloseTo(15.0, within(EPS));
    assertThat(a.<Double>getAs(AccountEngagement.MINUTES_PER_ACTIVE_USER))
        .isCloseTo(3.75, within(EPS));
    assertThat(a.<Long>getAs(AccountEngagement.EVENTS_30D)).isEqualTo(7);
    Row b = e.get("B");
    assertThat(b.<Double>getAs(AccountEngagement.STICKINESS)).isCloseTo(2 / 30.0 / 2, within(EPS));
    assertThat(b.<Double>getAs(AccountEngagement.LOGIN_FREQUENCY))
        .isCloseTo(1 * 7 / 30.0 / 2, within(EPS));
    assertThat(b.<Double>getAs(AccountEngagement.MINUTES_30D)).isCloseTo(5.0, within(EPS));
  }

  @Test
  void activeUsageRateIsOverSeatsOrElseOverUsersEverSeen() {
    Map<String, Row> e = asOfMarch31();
    Row a = e.get("A"); // 5 seats of S1; S2's 10 seats start on 04-01
    assertThat(a.<Long>getAs(AccountEngagement.SEATS)).isEqualTo(5);
    assertThat(a.<Long>getAs(AccountEngagement.USERS_SEEN)).isEqualTo(5);
    assertThat(a.<Double>getAs(AccountEngagement.ACTIVE_USAGE_RATE)).isCloseTo(0.8, within(EPS));
    Row b = e.get("B"); // no seats: MAU 2 over users seen u5, u6, u7
    assertThat(b.<Long>getAs(AccountEngagement.SEATS)).isNull();
    assertThat(b.<Long>getAs(AccountEngagement.USERS_SEEN)).isEqualTo(3);
    assertThat(b.<Double>getAs(AccountEngagement.ACTIVE_USAGE_RATE))
        .isCloseTo(2 / 3.0, within(EPS));
    // As of 04-05, A has S1 + S2 = 15 seats.
    Row aApril = byAccount("2024-04-05", RULES).get("A");
    assertThat(aApril.<Long>getAs(AccountEngagement.SEATS)).isEqualTo(15);
  }

  @Test
  void featureBreadthIsOverTheFeaturesSeenUpToTheAsOfDate() {
    Map<String, Row> e = asOfMarch31();
    // Catalogue: reports, automation, alerts, dashboards (api first appears on 04-02).
    Row a = e.get("A"); // dashboards, reports, automation in 03-02..03-31 (alerts was 03-01)
    assertThat(a.<Long>getAs(AccountEngagement.FEATURE_CATALOGUE)).isEqualTo(4);
    assertThat(a.<Long>getAs(AccountEngagement.FEATURES_USED_30D)).isEqualTo(3);
    assertThat(a.<Double>getAs(AccountEngagement.FEATURE_BREADTH)).isCloseTo(0.75, within(EPS));
    assertThat(e.get("B").<Double>getAs(AccountEngagement.FEATURE_BREADTH))
        .isCloseTo(0.25, within(EPS));
    // As of 02-29 the catalogue is reports and automation; B used automation on 02-15.
    Row bFeb = byAccount("2024-02-29", RULES).get("B");
    assertThat(bFeb.<Long>getAs(AccountEngagement.FEATURE_CATALOGUE)).isEqualTo(2);
    assertThat(bFeb.<Double>getAs(AccountEngagement.FEATURE_BREADTH)).isCloseTo(0.5, within(EPS));
    assertThat(bFeb.<Long>getAs(AccountEngagement.MAU)).isEqualTo(1); // u6; u7 (01-20) is out
    // A configured catalogue counts only its own features: A used reports and dashboards of 5.
    EngagementRules listed =
        new EngagementRules(
            List.of(),
            List.of("login"),
            List.of("reports", "dashboards", "exports", "admin", "mobile"),
            Optional.of("automation"));
    Row aListed = byAccount("2024-03-31", listed).get("A");
    assertThat(aListed.<Long>getAs(AccountEngagement.FEATURE_CATALOGUE)).isEqualTo(5);
    assertThat(aListed.<Double>getAs(AccountEngagement.FEATURE_BREADTH))
        .isCloseTo(2 / 5.0, within(EPS));
  }

  @Test
  void timeToFirstValueUsesTheMilestoneElseTheFirstUseOfTheKeyFeature() {
    Map<String, Row> e = asOfMarch31();
    Row a = e.get("A"); // start 01-15, first_value milestone 02-04
    assertThat(a.<Date>getAs(AccountEngagement.FIRST_VALUE_DATE))
        .isEqualTo(Date.valueOf("2024-02-04"));
    assertThat(a.<Integer>getAs(AccountEngagement.TIME_TO_FIRST_VALUE_DAYS)).isEqualTo(20);
    Row b = e.get("B"); // start 02-01, automation first used 02-15
    assertThat(b.<Date>getAs(AccountEngagement.FIRST_VALUE_DATE))
        .isEqualTo(Date.valueOf("2024-02-15"));
    assertThat(b.<Integer>getAs(AccountEngagement.TIME_TO_FIRST_VALUE_DAYS)).isEqualTo(14);
    Row c = e.get("C"); // its milestone (04-05) is after the as-of date
    assertThat(c.<Date>getAs(AccountEngagement.FIRST_VALUE_DATE)).isNull();
    assertThat(c.<Integer>getAs(AccountEngagement.TIME_TO_FIRST_VALUE_DAYS)).isNull();
    // Before 02-15, B has not reached value yet.
    Row bEarly = byAccount("2024-02-10", RULES).get("B");
    assertThat(bEarly.<Integer>getAs(AccountEngagement.TIME_TO_FIRST_VALUE_DAYS)).isNull();
  }

  @Test
  void recencyAndAnAccountWithoutUsage() {
    Map<String, Row> e = asOfMarch31();
    assertThat(e.get("A").<Integer>getAs(AccountEngagement.DAYS_SINCE_LAST_ACTIVITY)).isZero();
    assertThat(e.get("B").<Integer>getAs(AccountEngagement.DAYS_SINCE_LAST_ACTIVITY))
        .isEqualTo(11); // 03-20
    Row c = e.get("C");
    assertThat(c.<Long>getAs(AccountEngagement.MAU)).isZero();
    assertThat(c.<Double>getAs(AccountEngagement.STICKINESS)).isNull(); // 0 / 0
    assertThat(c.<Double>getAs(AccountEngagement.LOGIN_FREQUENCY)).isNull();
    assertThat(c.<Double>getAs(AccountEngagement.MINUTES_PER_ACTIVE_USER)).isNull();
    assertThat(c.<Double>getAs(AccountEngagement.ACTIVE_USAGE_RATE)).isEqualTo(0.0); // 0 / 3
    assertThat(c.<Double>getAs(AccountEngagement.FEATURE_BREADTH)).isEqualTo(0.0);
    assertThat(c.<Long>getAs(AccountEngagement.USERS_SEEN)).isZero();
    assertThat(c.<Date>getAs(AccountEngagement.LAST_ACTIVITY_DATE)).isNull();
    assertThat(c.<Integer>getAs(AccountEngagement.DAYS_SINCE_LAST_ACTIVITY)).isNull();
  }

  @Test
  void activeEventTypesDecideWhoIsActive() {
    // Only views count: u3 (a login on 03-24) and u6 (a login on 03-20) are not active.
    EngagementRules views =
        new EngagementRules(List.of("VIEW"), List.of("login"), List.of(), Optional.empty());
    Map<String, Row> e = byAccount("2024-03-31", views);
    assertThat(e.get("A").<Long>getAs(AccountEngagement.MAU)).isEqualTo(3);
    assertThat(e.get("A").<Long>getAs(AccountEngagement.LOGINS_30D)).isEqualTo(2); // still logins
    assertThat(e.get("B").<Long>getAs(AccountEngagement.MAU)).isEqualTo(1);
    assertThat(e.get("B").<Integer>getAs(AccountEngagement.DAYS_SINCE_LAST_ACTIVITY))
        .isEqualTo(21); // 03-10
    // No key feature configured and no milestone: B has no time to first value.
    assertThat(e.get("B").<Integer>getAs(AccountEngagement.TIME_TO_FIRST_VALUE_DAYS)).isNull();
  }

  @Test
  void manyAsOfDatesAtOnceEqualEachDateAlone() {
    String[] days = {"2024-01-31", "2024-02-29", "2024-03-24", "2024-03-31", "2024-04-05"};
    Dataset<Row> together = engagement(dates(days), RULES);
    Dataset<Row> alone = null;
    for (String day : days) {
      Dataset<Row> one = engagement(dates(day), RULES);
      alone = alone == null ? one : alone.unionByName(one);
    }
    // A, B at 01-31; A, B, C from 02-29; D (created 04-10) never.
    assertThat(together.count()).isEqualTo(2 + 3 + 3 + 3 + 3);
    Frames.assertSameRows(together, alone, 1e-12);
  }

  // --- monthly ----------------------------------------------------------------------------------

  @Test
  void monthlyMauCountsEachAccountUserOnceAndDauMauAveragesTheMonthsDays() {
    Map<String, Row> m = new HashMap<>();
    for (Row r : EngagementMonthly.compute(userDays, accounts, AS_OF).collectAsList()) {
      m.put(r.getAs(EngagementMonthly.SEGMENT) + " " + r.getAs(EngagementMonthly.MONTH), r);
    }
    assertThat(m).hasSize(3 * 3); // Jan..Mar x ALL, smb, enterprise
    Row mar = m.get("ALL 2024-03-01");
    // A: u1..u5 (u1 on three days counted once); B: u5, u6. u5 counts in each account.
    assertThat(mar.<Long>getAs(EngagementMonthly.MAU)).isEqualTo(7);
    // Active user-days: A 3 + 1 + 1 + 1 + 1, B 1 + 1 = 9 over 31 days.
    assertThat(mar.<Double>getAs(EngagementMonthly.MEAN_DAU)).isCloseTo(9 / 31.0, within(EPS));
    assertThat(mar.<Double>getAs(EngagementMonthly.DAU_MAU)).isCloseTo(9 / 31.0 / 7, within(EPS));
    assertThat(mar.<Long>getAs(EngagementMonthly.USAGE_ACTIVE_ACCOUNTS)).isEqualTo(2);
    assertThat(mar.<Long>getAs(EngagementMonthly.EVENTS)).isEqualTo(10); // A 8 (not 04-02), B 2
    assertThat(mar.<Long>getAs(EngagementMonthly.LOGINS)).isEqualTo(3);
    assertThat(mar.<Double>getAs(EngagementMonthly.MINUTES)).isCloseTo(30.0, within(EPS));
    // February has 29 days in 2024.
    Row feb = m.get("ALL 2024-02-01");
    assertThat(feb.<Double>getAs(EngagementMonthly.DAU_MAU)).isCloseTo(1 / 29.0, within(EPS));
    // Trailing three months, pooled: (1/31 + 1/29 + 9/31) / (1 + 1 + 7).
    assertThat(mar.<Double>getAs(EngagementMonthly.DAU_MAU_3M))
        .isCloseTo((1 / 31.0 + 1 / 29.0 + 9 / 31.0) / 9, within(EPS));
    assertThat(m.get("smb 2024-03-01").<Double>getAs(EngagementMonthly.DAU_MAU))
        .isCloseTo(7 / 31.0 / 5, within(EPS));
    assertThat(m.get("enterprise 2024-03-01").<Double>getAs(EngagementMonthly.DAU_MAU))
        .isCloseTo(2 / 31.0 / 2, within(EPS));
    // No smb usage in January: zero users, a null ratio.
    Row smbJan = m.get("smb 2024-01-01");
    assertThat(smbJan.<Long>getAs(EngagementMonthly.MAU)).isZero();
    assertThat(smbJan.<Double>getAs(EngagementMonthly.DAU_MAU)).isNull();
  }

  @Test
  void partialAsOfMonthCountsItsDaysSoFar() {
    // As of 03-24: March has 24 days; active user-days up to 03-24: A u1 (03-02), u3, u4; B u5, u6.
    Row mar =
        EngagementMonthly.compute(userDays, accounts, LocalDate.parse("2024-03-24"))
            .filter(
                col("segment")
                    .equalTo("ALL")
                    .and(col("month").equalTo(lit(Date.valueOf("2024-03-01")))))
            .first();
    assertThat(mar.<Long>getAs(EngagementMonthly.MAU)).isEqualTo(5);
    assertThat(mar.<Double>getAs(EngagementMonthly.MEAN_DAU)).isCloseTo(5 / 24.0, within(EPS));
  }

  @Test
  void featureAdoptionIsOverTheMonthsActiveAccountsAndUsers() {
    Map<String, Row> f = new HashMap<>();
    Dataset<Row> adoption = FeatureAdoptionMonthly.compute(userDays, accounts, RULES, AS_OF);
    for (Row r : adoption.collectAsList()) {
      f.put(
          r.getAs(FeatureAdoptionMonthly.SEGMENT)
              + " "
              + r.getAs(FeatureAdoptionMonthly.MONTH)
              + " "
              + r.getAs(FeatureAdoptionMonthly.FEATURE),
          r);
    }
    // Jan: ALL, enterprise x {reports}; Feb: x {reports, automation}; Mar: ALL, ent, smb x 4.
    assertThat(f).hasSize(2 + 4 + 12);
    // March, ALL: 2 active accounts, 7 active users.
    assertAdoption(f.get("ALL 2024-03-01 automation"), 2, 2, 2 / 2.0, 2 / 7.0);
    assertAdoption(f.get("ALL 2024-03-01 reports"), 1, 2, 1 / 2.0, 2 / 7.0);
    assertAdoption(f.get("ALL 2024-03-01 dashboards"), 1, 1, 1 / 2.0, 1 / 7.0);
    assertAdoption(f.get("ALL 2024-03-01 alerts"), 1, 1, 1 / 2.0, 1 / 7.0);
    // March, enterprise: B with u5 and u6; only u5 used automation.
    assertAdoption(f.get("enterprise 2024-03-01 automation"), 1, 1, 1.0, 1 / 2.0);
    assertAdoption(f.get("enterprise 2024-03-01 dashboards"), 0, 0, 0.0, 0.0);
    // February: reports is in the catalogue (seen in January) but nobody used it.
    assertAdoption(f.get("ALL 2024-02-01 reports"), 0, 0, 0.0, 0.0);
    assertAdoption(f.get("ALL 2024-02-01 automation"), 1, 1, 1.0, 1.0);
    assertThat(f).doesNotContainKey("ALL 2024-03-01 api"); // first used after the as-of date
  }

  @Test
  void kpiColumnsArePresentAndNullWithoutUsage() {
    Dataset<Row> kpi =
        spark
            .range(1)
            .select(lit(Date.valueOf("2024-03-01")).as("month"), lit("ALL").as("segment"));
    Dataset<Row> without = EngagementMonthly.joinKpi(kpi, Optional.empty());
    Dataset<Row> with =
        EngagementMonthly.joinKpi(
            kpi, Optional.of(EngagementMonthly.compute(userDays, accounts, AS_OF)));
    assertThat(without.schema().toDDL()).isEqualTo(with.schema().toDDL());
    Row none = without.first();
    for (String column : EngagementMonthly.KPI_COLUMNS.keySet()) {
      assertThat(none.isNullAt(none.fieldIndex(column))).as(column).isTrue();
    }
    assertThat(with.first().<Long>getAs(EngagementMonthly.MAU)).isEqualTo(7);
  }

  private static void assertAdoption(
      Row r, long accountsUsing, long usersUsing, double accountRate, double userRate) {
    assertThat(r).isNotNull();
    assertThat(r.<Long>getAs(FeatureAdoptionMonthly.ACCOUNTS_USING)).isEqualTo(accountsUsing);
    assertThat(r.<Long>getAs(FeatureAdoptionMonthly.USERS_USING)).isEqualTo(usersUsing);
    assertThat(r.<Double>getAs(FeatureAdoptionMonthly.ACCOUNT_ADOPTION_RATE))
        .isCloseTo(accountRate, within(EPS));
    assertThat(r.<Double>getAs(FeatureAdoptionMonthly.USER_ADOPTION_RATE))
        .isCloseTo(userRate, within(EPS));
  }

  private static Row only(Dataset<Row> rows, String account, String user, String day) {
    List<Row> found =
        rows.filter(
                col("account_id")
                    .equalTo(account)
                    .and(col("user_id").equalTo(user))
                    .and(col("event_date").equalTo(lit(Date.valueOf(day)))))
            .collectAsList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }
}
