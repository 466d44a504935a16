package io.cslake.generate;

/** The simulated company's fixed world: segments, plans, products, currencies, vocabularies. */
final class Catalog {
  private Catalog() {}

  static final String[] SEGMENTS = {"smb", "mid_market", "enterprise"};
  static final double[] SEGMENT_WEIGHTS = Randoms.cumulative(0.6, 0.3, 0.1);

  /** Base monthly churn hazard per segment, before causes. */
  static final double[] BASE_HAZARD = {0.014, 0.008, 0.0045};

  /** Seats at signup: log-uniform between these bounds, per segment. */
  static final int[][] SEATS = {{2, 15}, {15, 100}, {80, 600}};

  /** Probability of an annual contract, per segment. */
  static final double[] ANNUAL = {0.25, 0.6, 0.9};

  /** Support tickets per month for a healthy account, per segment. */
  static final double[] TICKETS_PER_MONTH = {0.35, 1.2, 3.5};

  /** Open tickets that count as a backlog, per segment. */
  static final int[] BACKLOG_THRESHOLD = {2, 3, 5};

  /** CSM touches per month, per segment. */
  static final double[] TOUCHES_PER_MONTH = {0.3, 1.0, 2.5};

  /** NPS invitations per quarter, per segment. */
  static final int[] NPS_INVITES = {2, 4, 8};

  static final String[] PLANS = {"starter", "pro", "enterprise"};
  static final double[] PLAN_PRICE_USD = {12.0, 29.0, 49.0};
  static final double[][] PLAN_WEIGHTS = {
    Randoms.cumulative(0.6, 0.4, 0.0),
    Randoms.cumulative(0.15, 0.65, 0.2),
    Randoms.cumulative(0.0, 0.2, 0.8)
  };

  static final String CORE_PRODUCT = "P-CORE";
  static final String[] ADD_ONS = {"P-ANALYTICS", "P-AUTOMATION", "P-SSO", "P-API"};

  /** Monthly list price of an add-on in USD, per segment. */
  static final double[] ADD_ON_PRICE_USD = {39.0, 190.0, 950.0};

  static final String[] REGIONS = {"north_america", "emea", "apac", "latam"};
  static final double[] REGION_WEIGHTS = Randoms.cumulative(0.45, 0.35, 0.12, 0.08);

  /** Centre of the working day in UTC hours, per region. */
  static final double[] REGION_WORK_HOUR_UTC = {17.0, 11.0, 3.5, 16.0};

  /** Currencies; USD, the reporting currency, first. */
  static final String[] CURRENCIES = {"USD", "EUR", "GBP", "CAD", "AUD", "JPY"};

  /** Value of one unit in USD at the start of the simulation. */
  static final double[] CURRENCY_BASE_RATE = {1.0, 1.08, 1.27, 0.73, 0.66, 0.0067};

  /** Daily volatility of the log exchange rate. */
  static final double[] CURRENCY_VOLATILITY = {0.0, 0.004, 0.0045, 0.0035, 0.005, 0.0055};

  /** Currency choice per region, as cumulative weights over {@link #CURRENCIES}. */
  static final double[][] REGION_CURRENCY = {
    Randoms.cumulative(0.88, 0, 0, 0.12, 0, 0),
    Randoms.cumulative(0.12, 0.58, 0.30, 0, 0, 0),
    Randoms.cumulative(0.45, 0, 0, 0, 0.35, 0.20),
    Randoms.cumulative(1.0, 0, 0, 0, 0, 0)
  };

  static final String[] INDUSTRIES = {
    "software",
    "fintech",
    "healthcare",
    "retail",
    "manufacturing",
    "education",
    "media",
    "logistics"
  };

  static final String[] EMPLOYEE_BANDS = {"1-50", "51-200", "201-1000", "1001-5000", "5000+"};

  static final String[] PAYMENT_METHODS = {"card", "ach", "sepa", "invoice", "wire"};

  static final String[] NAME_FIRST = {
    "Blue", "North", "Bright", "Silver", "Red", "Quantum", "Green", "Iron", "Swift", "Clear",
    "Bold", "Prime", "Cedar", "Atlas", "Nova", "Summit", "Harbor", "Orbit", "Pioneer", "Lumen"
  };
  static final String[] NAME_SECOND = {
    "Labs",
    "Systems",
    "Analytics",
    "Health",
    "Logistics",
    "Foods",
    "Studios",
    "Partners",
    "Works",
    "Dynamics",
    "Networks",
    "Retail",
    "Capital",
    "Robotics",
    "Media",
    "Learning"
  };

  static final String[] EVENT_TYPES = {
    "view", "search", "create", "edit", "comment", "share", "export", "run_report", "api_call"
  };
  static final double[] EVENT_TYPE_WEIGHTS =
      Randoms.cumulative(0.34, 0.12, 0.12, 0.14, 0.07, 0.05, 0.05, 0.06, 0.05);

  /** Features, most widely adopted first; "core" is only used by logins. */
  static final String[] FEATURES = {
    "dashboards",
    "reports",
    "collaboration",
    "alerts",
    "automation",
    "integrations",
    "mobile",
    "admin",
    "api"
  };

  static final String[] TICKET_PRIORITIES = {"low", "normal", "high", "urgent"};
  static final double[] TICKET_PRIORITY_WEIGHTS = Randoms.cumulative(0.3, 0.45, 0.2, 0.05);
  static final String[] TICKET_CATEGORIES = {
    "question", "bug", "enhancement", "incident", "billing"
  };
  static final double[] TICKET_CATEGORY_WEIGHTS = Randoms.cumulative(0.38, 0.3, 0.17, 0.08, 0.07);
  static final double[] CRISIS_CATEGORY_WEIGHTS = Randoms.cumulative(0.15, 0.45, 0.08, 0.27, 0.05);

  static final String[] PROACTIVE_TOUCHES = {
    "check_in", "qbr", "training", "health_review", "renewal_call", "onboarding_call"
  };
  static final String[] REACTIVE_TOUCHES = {"escalation_call", "save_call", "support_follow_up"};

  static final String[] MILESTONES = {"kickoff", "first_value", "activated", "onboarding_complete"};

  /** Words of detractors', passives' and promoters' comments. */
  static final String[] DETRACTOR_SUBJECT = {
    "the product", "support", "the new release", "reporting", "the integration", "pricing"
  };

  static final String[] DETRACTOR_PHRASE = {
    "is too slow",
    "keeps crashing",
    "is buggy and unreliable",
    "is too expensive for what we get",
    "is confusing and hard to use",
    "takes days to answer",
    "is missing basic features",
    "broke our workflow",
    "had another outage"
  };
  static final String[] PASSIVE_PHRASE = {
    "is okay",
    "does the job",
    "is decent but could be faster",
    "is fine, some features missing",
    "works, onboarding was average"
  };
  static final String[] PROMOTER_PHRASE = {
    "is great", "is easy to use and reliable", "saves our team hours every week",
    "is intuitive, love it", "is fast and helpful", "is excellent, would recommend",
    "made reporting effortless"
  };
  static final String[] PROMOTER_SUBJECT = {
    "the product", "the support team", "the dashboard", "automation", "the platform", "the app"
  };

  static final String[] FALLBACK_REASONS = {
    "budget_cut", "switched_to_competitor", "business_closed", "price", "merged_or_acquired"
  };

  /** Causes a month's hazard may carry, in the order of their weight in the hazard. */
  static final String USAGE_DECLINE = "usage_decline";

  static final String CHAMPION_LEFT = "champion_left";
  static final String LOW_NPS = "low_nps";
  static final String SUPPORT_BACKLOG = "support_backlog";
  static final String FAILED_INVOICES = "failed_invoices";
  static final String ONBOARDING_STALLED = "onboarding_stalled";
  static final String DECISION_MAKER_LEFT = "decision_maker_left";

  /** Primary cause when no observable cause is active. */
  static final String LATENT = "latent";
}
