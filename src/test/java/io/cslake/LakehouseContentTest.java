package io.cslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How two lakehouse snapshots are compared: numbers to a relative tolerance, all else exactly. */
class LakehouseContentTest {

  @Test
  void numbersAgreeToTheRelativeToleranceEverythingElseExactly() {
    String a = "{\"id\":\"A1\",\"x\":14.466666666666669,\"n\":3}";
    assertThat(
            LakehouseContent.sameWithin(a, "{\"id\":\"A1\",\"x\":14.46666666666667,\"n\":3}", 1e-9))
        .isTrue();
    assertThat(LakehouseContent.sameWithin(a, "{\"id\":\"A1\",\"x\":14.4667,\"n\":3}", 1e-9))
        .isFalse();
    assertThat(
            LakehouseContent.sameWithin(a, "{\"id\":\"A2\",\"x\":14.466666666666669,\"n\":3}", 1))
        .isFalse();
    assertThat(LakehouseContent.sameWithin(a, "{\"id\":\"A1\",\"x\":14.466666666666669}", 1))
        .isFalse();
  }

  @Test
  void aLooserToleranceAppliesToItsColumnOnly() {
    String a = "{\"spend\":307.238,\"mrr\":100.0}";
    Map<String, Double> looser = Map.of("spend", 1e-3);
    assertThat(LakehouseContent.sameWithin(a, "{\"spend\":307.164,\"mrr\":100.0}", 1e-6, looser))
        .isTrue();
    assertThat(LakehouseContent.sameWithin(a, "{\"spend\":307.238,\"mrr\":100.03}", 1e-6, looser))
        .isFalse();
    assertThat(LakehouseContent.sameWithin(a, "{\"spend\":306.0,\"mrr\":100.0}", 1e-6, looser))
        .isFalse();
  }

  @Test
  void differencesNameMissingTablesRowCountsAndChangedRows() {
    Map<String, List<String>> want =
        Map.of("gold/a", List.of("{\"v\":1}", "{\"v\":2}"), "gold/b", List.of("{\"v\":1}"));
    assertThat(LakehouseContent.differences(want, want, 1e-9)).isEmpty();
    assertThat(
            LakehouseContent.differences(
                want, Map.of("gold/a", List.of("{\"v\":1}"), "gold/c", List.of()), 1e-9))
        .containsExactlyInAnyOrder(
            "gold/b: missing", "gold/c: not expected", "gold/a: 1 rows, expected 2");
    assertThat(
            LakehouseContent.differences(
                want,
                Map.of("gold/a", List.of("{\"v\":1}", "{\"v\":3}"), "gold/b", List.of("{\"v\":1}")),
                1e-9))
        .containsExactly("gold/a: row\n  {\"v\":2}\nis now\n  {\"v\":3}");
  }

  @Test
  void aLooserToleranceMayNameItsTable() {
    Map<String, List<String>> want =
        Map.of("gold/a", List.of("{\"value\":100.0}"), "gold/b", List.of("{\"value\":100.0}"));
    Map<String, List<String>> got =
        Map.of("gold/a", List.of("{\"value\":102.0}"), "gold/b", List.of("{\"value\":102.0}"));
    assertThat(LakehouseContent.differences(want, got, 1e-6, Map.of("gold/a.value", 5e-2)))
        .containsExactly("gold/b: row\n  {\"value\":100.0}\nis now\n  {\"value\":102.0}");
  }
}
