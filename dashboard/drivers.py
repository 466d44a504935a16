"""Churn drivers in words: a `top_drivers` entry (feature, value as text, contribution) → a phrase.

Feature names are the columns of gold/churn_features (docs/tables.md, docs/metrics.md). A feature
without a specific phrase falls back to "<feature in words>: <value>".
"""

from __future__ import annotations

import math

USAGE_RATIOS = {
    "events_ratio_30_60": "usage (events)",
    "active_users_ratio_30_60": "active users",
    "logins_ratio_30_60": "logins",
    "minutes_ratio_30_60": "session minutes",
}
BASELINE_RATIOS = {
    "events_ratio_to_baseline": "usage (events)",
    "active_users_ratio_to_baseline": "active users",
}
LEFT_FLAGS = {
    "champion_left_90d": ("champion left in the last 90 days", "no champion left in the last 90 days"),
    "champion_left_180d": ("champion left in the last 180 days", "no champion left in the last 180 days"),
    "decision_maker_left_90d": ("decision maker left in the last 90 days",
                                "no decision maker left in the last 90 days"),
    "renewal_in_horizon": ("renewal due within the scoring horizon", "no renewal within the scoring horizon"),
}
DAYS = {
    "days_since_last_activity": "{v} days since the last product activity",
    "days_since_last_touch": "{v} days since the last CSM touch",
    "days_since_champion_change": "{v} days since the last champion change",
    "tenure_days": "customer for {v} days",
    "time_to_first_value_days": "{v} days to first value",
    "onboarding_days": "onboarding took {v} days",
}
COUNTS = {
    "tickets_90d": ("support ticket", "in the last 90 days"),
    "escalations_90d": ("escalated ticket", "in the last 90 days"),
    "bug_reports_90d": ("bug report", "in the last 90 days"),
    "open_tickets": ("open ticket", ""),
    "invoices_90d": ("invoice", "in the last 90 days"),
    "failed_invoices_90d": ("failed or overdue invoice", "in the last 90 days"),
    "contacts_lost_90d": ("contact", "lost in the last 90 days"),
    "active_contacts": ("active contact", ""),
    "active_champions": ("active champion", ""),
    "proactive_touches_90d": ("proactive CSM touch", "in the last 90 days"),
    "referrals": ("referral", "made"),
    "nps_detractors": ("NPS detractor", "among respondents"),
    "seats": ("seat", ""),
    "dau": ("daily active user", ""),
    "wau": ("weekly active user", ""),
    "mau": ("monthly active user", ""),
}
CATEGORICAL = {"segment", "industry", "region", "plan"}


def _num(value):
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _plural(n: float, word: str) -> str:
    whole = int(round(n))
    if word.endswith("touch"):
        return f"{whole} {word}{'' if whole == 1 else 'es'}"
    return f"{whole} {word}{'' if whole == 1 else 's'}"


def _words(feature: str) -> str:
    return feature.removeprefix("attr_").replace("_", " ")


def phrase(feature: str, value) -> str:
    """The driver's value in words, e.g. 'usage (events) down 45% vs the 60 days before'."""
    if feature is None:
        return "unknown feature"
    x = _num(value)
    if value is None:
        return f"{_words(feature)} unknown (the model used the training median)"
    if feature in USAGE_RATIOS or feature in BASELINE_RATIOS:
        what = USAGE_RATIOS.get(feature) or BASELINE_RATIOS[feature]
        ref = "the 60 days before" if feature in USAGE_RATIOS else "the account's baseline"
        span = "last 30 days " if feature in USAGE_RATIOS else ""
        if x is None:
            return f"{what}: {value}"
        change = (x - 1.0) * 100
        if abs(change) < 0.5:
            return f"{what} {span}flat vs {ref}"
        return f"{what} {span}{'down' if change < 0 else 'up'} {abs(change):.0f}% vs {ref}"
    if feature == "events_trend_8w" and x is not None:
        return f"weekly events trend {'down' if x < 0 else 'up'} {abs(x) * 100:.0f}% a week over 8 weeks"
    if feature == "mrr_change_90d" and x is not None:
        return f"MRR {'down' if x < 0 else 'up'} {abs(x) * 100:.0f}% over 90 days"
    if feature == "feature_breadth_change_30d" and x is not None:
        return f"feature breadth {'down' if x < 0 else 'up'} {abs(x) * 100:.0f} points over 30 days"
    if feature in LEFT_FLAGS and x is not None:
        yes, no = LEFT_FLAGS[feature]
        return yes if x >= 0.5 else no
    if feature in DAYS and x is not None:
        return DAYS[feature].format(v=int(round(x)))
    if feature in COUNTS and x is not None:
        word, tail = COUNTS[feature]
        return (_plural(x, word) + (" " + tail if tail else "")).strip()
    if feature == "months_to_renewal" and x is not None:
        return "renewal due now" if x < 0.05 else f"renewal in {x:.1f} months"
    if feature == "billing_period_months" and x is not None:
        return f"billed every {int(round(x))} months"
    if feature == "mrr" and x is not None:
        return f"MRR {x:,.0f}"
    if feature == "last_nps" and x is not None:
        kind = "detractor" if x <= 6 else ("passive" if x <= 8 else "promoter")
        return f"last NPS response {x:.0f} ({kind})"
    if feature == "nps" and x is not None:
        return f"account NPS {x:+.0f}"
    if feature == "nps_change" and x is not None:
        return f"account NPS {'down' if x < 0 else 'up'} {abs(x):.0f} points in 3 months"
    if feature == "csat_mean_90d" and x is not None:
        return f"mean CSAT {x:.1f} of 5 in the last 90 days"
    if feature == "csat_trend_90d" and x is not None:
        return f"mean CSAT {'down' if x < 0 else 'up'} {abs(x):.1f} vs the 90 days before"
    if feature == "ttr_median_hours_90d" and x is not None:
        return f"tickets take {x:.0f} hours to resolve (median, 90 days)"
    if feature == "activated":
        return "activated" if str(value).lower() in ("true", "1") else "not yet activated"
    if feature in ("stickiness", "active_usage_rate", "feature_breadth") and x is not None:
        label = {"stickiness": "stickiness (DAU/MAU)", "active_usage_rate": "seat usage",
                 "feature_breadth": "feature breadth"}[feature]
        return f"{label} {x * 100:.0f}%"
    if feature == "login_frequency" and x is not None:
        return f"{x:.1f} logins per active user a week"
    if feature == "minutes_per_active_user" and x is not None:
        return f"{x:.0f} session minutes per active user (30 days)"
    if feature in CATEGORICAL or feature.startswith("attr_"):
        return f"{_words(feature)}: {value}"
    if x is not None:
        shown = f"{x:,.0f}" if x == int(x) else f"{x:,.2f}"
        return f"{_words(feature)}: {shown}"
    return f"{_words(feature)}: {value}"


def describe(driver: dict) -> str:
    """Phrase plus direction: 'champion left in the last 90 days (raises risk)'."""
    c = driver.get("contribution")
    text = phrase(driver.get("feature"), driver.get("value"))
    if c is None or (isinstance(c, float) and math.isnan(c)):
        return text
    return f"{text} ({'raises' if c > 0 else 'lowers'} risk)"


def summary(drivers, n: int = 3) -> str:
    """The first n drivers that raise the risk (else the first n), joined with '; '."""
    if drivers is None:
        return ""
    items = [d for d in list(drivers) if d is not None]
    raising = [d for d in items if (d.get("contribution") or 0) > 0]
    chosen = (raising or items)[:n]
    return "; ".join(phrase(d.get("feature"), d.get("value")) for d in chosen)
