"""Drivers in words (dashboard/drivers.py): no browser needed."""

from dashboard import drivers


def test_phrases():
    assert drivers.phrase("events_ratio_30_60", "0.55") == "usage (events) last 30 days down 45% vs the 60 days before"
    assert drivers.phrase("events_ratio_to_baseline", "1.2") == "usage (events) up 20% vs the account's baseline"
    assert drivers.phrase("champion_left_90d", "1") == "champion left in the last 90 days"
    assert drivers.phrase("champion_left_90d", "0") == "no champion left in the last 90 days"
    assert drivers.phrase("last_nps", "3.0") == "last NPS response 3 (detractor)"
    assert drivers.phrase("months_to_renewal", "0.0") == "renewal due now"
    assert drivers.phrase("months_to_renewal", "1.5") == "renewal in 1.5 months"
    assert drivers.phrase("open_tickets", "1") == "1 open ticket"
    assert drivers.phrase("proactive_touches_90d", "2") == "2 proactive CSM touches in the last 90 days"
    assert drivers.phrase("days_since_last_activity", "12") == "12 days since the last product activity"
    assert drivers.phrase("attr_payment_method", "wire") == "payment method: wire"
    assert drivers.phrase("some_new_feature", "0.25") == "some new feature: 0.25"
    assert drivers.phrase("mau", None) == "mau unknown (the model used the training median)"


def test_summary_prefers_drivers_that_raise_risk():
    top = [{"feature": "tenure_days", "value": "700", "contribution": -0.4},
           {"feature": "champion_left_90d", "value": "1", "contribution": 0.3},
           {"feature": "open_tickets", "value": "4", "contribution": 0.2}]
    assert drivers.summary(top) == "champion left in the last 90 days; 4 open tickets"
    assert drivers.describe(top[0]) == "customer for 700 days (lowers risk)"
    assert drivers.summary(None) == ""
