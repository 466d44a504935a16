package io.cslake.generate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Daily exchange rates: a mean-reverting random walk per currency; USD, the reporting one, at 1.
 */
final class FxRates {
  private FxRates() {}

  static List<Row> rows(long seed, int currency, int firstDay, int endDay) {
    List<Row> rows = new ArrayList<>(endDay - firstDay);
    SplittableRandom r = Randoms.stream(seed, Randoms.FX, currency);
    double base = Catalog.CURRENCY_BASE_RATE[currency];
    double sigma = Catalog.CURRENCY_VOLATILITY[currency];
    double x = 0;
    for (int d = firstDay; d < endDay; d++) {
      BigDecimal rate =
          currency == 0
              ? BigDecimal.ONE.setScale(12)
              : BigDecimal.valueOf(base * Math.exp(x)).setScale(12, RoundingMode.HALF_UP);
      rows.add(RowFactory.create(d, Catalog.CURRENCIES[currency], rate));
      x = 0.995 * x + sigma * Randoms.gaussian(r);
    }
    return rows;
  }
}
