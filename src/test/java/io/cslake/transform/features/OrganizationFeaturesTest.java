package io.cslake.transform.features;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked organizational features at 2024-03-31 (window from Jan 1 exclusive) and 2024-06-30
 * (window from Apr 1 exclusive).
 *
 * <ul>
 *   <li>A c1 champion 2023-01-10 .. 2024-05-15; c2 decision maker since 2023-01-10; c3 user Feb 1
 *       .. Mar 1; c4 champion from Jul 5 (unknown at both dates); c5 admin Apr 1 .. Sep 1 (present
 *       on Jun 30: its end is in the future).
 *   <li>B c6 champion from Jun 30 23:00 (counts on Jun 30); c7 user from Jul 1.
 * </ul>
 *
 * Mar 31, A: present c1, c2; c3 lost; last champion change c1's start, 446 days earlier. Jun 30, A:
 * present c2, c5; c1 left (champion) on May 15, 46 days earlier; c3's end is outside the window.
 */
class OrganizationFeaturesTest extends SparkTestBase {

  @Test
  void featuresFollowTheHandCalculation() {
    assertThat(render(OrganizationFeatures.compute(contacts(List.of()), snapshots())))
        .containsExactly(
            "A 2024-03-31 2 1 0 0 1 446", "A 2024-06-30 2 0 1 0 1 46", "B 2024-06-30 1 1 0 0 0 0");
  }

  @Test
  void dataAfterTheAsOfDateChangesNothing() {
    List<Row> later =
        List.of(
            contact("c8", "A", "decision_maker", "2024-07-01 08:00:00", null),
            contact("c9", "C", "champion", "2024-08-01 08:00:00", "2024-08-02 08:00:00"));
    Dataset<Row> before = OrganizationFeatures.compute(contacts(List.of()), snapshots());
    Dataset<Row> after = OrganizationFeatures.compute(contacts(later), snapshots());
    assertThat(render(after)).isEqualTo(render(before));
  }

  private static List<String> render(Dataset<Row> features) {
    List<String> out = new ArrayList<>();
    for (Row r :
        features
            .orderBy(OrganizationFeatures.ACCOUNT_ID, OrganizationFeatures.AS_OF_DATE)
            .collectAsList()) {
      out.add(
          String.join(
              " ",
              r.getAs(OrganizationFeatures.ACCOUNT_ID).toString(),
              r.getAs(OrganizationFeatures.AS_OF_DATE).toString(),
              r.getAs(OrganizationFeatures.ACTIVE_CONTACTS).toString(),
              r.getAs(OrganizationFeatures.ACTIVE_CHAMPIONS).toString(),
              r.getAs(OrganizationFeatures.CHAMPION_LEFT_90D).toString(),
              r.getAs(OrganizationFeatures.DECISION_MAKER_LEFT_90D).toString(),
              r.getAs(OrganizationFeatures.CONTACTS_LOST_90D).toString(),
              String.valueOf((Object) r.getAs(OrganizationFeatures.DAYS_SINCE_CHAMPION_CHANGE))));
    }
    return out;
  }

  private static Dataset<Row> contacts(List<Row> more) {
    List<Row> rows =
        new ArrayList<>(
            List.of(
                contact("c1", "A", "champion", "2023-01-10 09:00:00", "2024-05-15 10:00:00"),
                contact("c2", "A", "Decision_Maker ", "2023-01-10 09:00:00", null),
                contact("c3", "A", "user", "2024-02-01 09:00:00", "2024-03-01 09:00:00"),
                contact("c4", "A", "champion", "2024-07-05 09:00:00", null),
                contact("c5", "A", "admin", "2024-04-01 09:00:00", "2024-09-01 09:00:00"),
                contact("c6", "B", "champion", "2024-06-30 23:00:00", null),
                contact("c7", "B", "user", "2024-07-01 00:00:00", null)));
    rows.addAll(more);
    return spark.createDataFrame(rows, Frames.contractSchema(Source.CONTACTS));
  }

  private static Row contact(String id, String account, String role, String start, String end) {
    return RowFactory.create(
        id, account, role, Timestamp.valueOf(start), end == null ? null : Timestamp.valueOf(end));
  }

  static Dataset<Row> snapshots() {
    return spark.createDataFrame(
        List.of(
            RowFactory.create(Date.valueOf("2024-03-31")),
            RowFactory.create(Date.valueOf("2024-06-30"))),
        new StructType().add(ChurnLabels.AS_OF_DATE, DataTypes.DateType, false));
  }
}
