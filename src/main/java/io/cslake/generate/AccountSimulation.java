package io.cslake.generate;

import static io.cslake.generate.Catalog.*;

import io.cslake.contract.Source;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One account's life, simulated month by month from its own random stream: signup, onboarding,
 * contacts, subscription lines and their changes, tickets, surveys, invoices, CSM touches,
 * referrals, one-off purchases, and each month's churn hazard with the causes that drive it.
 *
 * <p>Everything drawn for month m comes after everything drawn for earlier months, so a simulation
 * stopped after month m ({@code untilMonth}) agrees with the full one on months up to m: the usage
 * generator relies on this to simulate only as far as the month it writes.
 *
 * <p>Facts are kept in their raw encoding (timestamps as epoch microseconds, dates as epoch days,
 * money as {@link BigDecimal} of scale 4) in the column order of {@link Tables}.
 */
final class AccountSimulation {
  static final long DAY_MICROS = 86_400_000_000L;
  private static final long SECOND = 1_000_000L;
  private static final long HOUR = 3600 * SECOND;

  private final GeneratorParams params;
  private final long index;
  private final SplittableRandom r;
  private final boolean collect;
  private final int months;
  private final int[] monthDay;
  private final long endMicros;

  final String id;
  private final String number;
  final int segment;
  final int region;
  private final int currency;
  private final int industry;
  private final int employeeBand;
  private final String csmId;
  private final String name;
  private boolean annual;
  private final boolean initialAnnual;
  private final int initialPlan;
  private final boolean mrrForm;
  private final int paymentMethod;
  final long createdMicros;
  final int signupMonth;
  private final double latent;
  private final double utilization;
  private final double adoptionSpeed;
  private final double satisfactionBase;

  /**
   * Per month: whether the account pays, from which epoch day, its usage level, users, features.
   */
  final boolean[] active;

  final int[] activeFromDay;
  final double[] usage;
  final int[] users;
  final int[] featureBreadth;

  // state
  private int seats;
  private int plan;
  private int termEndMonth = -1;
  private int subscriptionSeq;
  private int addOnsOwned;
  private final List<Line> lines = new ArrayList<>();
  private final List<Contact> contacts = new ArrayList<>();
  private boolean stalled;
  private long[] milestoneTimes;
  private long onboardingSurveyAt = -1;
  private double onboardingScore;
  private int churnMonth = -1;
  private String primaryCause;
  private int reactivationMonth = -1;
  private boolean reactivated;
  private int churnCount;

  private final Map<Source, List<Object[]>> facts = new EnumMap<>(Source.class);
  private final List<Object[]> truthMonths = new ArrayList<>();

  private AccountSimulation(
      GeneratorParams params, int[] monthDay, long index, int untilMonth, boolean collect) {
    this.params = params;
    this.index = index;
    this.collect = collect;
    this.months = params.months();
    this.monthDay = monthDay;
    this.endMicros = monthDay[months] * DAY_MICROS;
    this.r = Randoms.stream(params.seed(), Randoms.ACCOUNT, index);
    this.number = String.format("%06d", index + 1);
    this.id = "A" + number;
    active = new boolean[months];
    activeFromDay = new int[months];
    usage = new double[months];
    users = new int[months];
    featureBreadth = new int[months];

    segment = Randoms.pick(r, SEGMENT_WEIGHTS);
    region = Randoms.pick(r, REGION_WEIGHTS);
    int drawn = Randoms.pick(r, REGION_CURRENCY[region]);
    // Without exchange rates every account bills in the reporting currency (index 0, USD):
    // amounts in other currencies could not be converted, and the data would break the contract.
    // The draw is made all the same, so the other attributes do not depend on the sources written.
    currency = params.includes(Source.FX_RATES) ? drawn : 0;
    industry = r.nextInt(INDUSTRIES.length);
    employeeBand = Math.min(EMPLOYEE_BANDS.length - 1, segment * 2 + r.nextInt(2));
    long csms = Math.max(2, (params.accounts() + 74) / 75);
    csmId =
        String.format("CSM%03d", 1 + Math.floorMod(Randoms.hash(params.seed(), 77, index), csms));
    name = Randoms.pick(r, NAME_FIRST) + " " + Randoms.pick(r, NAME_SECOND) + " " + number;
    annual = r.nextDouble() < ANNUAL[segment];
    initialAnnual = annual;
    plan = Randoms.pick(r, PLAN_WEIGHTS[segment]);
    initialPlan = plan;
    mrrForm = r.nextBoolean();
    paymentMethod = paymentMethod(r.nextDouble());
    latent = Randoms.gaussian(r);
    utilization = 0.55 + 0.4 * r.nextDouble();
    adoptionSpeed = 0.2 + 0.5 * r.nextDouble();
    satisfactionBase = 8.1 + 0.6 * Randoms.gaussian(r);
    int[] bounds = SEATS[segment];
    seats =
        (int)
            Math.round(
                Math.exp(
                    Math.log(bounds[0])
                        + r.nextDouble() * Math.log((double) bounds[1] / bounds[0])));

    // signup month: the company grows, so later months see more signups
    int lastSignup = Math.max(1, months - 1);
    double[] w = new double[lastSignup];
    for (int m = 0; m < lastSignup; m++) {
      w[m] = 1.0 + 1.5 * m / lastSignup;
    }
    signupMonth = Randoms.pick(r, Randoms.cumulative(w));
    int daysInMonth = monthDay[signupMonth + 1] - monthDay[signupMonth];
    int day = monthDay[signupMonth] + r.nextInt(daysInMonth);
    createdMicros = day * DAY_MICROS + (long) (6 + r.nextInt(14)) * HOUR + r.nextInt(3600) * SECOND;

    onboarding();
    contactsAtSignup();
    simulate(Math.min(untilMonth, months - 1));
  }

  /** Simulates the whole life of account {@code index}, keeping every fact. */
  static AccountSimulation full(GeneratorParams params, int[] monthDay, long index) {
    return new AccountSimulation(params, monthDay, index, Integer.MAX_VALUE, true);
  }

  /** Simulates account {@code index} up to and including month {@code m}, keeping no facts. */
  static AccountSimulation until(GeneratorParams params, int[] monthDay, long index, int m) {
    return new AccountSimulation(params, monthDay, index, m, false);
  }

  /** Epoch days of the first day of month k relative to the start, for k in 0..months+12. */
  static int[] monthDays(LocalDate start, int months) {
    int[] days = new int[months + 14];
    for (int k = 0; k < days.length; k++) {
      days[k] = (int) start.plusMonths(k).toEpochDay();
    }
    return days;
  }

  List<Object[]> rows(Source source) {
    return facts.getOrDefault(source, List.of());
  }

  List<Object[]> truthMonths() {
    return truthMonths;
  }

  Object[] truthAccount() {
    return new Object[] {
      id,
      SEGMENTS[segment],
      latent,
      churnMonth < 0 ? null : monthDay[churnMonth],
      primaryCause,
      reactivated,
      churnCount
    };
  }

  String userId(int k) {
    return "U" + number + "-" + String.format("%04d", k + 1);
  }

  private int paymentMethod(double u) {
    if (segment == 0) {
      return u < 0.78 ? 0 : u < 0.9 ? (currency == 1 ? 2 : 1) : 3;
    }
    if (segment == 1) {
      return u < 0.35 ? 0 : u < 0.55 ? (currency == 1 ? 2 : 1) : 3;
    }
    return u < 0.85 ? 3 : 4;
  }

  private void add(Source source, Object... row) {
    if (collect) {
      facts.computeIfAbsent(source, s -> new ArrayList<>()).add(row);
    }
  }

  // ---------------------------------------------------------------- signup

  private void onboarding() {
    double stallProbability = new double[] {0.12, 0.16, 0.2}[segment] + (latent > 0.8 ? 0.12 : 0);
    stalled = r.nextDouble() < stallProbability;
    int reached = stalled ? 1 + r.nextInt(3) : 4;
    milestoneTimes = new long[reached];
    long t = createdMicros + (long) ((0.5 + 4.5 * r.nextDouble()) * DAY_MICROS);
    double[][] gaps = {{0, 0}, {4, 25}, {5, 30}, {10, 45}};
    for (int k = 0; k < reached; k++) {
      if (k > 0) {
        t += (long) ((gaps[k][0] + (gaps[k][1] - gaps[k][0]) * r.nextDouble()) * DAY_MICROS);
      }
      milestoneTimes[k] = t;
    }
    if (stalled) {
      onboardingSurveyAt = createdMicros + 45 * DAY_MICROS + r.nextInt(86400) * SECOND;
      onboardingScore = clamp(Math.round(2.4 + 0.9 * Randoms.gaussian(r)), 1, 5);
    } else {
      onboardingSurveyAt = milestoneTimes[3] + 3 * DAY_MICROS + r.nextInt(86400) * SECOND;
      onboardingScore = clamp(Math.round(4.3 + 0.6 * Randoms.gaussian(r)), 1, 5);
    }
  }

  private void contactsAtSignup() {
    contacts.add(new Contact("champion", createdMicros));
    contacts.add(new Contact("decision_maker", createdMicros + SECOND));
    int admins = 1 + (segment > 0 ? r.nextInt(2 + segment) : 0);
    int others = 1 + r.nextInt(2 + 2 * segment);
    for (int k = 0; k < admins; k++) {
      contacts.add(new Contact("admin", createdMicros + (2 + k) * SECOND));
    }
    for (int k = 0; k < others; k++) {
      contacts.add(
          new Contact(
              "user", createdMicros + (long) (1 + r.nextInt(30)) * DAY_MICROS + k * SECOND));
    }
  }

  // ---------------------------------------------------------------- months

  private void simulate(int lastMonth) {
    double trend = 1.0;
    boolean decline = false;
    boolean championPresent = true;
    int championGoneMonth = -100;
    int championReplaceMonth = -1;
    boolean deciderPresent = true;
    int deciderGoneMonth = -100;
    int deciderReplaceMonth = -1;
    int crisisUntil = -1;
    int payTroubleUntil = -1;
    int lastFailedMonth = -100;
    double noise = 0;
    double satisfaction = satisfactionBase;
    List<Long> openTickets = new ArrayList<>();
    double[] npsByMonth = new double[months];
    int[] npsCount = new int[months];
    double[] csatByMonth = new double[months];
    int[] csatCount = new int[months];
    boolean activeNow = true;
    int ticketSeq = 0;
    int invoiceSeq = 0;
    int referralSeq = 0;
    boolean buyer = r.nextDouble() < 0.35;
    double purchasesPerDay = Randoms.gamma(r, 0.9, 0.25) / 7.0;
    double dropout = Randoms.beta(r, 1.0, 5.0);
    double spendMean = Randoms.gamma(r, 3.0, 60.0);
    long nextPurchase = createdMicros + (long) (r.nextDouble() * 20 * DAY_MICROS);

    for (int m = signupMonth; m <= lastMonth; m++) {
      long monthStart = monthDay[m] * DAY_MICROS;
      long monthEnd = monthDay[m + 1] * DAY_MICROS;
      long from = m == signupMonth ? createdMicros : monthStart;
      int tenure = m - signupMonth;
      if (!activeNow) {
        if (m != reactivationMonth) {
          continue;
        }
        activeNow = true;
        reactivated = true;
        annual = false;
        trend = 0.8;
        decline = false;
        crisisUntil = -1;
        payTroubleUntil = -1;
        seats = Math.max(1, (int) Math.round(seats * 0.6));
        lines.add(newMainLine(monthDay[m], m));
        if (!championPresent) {
          contacts.add(new Contact("champion", monthStart + r.nextInt(86400 * 5) * SECOND));
          championPresent = true;
        }
      }
      active[m] = true;
      activeFromDay[m] = (int) (from / DAY_MICROS);
      double risk = Math.exp(0.35 * latent);

      // --- troubles start and end
      if (tenure >= 1) {
        if (!decline && r.nextDouble() < 0.016 * risk) {
          decline = true;
        } else if (decline && r.nextDouble() < 0.07) {
          decline = false;
        }
        if (championPresent && tenure >= 2 && r.nextDouble() < 0.017 * risk) {
          endContact("champion", randomTime(from, monthEnd));
          championPresent = false;
          championGoneMonth = m;
          championReplaceMonth = m + 1 + r.nextInt(4);
          if (r.nextDouble() < 0.45) {
            decline = true;
          }
        } else if (!championPresent && m >= championReplaceMonth) {
          contacts.add(new Contact("champion", randomTime(from, monthEnd)));
          championPresent = true;
        }
        if (deciderPresent && tenure >= 2 && r.nextDouble() < 0.01 * risk) {
          endContact("decision_maker", randomTime(from, monthEnd));
          deciderPresent = false;
          deciderGoneMonth = m;
          deciderReplaceMonth = m + 1 + r.nextInt(3);
        } else if (!deciderPresent && m >= deciderReplaceMonth) {
          contacts.add(new Contact("decision_maker", randomTime(from, monthEnd)));
          deciderPresent = true;
        }
        if (m > crisisUntil && r.nextDouble() < 0.014 * risk) {
          crisisUntil = m + 1 + r.nextInt(4);
        }
        double payRisk = paymentMethod == 0 ? 0.014 : 0.005;
        if (m > payTroubleUntil && r.nextDouble() < payRisk * risk) {
          payTroubleUntil = m + r.nextInt(3);
        }
      }
      boolean crisis = m <= crisisUntil;
      boolean payTrouble = m <= payTroubleUntil;

      // --- usage level
      if (decline) {
        trend = Math.max(0.06, trend * (0.6 + 0.16 * r.nextDouble()));
      } else {
        trend = Math.min(1.0, trend + 0.08);
      }
      double ramp =
          stalled ? (tenure < 6 ? 0.5 : 0.75) : tenure == 0 ? 0.6 : tenure == 1 ? 0.85 : 1;
      int monthOfYear = LocalDate.ofEpochDay(monthDay[m]).getMonthValue();
      double seasonal = monthOfYear == 12 ? 0.82 : monthOfYear == 8 ? 0.9 : 1.0;
      usage[m] = trend * ramp * seasonal * Randoms.logNormal(r, 0, 0.07);
      boolean troubled = decline || crisis || satisfaction < 6 || !championPresent;

      // --- commercial changes
      if (tenure == 0) {
        lines.add(newMainLine((int) (createdMicros / DAY_MICROS), m));
        if (segment == 2 && r.nextDouble() < 0.3) {
          lines.add(newAddOnLine(m, (int) (createdMicros / DAY_MICROS)));
        }
      } else if (annual) {
        annualChanges(m, troubled);
      } else {
        monthlyChanges(m, troubled, satisfaction);
      }
      users[m] = Math.max(1, (int) Math.round(seats * utilization));
      featureBreadth[m] =
          (int)
              Math.max(
                  1,
                  Math.min(
                      FEATURES.length,
                      Math.round((2 + tenure * adoptionSpeed) * (0.4 + 0.6 * trend))));

      // --- support tickets
      double ticketRate =
          TICKETS_PER_MONTH[segment]
              * (crisis ? 4.5 : 1)
              * (tenure == 0 ? 1.5 : 1)
              * (decline ? 0.8 : 1);
      int tickets = Randoms.poisson(r, ticketRate);
      for (int k = 0; k < tickets; k++) {
        long created = randomTime(from, monthEnd);
        String priority = priority(crisis);
        String category =
            TICKET_CATEGORIES[
                Randoms.pick(r, crisis ? CRISIS_CATEGORY_WEIGHTS : TICKET_CATEGORY_WEIGHTS)];
        long firstResponse =
            created + (long) (Randoms.logNormal(r, Math.log(crisis ? 12 : 3), 0.8) * HOUR);
        boolean unresolved = r.nextDouble() < (crisis ? 0.35 : 0.03);
        long resolved =
            unresolved
                ? Long.MAX_VALUE
                : firstResponse
                    + (long) (Randoms.logNormal(r, Math.log(crisis ? 150 : 20), 1.0) * HOUR);
        boolean escalated =
            r.nextDouble() < (priority.equals("urgent") ? 0.4 : 0.04) + (crisis ? 0.2 : 0);
        Double csat = null;
        if (resolved < endMicros && r.nextDouble() < 0.45) {
          csat = (double) clamp(Math.round((crisis ? 2.3 : 4.2) + 0.8 * Randoms.gaussian(r)), 1, 5);
        }
        add(
            Source.SUPPORT_TICKETS,
            "T" + number + "-" + String.format("%04d", ++ticketSeq),
            id,
            created,
            firstResponse < endMicros ? firstResponse : null,
            resolved < endMicros ? resolved : null,
            priority,
            category,
            escalated,
            csat);
        openTickets.add(resolved);
      }
      final long horizon = monthEnd;
      openTickets.removeIf(t -> t < horizon);
      int backlog = openTickets.size();

      // --- satisfaction, surveys
      noise = 0.7 * noise + 0.45 * Randoms.gaussian(r);
      satisfaction =
          satisfactionBase
              - 2.8 * (1 - trend)
              - (championPresent ? 0 : 1.4)
              - (crisis || backlog >= BACKLOG_THRESHOLD[segment] ? 1.8 : 0)
              - (payTrouble ? 0.6 : 0)
              - (stalled && tenure < 6 ? 1.2 : 0)
              + noise;
      if (tenure >= 1 && tenure % 3 == 1) {
        int invites = Math.min(users[m], NPS_INVITES[segment]);
        int firstUser = r.nextInt(users[m]);
        long[] times = distinctTimes(invites, from, monthEnd);
        for (int k = 0; k < invites; k++) {
          if (r.nextDouble() < 0.45) {
            int score = (int) clamp(Math.round(satisfaction + 1.3 * Randoms.gaussian(r)), 0, 10);
            npsByMonth[m] += score;
            npsCount[m]++;
            add(
                Source.SURVEYS,
                id,
                times[k],
                "nps",
                (double) score,
                userId((firstUser + k) % users[m]),
                r.nextDouble() < 0.6 ? comment(score >= 9 ? 2 : score >= 7 ? 1 : 0) : null);
          }
        }
      }
      if (tenure >= 1 && r.nextDouble() < 0.35) {
        int score =
            (int)
                clamp(Math.round(1 + 4 * (satisfaction - 2) / 8 + 0.6 * Randoms.gaussian(r)), 1, 5);
        csatByMonth[m] += score;
        csatCount[m]++;
        add(
            Source.SURVEYS,
            id,
            randomTime(from, monthEnd),
            "csat",
            (double) score,
            userId(r.nextInt(users[m])),
            r.nextDouble() < 0.4 ? comment(score >= 5 ? 2 : score >= 4 ? 1 : 0) : null);
      }

      // --- invoices
      for (Object[] invoice : invoicesOf(m, from)) {
        String status;
        double u = r.nextDouble();
        if (payTrouble) {
          status = u < 0.5 ? "failed" : u < 0.8 ? "overdue" : "paid";
        } else {
          status = u < 0.955 ? "paid" : u < 0.975 ? "overdue" : u < 0.985 ? "refunded" : "failed";
        }
        if (status.equals("failed") || status.equals("overdue")) {
          lastFailedMonth = m;
        }
        add(
            Source.INVOICES,
            "I" + number + "-" + String.format("%04d", ++invoiceSeq),
            id,
            invoice[0],
            invoice[1],
            status,
            CURRENCIES[currency]);
      }

      // --- CSM touches
      int proactive = Randoms.poisson(r, TOUCHES_PER_MONTH[segment] * (tenure < 2 ? 2 : 1));
      int reactive = troubled ? Randoms.poisson(r, 0.8) : 0;
      long[] touchTimes = distinctTimes(proactive + reactive, from, monthEnd);
      for (int k = 0; k < proactive + reactive; k++) {
        boolean isProactive = k < proactive;
        String type =
            isProactive
                ? (tenure < 2 && r.nextDouble() < 0.5
                    ? "onboarding_call"
                    : PROACTIVE_TOUCHES[r.nextInt(PROACTIVE_TOUCHES.length - 1)])
                : Randoms.pick(r, REACTIVE_TOUCHES);
        add(Source.CSM_ACTIVITIES, id, csmId, touchTimes[k], type, isProactive);
      }

      // --- referrals
      if (tenure >= 1
          && r.nextDouble() < (satisfaction >= 9 ? 0.05 : satisfaction >= 8 ? 0.02 : 0.003)) {
        long referred = randomTime(from, monthEnd);
        long converted = referred + (long) ((10 + 50 * r.nextDouble()) * DAY_MICROS);
        boolean converts = r.nextDouble() < 0.35;
        add(
            Source.REFERRALS,
            id,
            referred,
            "R" + number + "-" + String.format("%03d", ++referralSeq),
            converts && converted < endMicros ? converted : null);
      }

      // --- one-off purchases (BG/NBD-like: Poisson purchases while alive, dropout after each)
      while (buyer && nextPurchase < monthEnd) {
        if (nextPurchase >= from) {
          double amount = Math.max(1.0, Randoms.gamma(r, 5.0, spendMean / 5.0));
          add(Source.TRANSACTIONS, id, nextPurchase, money(amount));
          if (r.nextDouble() < dropout) {
            buyer = false;
          }
        }
        nextPurchase =
            Math.max(nextPurchase, from)
                + SECOND
                + (long) (Randoms.exponential(r, 1.0 / purchasesPerDay) * DAY_MICROS);
      }

      // --- next month's churn hazard and its causes
      if (m + 1 < months) {
        List<String> causes = new ArrayList<>(4);
        double logHazard =
            Math.log(BASE_HAZARD[segment]) + 0.5 * latent + 0.25 * Randoms.gaussian(r);
        double strongest = 0;
        String primary = LATENT;
        double recentNps = mean(npsByMonth, npsCount, m - 5, m);
        double recentCsat = mean(csatByMonth, csatCount, m - 2, m);
        double[] weights = {
          trend < 0.7 ? 1.2 + 1.5 * (0.7 - trend) : 0,
          m - championGoneMonth <= 3 ? 1.3 : 0,
          (!Double.isNaN(recentNps) && recentNps <= 6)
                  || (!Double.isNaN(recentCsat) && recentCsat <= 2.5)
              ? 1.1
              : 0,
          backlog >= BACKLOG_THRESHOLD[segment] ? 1.0 : 0,
          m - lastFailedMonth <= 2 ? 1.1 : 0,
          stalled && tenure <= 6 ? 0.8 : 0,
          m - deciderGoneMonth <= 3 ? 0.5 : 0
        };
        String[] names = {
          USAGE_DECLINE,
          CHAMPION_LEFT,
          LOW_NPS,
          SUPPORT_BACKLOG,
          FAILED_INVOICES,
          ONBOARDING_STALLED,
          DECISION_MAKER_LEFT
        };
        for (int k = 0; k < weights.length; k++) {
          if (weights[k] > 0) {
            causes.add(names[k]);
            logHazard += weights[k];
            if (weights[k] > strongest) {
              strongest = weights[k];
              primary = names[k];
            }
          }
        }
        if (annual) {
          logHazard += m + 1 == termEndMonth ? 0.9 : -0.9;
        }
        double hazard = Math.min(0.9, Math.exp(logHazard));
        boolean churns = r.nextDouble() < hazard;
        truthMonths.add(
            new Object[] {id, monthDay[m + 1], hazard, churns, causes.toArray(new String[0])});
        if (churns) {
          churn(m, primary, from);
          activeNow = false;
          buyer = false;
          if (r.nextDouble() < 0.15) {
            reactivationMonth = m + 3 + r.nextInt(7);
          }
        }
      }
    }
    if (collect) {
      finish();
    }
  }

  private String priority(boolean crisis) {
    int p = Randoms.pick(r, TICKET_PRIORITY_WEIGHTS);
    if (crisis && p < 3 && r.nextDouble() < 0.3) {
      p++;
    }
    return TICKET_PRIORITIES[p];
  }

  /** The last paid month is m: every line ends on the first day of m + 1; usage winds down. */
  private void churn(int m, String primary, long from) {
    int churnDay = monthDay[m + 1];
    for (Line line : lines) {
      if (line.endDay == null || line.endDay > churnDay) {
        line.endDay = churnDay;
        line.endMonth = m + 1;
      }
    }
    if (churnMonth < 0) {
      churnMonth = m + 1;
      primaryCause = primary;
    }
    churnCount++;
    addOnsOwned = 0;
    usage[m] *= 0.55;
    long monthEnd = churnDay * DAY_MICROS;
    long notice = Math.max(from, monthEnd - 12 * DAY_MICROS);
    add(Source.CHURN_EVENTS, id, randomTime(notice, monthEnd), reason(primary));
  }

  private String reason(String cause) {
    double u = r.nextDouble();
    return switch (cause) {
      case USAGE_DECLINE -> u < 0.6 ? "low_adoption" : "no_longer_needed";
      case CHAMPION_LEFT, DECISION_MAKER_LEFT -> u < 0.7 ? "champion_left" : "reorganization";
      case LOW_NPS -> u < 0.5 ? "product_fit" : "missing_features";
      case SUPPORT_BACKLOG -> "poor_support";
      case FAILED_INVOICES -> u < 0.6 ? "payment_failure" : "budget_cut";
      case ONBOARDING_STALLED -> "failed_onboarding";
      default -> Randoms.pick(r, FALLBACK_REASONS);
    };
  }

  // ---------------------------------------------------------------- subscription lines

  private BigDecimal seatPrice(int p) {
    double usd = PLAN_PRICE_USD[p] * new double[] {1.0, 0.95, 0.85}[segment];
    return BigDecimal.valueOf(usd / CURRENCY_BASE_RATE[currency]).setScale(2, RoundingMode.HALF_UP);
  }

  private BigDecimal addOnPrice() {
    double usd = ADD_ON_PRICE_USD[segment];
    return BigDecimal.valueOf(usd / CURRENCY_BASE_RATE[currency]).setScale(2, RoundingMode.HALF_UP);
  }

  private Line newMainLine(int startDay, int m) {
    Line line = new Line();
    line.subscriptionId = "S" + number + "-" + (++subscriptionSeq);
    line.productId = CORE_PRODUCT;
    line.plan = PLANS[plan];
    line.seats = seats;
    line.startDay = startDay;
    line.startMonth = m;
    line.monthly = seatPrice(plan).multiply(BigDecimal.valueOf(seats)).setScale(4);
    line.annual = annual;
    if (annual) {
      termEndMonth = m + 12;
      line.endDay = monthDay[m + 12];
      line.endMonth = m + 12;
    }
    return line;
  }

  private Line newAddOnLine(int m, int startDay) {
    int available = 0;
    for (int k = 0; k < ADD_ONS.length; k++) {
      if ((addOnsOwned & (1 << k)) == 0) {
        available++;
      }
    }
    int pickIndex = r.nextInt(Math.max(1, available));
    int product = 0;
    for (int k = 0, seen = 0; k < ADD_ONS.length; k++) {
      if ((addOnsOwned & (1 << k)) == 0) {
        if (seen++ == pickIndex) {
          product = k;
          break;
        }
      }
    }
    addOnsOwned |= 1 << product;
    Line line = new Line();
    line.subscriptionId = "S" + number + "-" + (++subscriptionSeq);
    line.productId = ADD_ONS[product];
    line.plan = "add_on";
    line.startDay = startDay;
    line.startMonth = m;
    line.monthly = addOnPrice().setScale(4);
    line.annual = annual;
    line.addOn = product;
    if (annual) {
      line.endDay = monthDay[termEndMonth];
      line.endMonth = termEndMonth;
    }
    return line;
  }

  private boolean hasAllAddOns() {
    return addOnsOwned == (1 << ADD_ONS.length) - 1;
  }

  private Line openMain() {
    for (int k = lines.size() - 1; k >= 0; k--) {
      Line line = lines.get(k);
      if (line.productId.equals(CORE_PRODUCT) && !line.expansion && line.endDay == null) {
        return line;
      }
    }
    return null;
  }

  private void monthlyChanges(int m, boolean troubled, double satisfaction) {
    Line main = openMain();
    if (main == null || main.startMonth == m) {
      return;
    }
    int newSeats = seats;
    int newPlan = plan;
    double u = r.nextDouble();
    if (!troubled && u < 0.05) {
      newSeats = seats + Math.max(1, (int) Math.round(seats * (0.1 + 0.3 * r.nextDouble())));
    } else if (!troubled && u < 0.065 && plan < 2) {
      newPlan = plan + 1;
    } else if (troubled && u < 0.12 && seats > 1) {
      newSeats =
          Math.max(1, seats - Math.max(1, (int) Math.round(seats * (0.1 + 0.25 * r.nextDouble()))));
    }
    if (newSeats != seats || newPlan != plan) {
      main.endDay = monthDay[m];
      main.endMonth = m;
      seats = newSeats;
      plan = newPlan;
      Line next = newMainLine(monthDay[m], m);
      next.subscriptionId = main.subscriptionId;
      subscriptionSeq--;
      lines.add(next);
    }
    if (!troubled && !hasAllAddOns() && r.nextDouble() < 0.012) {
      lines.add(newAddOnLine(m, monthDay[m]));
    } else if (troubled && r.nextDouble() < 0.08) {
      for (Line line : lines) {
        if (line.addOn >= 0 && line.endDay == null && line.startMonth < m) {
          line.endDay = monthDay[m];
          line.endMonth = m;
          addOnsOwned &= ~(1 << line.addOn);
          break;
        }
      }
    }
  }

  private void annualChanges(int m, boolean troubled) {
    if (m == termEndMonth) {
      List<Line> renewed = new ArrayList<>();
      for (Line line : lines) {
        if (line.endMonth != null && line.endMonth == m && line.annual && !line.expansion) {
          if (line.addOn >= 0) {
            if (troubled && r.nextDouble() < 0.25) {
              addOnsOwned &= ~(1 << line.addOn);
              continue;
            }
            Line next = line.copy();
            next.startDay = monthDay[m];
            next.startMonth = m;
            next.endDay = monthDay[m + 12];
            next.endMonth = m + 12;
            renewed.add(next);
          }
        }
      }
      if (troubled && r.nextDouble() < 0.3 && seats > 1) {
        seats =
            Math.max(
                1, seats - Math.max(1, (int) Math.round(seats * (0.1 + 0.2 * r.nextDouble()))));
      } else if (!troubled && r.nextDouble() < 0.1 && plan < 2) {
        plan++;
      } else if (!troubled && r.nextDouble() < 0.2) {
        seats += Math.max(1, (int) Math.round(seats * (0.05 + 0.2 * r.nextDouble())));
      }
      Line main = newMainLine(monthDay[m], m);
      main.subscriptionId = "S" + number + "-1";
      subscriptionSeq--;
      for (Line line : lines) {
        if (line.productId.equals(CORE_PRODUCT)
            && !line.expansion
            && line.endMonth != null
            && line.endMonth == m) {
          main.subscriptionId = line.subscriptionId;
        }
      }
      lines.add(main);
      lines.addAll(renewed);
      return;
    }
    if (!troubled && r.nextDouble() < 0.04) {
      int extra = Math.max(1, (int) Math.round(seats * (0.1 + 0.3 * r.nextDouble())));
      Line main = null;
      for (Line line : lines) {
        if (line.productId.equals(CORE_PRODUCT)
            && !line.expansion
            && line.endMonth != null
            && line.endMonth == termEndMonth) {
          main = line;
        }
      }
      if (main != null) {
        Line expansion = new Line();
        expansion.subscriptionId = main.subscriptionId;
        expansion.productId = CORE_PRODUCT;
        expansion.plan = PLANS[plan];
        expansion.seats = extra;
        expansion.startDay = monthDay[m];
        expansion.startMonth = m;
        expansion.endDay = monthDay[termEndMonth];
        expansion.endMonth = termEndMonth;
        expansion.monthly = seatPrice(plan).multiply(BigDecimal.valueOf(extra)).setScale(4);
        expansion.annual = true;
        expansion.expansion = true;
        lines.add(expansion);
        seats += extra;
      }
    } else if (!troubled && !hasAllAddOns() && r.nextDouble() < 0.01) {
      lines.add(newAddOnLine(m, monthDay[m]));
    }
  }

  /** Invoices issued in month m: (issued_at micros, amount). */
  private List<Object[]> invoicesOf(int m, long from) {
    List<Object[]> invoices = new ArrayList<>(2);
    long issued = from + 2 * HOUR;
    if (!annual) {
      BigDecimal total = BigDecimal.ZERO;
      for (Line line : lines) {
        if (!line.annual && line.startMonth <= m && (line.endMonth == null || m < line.endMonth)) {
          total = total.add(line.monthly);
        }
      }
      if (total.signum() > 0) {
        invoices.add(new Object[] {issued, total.setScale(4)});
      }
    } else {
      for (Line line : lines) {
        if (line.annual && line.startMonth == m) {
          int termMonths = line.endMonth - line.startMonth;
          invoices.add(
              new Object[] {
                issued + invoices.size() * SECOND,
                line.monthly.multiply(BigDecimal.valueOf(termMonths)).setScale(4)
              });
        }
      }
    }
    return invoices;
  }

  // ---------------------------------------------------------------- output

  private void finish() {
    long until = churnMonth < 0 ? endMicros : monthDay[churnMonth] * DAY_MICROS;
    add(
        Source.ACCOUNTS,
        id,
        createdMicros,
        name,
        SEGMENTS[segment],
        INDUSTRIES[industry],
        REGIONS[region],
        csmId,
        PLANS[initialPlan],
        initialAnnual ? "annual" : "monthly",
        PAYMENT_METHODS[paymentMethod],
        CURRENCIES[currency],
        EMPLOYEE_BANDS[employeeBand]);
    for (Line line : lines) {
      boolean annualLine = line.annual;
      BigDecimal mrr = !annualLine && mrrForm ? line.monthly : null;
      BigDecimal amount =
          annualLine
              ? line.monthly.multiply(BigDecimal.valueOf(12)).setScale(4)
              : mrrForm ? null : line.monthly;
      Integer period = annualLine ? Integer.valueOf(12) : mrrForm ? null : Integer.valueOf(1);
      add(
          Source.SUBSCRIPTIONS,
          id,
          line.startDay,
          line.endDay,
          mrr,
          amount,
          period,
          line.subscriptionId,
          line.productId,
          line.plan,
          line.seats,
          CURRENCIES[currency]);
    }
    for (int k = 0; k < milestoneTimes.length; k++) {
      if (milestoneTimes[k] < until) {
        add(Source.MILESTONES, id, MILESTONES[k], milestoneTimes[k]);
      }
    }
    if (onboardingSurveyAt < until) {
      add(Source.SURVEYS, id, onboardingSurveyAt, "onboarding", onboardingScore, userId(0), null);
    }
    int seq = 0;
    for (Contact contact : contacts) {
      if (contact.started < endMicros) {
        add(
            Source.CONTACTS,
            "C" + number + "-" + String.format("%03d", ++seq),
            id,
            contact.role,
            contact.started,
            contact.ended);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private void endContact(String role, long at) {
    for (Contact contact : contacts) {
      if (contact.role.equals(role) && contact.ended == null && contact.started < at) {
        contact.ended = at;
        return;
      }
    }
  }

  private long randomTime(long from, long to) {
    long seconds = Math.max(1, (to - from) / SECOND);
    return from + (long) (r.nextDouble() * seconds) * SECOND;
  }

  /** n distinct whole-second times in [from, to), ascending. */
  private long[] distinctTimes(int n, long from, long to) {
    long[] times = new long[n];
    for (int k = 0; k < n; k++) {
      times[k] = randomTime(from, to);
    }
    Arrays.sort(times);
    for (int k = 1; k < n; k++) {
      if (times[k] <= times[k - 1]) {
        times[k] = times[k - 1] + SECOND;
      }
    }
    for (int k = n - 1; k >= 0 && times[k] >= to; k--) {
      times[k] = (k == n - 1 ? to - SECOND : times[k + 1] - SECOND);
    }
    return times;
  }

  private String comment(int sentiment) {
    return switch (sentiment) {
      case 0 ->
          capitalize(Randoms.pick(r, DETRACTOR_SUBJECT)) + " " + Randoms.pick(r, DETRACTOR_PHRASE);
      case 1 ->
          capitalize(Randoms.pick(r, PROMOTER_SUBJECT)) + " " + Randoms.pick(r, PASSIVE_PHRASE);
      default ->
          capitalize(Randoms.pick(r, PROMOTER_SUBJECT)) + " " + Randoms.pick(r, PROMOTER_PHRASE);
    };
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }

  private static double mean(double[] sums, int[] counts, int from, int to) {
    double s = 0;
    int n = 0;
    for (int m = Math.max(0, from); m <= to; m++) {
      s += sums[m];
      n += counts[m];
    }
    return n == 0 ? Double.NaN : s / n;
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  static BigDecimal money(double v) {
    return BigDecimal.valueOf(v).setScale(2, RoundingMode.HALF_UP).setScale(4);
  }

  /** One subscription line: a product at a price over [start, end). */
  private static final class Line {
    String subscriptionId;
    String productId;
    String plan;
    Integer seats;
    int startDay;
    int startMonth;
    Integer endDay;
    Integer endMonth;
    BigDecimal monthly;
    boolean annual;
    boolean expansion;
    int addOn = -1;

    Line copy() {
      Line c = new Line();
      c.subscriptionId = subscriptionId;
      c.productId = productId;
      c.plan = plan;
      c.seats = seats;
      c.monthly = monthly;
      c.annual = annual;
      c.addOn = addOn;
      return c;
    }
  }

  /** One tenure of a contact at the account. */
  private static final class Contact {
    final String role;
    final long started;
    Long ended;

    Contact(String role, long started) {
      this.role = role;
      this.started = started;
    }
  }
}
