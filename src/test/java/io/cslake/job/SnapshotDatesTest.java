package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** Feature snapshots: month-ends of the history and the as-of date, none before the data starts. */
class SnapshotDatesTest {

  @Test
  void monthEndsOfTheHistoryThenTheAsOfDate() {
    assertThat(FeaturesJob.snapshotDates(LocalDate.of(2024, 3, 15), 3))
        .containsExactly(
            LocalDate.of(2023, 12, 31),
            LocalDate.of(2024, 1, 31),
            LocalDate.of(2024, 2, 29),
            LocalDate.of(2024, 3, 15));
  }

  @Test
  void noSnapshotBeforeTheFirstDayOfData() {
    // Data from 2024-01-10: January's end is the first snapshot, December's is dropped.
    assertThat(FeaturesJob.snapshotDates(LocalDate.of(2024, 3, 15), 3, LocalDate.of(2024, 1, 10)))
        .containsExactly(
            LocalDate.of(2024, 1, 31), LocalDate.of(2024, 2, 29), LocalDate.of(2024, 3, 15));
    // A month-end on the first day itself is kept.
    assertThat(FeaturesJob.snapshotDates(LocalDate.of(2024, 3, 15), 3, LocalDate.of(2024, 1, 31)))
        .first()
        .isEqualTo(LocalDate.of(2024, 1, 31));
  }

  @Test
  void anAsOfDateInTheFirstMonthOfDataIsTheOnlySnapshot() {
    assertThat(FeaturesJob.snapshotDates(LocalDate.of(2024, 1, 20), 18, LocalDate.of(2024, 1, 1)))
        .containsExactly(LocalDate.of(2024, 1, 20));
  }
}
