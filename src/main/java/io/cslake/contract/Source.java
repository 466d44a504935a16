package io.cslake.contract;

import static io.cslake.contract.Field.optional;
import static io.cslake.contract.Field.optionalTime;
import static io.cslake.contract.Field.required;
import static io.cslake.contract.Field.requiredTime;
import static io.cslake.contract.FieldType.AMOUNT;
import static io.cslake.contract.FieldType.BOOLEAN;
import static io.cslake.contract.FieldType.DATE;
import static io.cslake.contract.FieldType.DOUBLE;
import static io.cslake.contract.FieldType.INTEGER;
import static io.cslake.contract.FieldType.RATE;
import static io.cslake.contract.FieldType.STRING;
import static io.cslake.contract.FieldType.TIMESTAMP;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The thirteen input sources of the contract (SPEC §4.1): their fields, natural keys and the
 * relations between fields that validation checks. This is the one place that knows the contract.
 */
public enum Source {
  ACCOUNTS(
      List.of(
          required("account_id", STRING),
          requiredTime("created_at", TIMESTAMP),
          optional("name", STRING),
          optional("segment", STRING),
          optional("industry", STRING),
          optional("region", STRING),
          optional("csm_id", STRING)),
      List.of("account_id")),
  SUBSCRIPTIONS(
      List.of(
          required("account_id", STRING),
          required("start_date", DATE),
          optional("end_date", DATE),
          optional("mrr", AMOUNT),
          optional("amount", AMOUNT),
          optional("billing_period_months", INTEGER),
          optional("subscription_id", STRING),
          optional("product_id", STRING),
          optional("plan", STRING),
          optional("seats", INTEGER),
          optional("currency", STRING)),
      List.of("account_id", "subscription_id", "product_id", "start_date")),
  USAGE_EVENTS(
      List.of(
          required("account_id", STRING),
          required("user_id", STRING),
          requiredTime("event_time", TIMESTAMP),
          required("event_type", STRING),
          optional("feature", STRING),
          optional("duration_sec", DOUBLE)),
      List.of("account_id", "user_id", "event_time", "event_type", "feature")),
  SUPPORT_TICKETS(
      List.of(
          required("ticket_id", STRING),
          required("account_id", STRING),
          requiredTime("created_at", TIMESTAMP),
          optionalTime("first_response_at", TIMESTAMP),
          optionalTime("resolved_at", TIMESTAMP),
          optional("priority", STRING),
          optional("category", STRING),
          optional("escalated", BOOLEAN),
          optional("csat", DOUBLE)),
      List.of("ticket_id")),
  SURVEYS(
      List.of(
          required("account_id", STRING),
          requiredTime("responded_at", TIMESTAMP),
          required("survey_type", STRING),
          required("score", DOUBLE),
          optional("user_id", STRING),
          optional("comment", STRING)),
      List.of("account_id", "user_id", "survey_type", "responded_at")),
  CONTACTS(
      List.of(
          required("contact_id", STRING),
          required("account_id", STRING),
          required("role", STRING),
          requiredTime("started_at", TIMESTAMP),
          optional("ended_at", TIMESTAMP)),
      List.of("contact_id", "account_id", "role", "started_at")),
  MILESTONES(
      List.of(
          required("account_id", STRING),
          required("milestone", STRING),
          requiredTime("reached_at", TIMESTAMP)),
      List.of("account_id", "milestone", "reached_at")),
  CSM_ACTIVITIES(
      List.of(
          required("account_id", STRING),
          required("csm_id", STRING),
          requiredTime("activity_at", TIMESTAMP),
          required("activity_type", STRING),
          optional("proactive", BOOLEAN)),
      List.of("account_id", "csm_id", "activity_at", "activity_type")),
  REFERRALS(
      List.of(
          required("account_id", STRING),
          requiredTime("referred_at", TIMESTAMP),
          optional("referral_id", STRING),
          optionalTime("converted_at", TIMESTAMP)),
      List.of("account_id", "referral_id", "referred_at")),
  CHURN_EVENTS(
      List.of(
          required("account_id", STRING),
          requiredTime("churned_at", TIMESTAMP),
          optional("reason", STRING)),
      List.of("account_id", "churned_at")),
  INVOICES(
      List.of(
          required("invoice_id", STRING),
          required("account_id", STRING),
          requiredTime("issued_at", TIMESTAMP),
          required("amount", AMOUNT),
          optional("status", STRING),
          optional("currency", STRING)),
      List.of("invoice_id")),
  FX_RATES(
      List.of(
          requiredTime("date", DATE),
          required("currency", STRING),
          required("rate_to_reporting", RATE)),
      List.of("date", "currency")),
  TRANSACTIONS(
      List.of(
          required("account_id", STRING),
          requiredTime("ordered_at", TIMESTAMP),
          required("amount", AMOUNT)),
      List.of("account_id", "ordered_at", "amount"));

  /** Survey types and the inclusive score scale of each (SPEC §4.3, §5.5). */
  public static final List<SurveyScale> SURVEY_SCALES =
      List.of(
          new SurveyScale("nps", 0, 10),
          new SurveyScale("csat", 1, 5),
          new SurveyScale("onboarding", 1, 5));

  /** Contact roles the contract knows. */
  public static final List<String> CONTACT_ROLES =
      List.of("champion", "decision_maker", "admin", "user");

  private final List<Field> fields;
  private final List<String> naturalKey;

  Source(List<Field> fields, List<String> naturalKey) {
    this.fields = fields;
    this.naturalKey = naturalKey;
  }

  /** The name used in configuration, folders and tables: lower snake case. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public List<Field> fields() {
    return fields;
  }

  /** The fields that identify a row: rows sharing all of them are duplicates, kept once. */
  public List<String> naturalKey() {
    return naturalKey;
  }

  public Optional<Field> field(String name) {
    return fields.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /**
   * Whether the contract requires this source ({@code subscriptions}/{@code transactions} aside).
   */
  public boolean isRequired() {
    return this == ACCOUNTS;
  }

  /** Whether the rows of this source belong to an account that must exist in {@code accounts}. */
  public boolean referencesAccounts() {
    return this != ACCOUNTS && this != FX_RATES;
  }

  /** The source named {@code id} in configuration, if there is one. */
  public static Optional<Source> byId(String id) {
    return Arrays.stream(values()).filter(s -> s.id().equals(id)).findFirst();
  }

  /** A survey type and its inclusive scale. */
  public record SurveyScale(String surveyType, int min, int max) {}
}
