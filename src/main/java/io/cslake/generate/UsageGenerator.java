package io.cslake.generate;

import static io.cslake.generate.AccountSimulation.DAY_MICROS;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Streams the product events of a range of accounts during one month, one (account, day) at a time:
 * at most one account-day of events is held in memory. Each account-day has its own random stream,
 * so the events do not depend on how accounts and months are split into tasks.
 *
 * <p>Per user: a heavy-tailed intensity (log-normal, a few power users); per day: the account's
 * usage level of the month (which falls before usage-driven churn), a weekday/weekend rhythm,
 * sessions around the working hours of the account's region.
 */
final class UsageGenerator implements Iterator<Row> {
  private static final double[] WEEKDAY = {1.0, 1.05, 1.05, 1.0, 0.9, 0.22, 0.15};
  private static final long SECOND = 1_000_000L;

  private final GeneratorParams params;
  private final int[] monthDay;
  private final int month;
  private final long lastAccount;
  private final double activeScale;
  private final double eventScale;

  private long account;
  private AccountSimulation sim;
  private int day;
  private int dayEnd;
  private String[] userIds;
  private double[] weights;
  private double[] cumulative;
  private String[] features;
  private double[] featureCumulative;
  private final List<Row> buffer = new ArrayList<>();
  private int position;

  UsageGenerator(
      GeneratorParams params, int[] monthDay, long firstAccount, long lastAccount, int month) {
    this.params = params;
    this.monthDay = monthDay;
    this.month = month;
    this.account = firstAccount - 1;
    this.lastAccount = lastAccount;
    double scale = params.eventsScale();
    this.activeScale = scale < 1 ? Math.sqrt(scale) : 1.0;
    this.eventScale = scale < 1 ? Math.sqrt(scale) : scale;
    this.day = 0;
    this.dayEnd = 0;
  }

  @Override
  public boolean hasNext() {
    while (position >= buffer.size()) {
      buffer.clear();
      position = 0;
      if (day >= dayEnd && !nextAccount()) {
        return false;
      }
      generateDay(day++);
    }
    return true;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return buffer.get(position++);
  }

  private boolean nextAccount() {
    while (++account < lastAccount) {
      sim = AccountSimulation.until(params, monthDay, account, month);
      if (month < sim.signupMonth || !sim.active[month]) {
        continue;
      }
      day = Math.max(monthDay[month], sim.activeFromDay[month]);
      dayEnd = monthDay[month + 1];
      prepareUsers();
      return true;
    }
    return false;
  }

  private void prepareUsers() {
    int n = sim.users[month];
    userIds = new String[n];
    weights = new double[n];
    cumulative = new double[n];
    double total = 0;
    for (int k = 0; k < n; k++) {
      userIds[k] = sim.userId(k);
      SplittableRandom r = Randoms.stream(params.seed(), Randoms.USER, account, k);
      weights[k] = Randoms.logNormal(r, -0.5, 1.0);
      total += Math.min(1.8, Math.sqrt(weights[k]));
      cumulative[k] = total;
    }
    SplittableRandom r = Randoms.stream(params.seed(), Randoms.USER, account, -1);
    String[] order = Catalog.FEATURES.clone();
    for (int k = 1; k < order.length; k++) {
      if (r.nextDouble() < 0.35) {
        String t = order[k];
        order[k] = order[k - 1];
        order[k - 1] = t;
      }
    }
    int breadth = sim.featureBreadth[month];
    features = new String[breadth];
    double[] w = new double[breadth];
    for (int k = 0; k < breadth; k++) {
      features[k] = order[k];
      w[k] = 1.0 / (k + 1);
    }
    featureCumulative = Randoms.cumulative(w);
  }

  private void generateDay(int d) {
    SplittableRandom r = Randoms.stream(params.seed(), Randoms.USAGE_DAY, account, d);
    double level = sim.usage[month] * WEEKDAY[Math.floorMod(d + 3, 7)];
    int n = userIds.length;
    if (n <= 120) {
      for (int k = 0; k < n; k++) {
        double p = Math.min(0.92, 0.5 * Math.min(1.8, Math.sqrt(weights[k])) * level * activeScale);
        if (r.nextDouble() < p) {
          userDay(r, k, d, level);
        }
      }
    } else {
      double expected = 0.5 * cumulative[n - 1] * level * activeScale;
      int active = Math.min(n, Randoms.poisson(r, expected));
      BitSet seen = new BitSet(n);
      for (int picked = 0, tries = 0; picked < active && tries < 4 * active; tries++) {
        int k = Randoms.pick(r, cumulative);
        if (!seen.get(k)) {
          seen.set(k);
          picked++;
        }
      }
      for (int k = seen.nextSetBit(0); k >= 0; k = seen.nextSetBit(k + 1)) {
        userDay(r, k, d, level);
      }
    }
  }

  private void userDay(SplittableRandom r, int k, int d, double level) {
    int events = 1 + Randoms.poisson(r, 14 * weights[k] * level * eventScale);
    double startHour = Catalog.REGION_WORK_HOUR_UTC[sim.region] + 2.5 * Randoms.gaussian(r);
    long t = (long) (Math.max(0, Math.min(23.9, startHour)) * 3600) * SECOND;
    long dayStart = d * DAY_MICROS;
    boolean login = true;
    for (int e = 0; e < events && t < DAY_MICROS; e++) {
      String type;
      String feature;
      if (login) {
        type = "login";
        feature = "core";
        login = false;
      } else {
        feature = features[Randoms.pick(r, featureCumulative)];
        type =
            feature.equals("api")
                ? "api_call"
                : Catalog.EVENT_TYPES[Randoms.pick(r, Catalog.EVENT_TYPE_WEIGHTS)];
        if (type.equals("api_call") && !feature.equals("api")) {
          type = "view";
        }
      }
      double duration = Math.max(1, Math.round(Randoms.logNormal(r, Math.log(25), 0.9)));
      buffer.add(RowFactory.create(sim.id, userIds[k], dayStart + t, type, feature, duration, d));
      if (r.nextDouble() < 0.06) {
        t += (long) (3600 + 7200 * r.nextDouble()) * SECOND;
        login = true;
      } else {
        t += SECOND + (long) Randoms.exponential(r, 50) * SECOND;
      }
    }
  }
}
