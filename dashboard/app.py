"""The CS 360° dashboard: five pages over the gold tables (docs/dashboard.md).

/overview  /at-risk  /account/<account_id>  /team  /model

Every page is built from sections; a section whose table is missing or empty shows which command
writes it instead of failing, and an unexpected error shows one plain sentence (the traceback goes to
the server's log only).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from dash import Dash, Input, Output, State, dash_table, dcc, html, no_update

from . import drivers as drv
from .data import Lakehouse, TableUnavailable, fmt_money, fmt_num, fmt_pct

log = logging.getLogger("cslake.dashboard")

PAGES = [("overview", "Overview", "/overview"), ("at-risk", "At-risk accounts", "/at-risk"),
         ("team", "CS team", "/team"), ("model", "Model", "/model")]
BAND_ORDER = {"high": 0, "medium": 1, "low": 2}
BAND_COLOURS = {"high": "#c0392b", "medium": "#e67e22", "low": "#27ae60",
                "red": "#c0392b", "yellow": "#d4ac0d", "green": "#27ae60"}
PAGE_SIZE = 25
FONT = "-apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


# --------------------------------------------------------------------------------------------------
# small building blocks
# --------------------------------------------------------------------------------------------------
def missing_box(err: TableUnavailable):
    return html.Div(str(err), className="missing", **{"data-table": err.table})


def error_box(what: str, err: Exception):
    log.error("Cannot show %s:\n%s", what, traceback.format_exc())
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    return html.Div(f"Cannot show {what}: {first}", className="section-error")


def section(title: str, build, sid: str | None = None):
    """A titled block; its body is build() or a plain explanation of why it cannot be shown."""
    try:
        body = build()
    except TableUnavailable as e:
        body = missing_box(e)
    except Exception as e:  # never a stack trace in the page
        body = error_box(title.lower(), e)
    return html.Section([html.H2(title), body], className="section", id=sid)


def kpi(label: str, text: str, kid: str, raw=None, sub: str | None = None):
    attrs = {"data-value": "" if raw is None or (isinstance(raw, float) and pd.isna(raw)) else str(raw)}
    children = [html.Div(label, className="kpi-label"), html.Div(text, id=kid, className="kpi-value", **attrs)]
    if sub:
        children.append(html.Div(sub, className="kpi-sub"))
    return html.Div(children, className="kpi")


def fig_layout(fig: go.Figure, title: str | None = None, height: int = 320, yfmt: str | None = None):
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=50, r=20, t=75 if title else 30, b=40),
                      title=dict(text=title, x=0.01, xanchor="left", y=0.98, yanchor="top", font={"size": 15}),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, font={"size": 11}))
    if yfmt:
        fig.update_yaxes(tickformat=yfmt)
    return fig


def graph(fig, gid=None):
    props = {"figure": fig, "config": {"displaylogo": False, "displayModeBar": False}}
    if gid:
        props["id"] = gid
    return dcc.Graph(**props)


def month_label(d) -> str:
    return pd.Timestamp(d).strftime("%Y-%m")


def date_label(d) -> str:
    return "—" if d is None or pd.isna(d) else pd.Timestamp(d).strftime("%Y-%m-%d")


def account_href(account_id: str) -> str:
    return "/account/" + urllib.parse.quote(str(account_id), safe="")


def short(text):
    """A trigger value as text, numbers cut to 4 significant digits: '0.9746835443' → '0.9747'."""
    try:
        x = float(text)
    except (TypeError, ValueError):
        return text
    return text if x == int(x) and "." not in str(text) else f"{x:.4g}"


def _present(row, col):
    return col in row and row[col] is not None and not (isinstance(row[col], float) and pd.isna(row[col]))


# --------------------------------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------------------------------
KPI_COLS = ["month", "segment", "mrr", "arr", "opening_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr",
            "contraction_mrr", "churned_mrr", "fx_mrr", "nrr", "grr", "logo_churn_rate", "nps", "csat",
            "active_accounts"]


def kpi_all(lh: Lakehouse) -> pd.DataFrame:
    df = lh.read("gold/kpi_monthly", KPI_COLS, where={"segment": "ALL"})
    if df.empty:
        raise TableUnavailable("gold/kpi_monthly", "empty")
    return df.sort_values("month").reset_index(drop=True)


def waterfall_figure(row) -> go.Figure:
    steps = [("Opening MRR", row["opening_mrr"], "absolute"), ("New", row["new_mrr"], "relative"),
             ("Expansion", row["expansion_mrr"], "relative"), ("Reactivation", row["reactivation_mrr"], "relative"),
             ("Contraction", -(row["contraction_mrr"] or 0), "relative"),
             ("Churn", -(row["churned_mrr"] or 0), "relative"), ("FX", row["fx_mrr"] or 0, "relative"),
             ("Closing MRR", row["mrr"], "total")]
    fig = go.Figure(go.Waterfall(
        x=[s[0] for s in steps], y=[float(s[1] or 0) if s[2] != "total" else None for s in steps],
        measure=[s[2] for s in steps], text=[fmt_money(s[1]) for s in steps], textposition="outside",
        connector={"line": {"color": "#999"}}, decreasing={"marker": {"color": "#c0392b"}},
        increasing={"marker": {"color": "#27ae60"}}, totals={"marker": {"color": "#2c3e50"}}))
    levels, level = [], float(row["opening_mrr"] or 0)
    for _, v, measure in steps:
        level = float(v or 0) if measure == "absolute" else (level if measure == "total" else level + float(v or 0))
        levels.append(level)
    levels.append(float(row["mrr"] or 0))
    lo, hi = min(levels), max(levels)
    pad = max((hi - lo) * 0.6, abs(hi) * 0.01, 1.0)
    fig.update_yaxes(range=[max(0.0, lo - pad), hi + pad])
    return fig_layout(fig, f"MRR movements, {month_label(row['month'])} (the axis does not start at 0)", height=380)


def page_overview(lh: Lakehouse):
    def cards():
        df = kpi_all(lh)
        last = df.iloc[-1]
        m = month_label(last["month"])
        return html.Div([
            kpi("MRR", fmt_money(last["mrr"]), "kpi-mrr", last["mrr"], m),
            kpi("ARR", fmt_money(last["arr"]), "kpi-arr", last["arr"], m),
            kpi("NRR (monthly)", fmt_pct(last["nrr"]), "kpi-nrr", last["nrr"], m),
            kpi("GRR (monthly)", fmt_pct(last["grr"]), "kpi-grr", last["grr"], m),
            kpi("Logo churn", fmt_pct(last["logo_churn_rate"], 2), "kpi-logo-churn", last["logo_churn_rate"], m),
            kpi("NPS", fmt_num(last["nps"]), "kpi-nps", last["nps"], m),
            kpi("CSAT (top-2-box)", fmt_num(last["csat"]), "kpi-csat", last["csat"], m),
            kpi("Active accounts", f"{int(last['active_accounts']):,}", "kpi-active-accounts",
                int(last["active_accounts"]), m),
        ], className="kpis")

    def trends():
        df = kpi_all(lh)
        x = df["month"]
        f1 = make_subplots(specs=[[{"secondary_y": True}]])
        f1.add_trace(go.Scatter(x=x, y=df["mrr"], name="MRR (left)"), secondary_y=False)
        f1.add_trace(go.Scatter(x=x, y=df["arr"], name="ARR (right)", line={"dash": "dot"}), secondary_y=True)
        f2 = go.Figure([go.Scatter(x=x, y=df["nrr"], name="NRR"), go.Scatter(x=x, y=df["grr"], name="GRR")])
        f3 = go.Figure([go.Scatter(x=x, y=df["logo_churn_rate"], name="logo churn", line={"color": "#c0392b"})])
        f4 = go.Figure([go.Scatter(x=x, y=df["nps"], name="NPS (−100..100)"),
                        go.Scatter(x=x, y=df["csat"], name="CSAT top-2-box (0..100)")])
        return html.Div([graph(fig_layout(f1, "MRR and ARR (ARR = 12 × MRR)")),
                         graph(fig_layout(f2, "NRR and GRR, monthly", yfmt=".0%")),
                         graph(fig_layout(f3, "Logo churn, monthly", yfmt=".1%")),
                         graph(fig_layout(f4, "NPS and CSAT"))], className="grid2")

    def waterfall():
        df = kpi_all(lh)
        months = [month_label(m) for m in df["month"]][::-1]
        return html.Div([
            html.Label(["Month ", dcc.Dropdown(id="waterfall-month", options=months, value=months[0],
                                               clearable=False, style={"width": "160px"})], className="inline"),
            graph(waterfall_figure(df.iloc[-1]), "waterfall-graph"),
        ])

    def cohorts():
        cr = lh.read("gold/cohort_retention", ["basis", "segment", "cohort_month", "period", "cohort_size",
                                               "logo_retention", "revenue_retention"], where={"segment": "ALL"})
        if cr.empty:
            raise TableUnavailable("gold/cohort_retention", "empty")
        basis = "subscription" if (cr["basis"] == "subscription").any() else cr["basis"].iloc[0]
        return html.Div([
            dcc.RadioItems(id="cohort-measure", value="logo_retention", inline=True,
                           options=[{"label": " logo retention ", "value": "logo_retention"},
                                    {"label": " revenue retention", "value": "revenue_retention"}]),
            graph(cohort_figure(cr, basis, "logo_retention"), "cohort-graph"),
        ])

    return html.Div([
        html.H1("Overview"),
        section("Company KPIs, latest month", cards, "overview-kpis"),
        section("Trends", trends, "overview-trends"),
        section("MRR movements", waterfall, "overview-waterfall"),
        section("Cohort retention", cohorts, "overview-cohorts"),
    ], id="page-overview", className="page")


def cohort_figure(cr: pd.DataFrame, basis: str, measure: str) -> go.Figure:
    d = cr[cr["basis"] == basis]
    piv = d.pivot_table(index="cohort_month", columns="period", values=measure, aggfunc="first").sort_index()
    ylabels = [month_label(m) for m in piv.index]
    fig = go.Figure(go.Heatmap(z=piv.values, x=[int(c) for c in piv.columns], y=ylabels, colorscale="Blues",
                               zmin=0, zmax=1 if measure == "logo_retention" else None,
                               hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title="cohort")
    fig.update_xaxes(title="months since first activity")
    label = "Logo" if measure == "logo_retention" else "Revenue"
    return fig_layout(fig, f"{label} retention by cohort ({basis} basis, all segments)",
                      height=max(320, 16 * len(ylabels) + 120))


# --------------------------------------------------------------------------------------------------
# At-risk accounts
# --------------------------------------------------------------------------------------------------
RISK_COLS = ["account_id", "as_of_date", "churn_probability", "risk_band", "mrr", "mrr_at_risk", "model_version"]
A360_LIST_COLS = ["account_id", "name", "csm_id", "segment", "health_score", "health_band"]
TABLE_COLUMNS = [("account_id", "Account", "markdown"), ("name", "Name", "text"), ("segment", "Segment", "text"),
                 ("csm_id", "CSM", "text"), ("risk_band", "Risk band", "text"),
                 ("churn_probability", "Churn probability", "text"), ("mrr", "MRR", "text"),
                 ("mrr_at_risk", "MRR at risk", "text"), ("health_score", "Health", "text"),
                 ("health_band", "Health band", "text"), ("drivers", "Top drivers", "text")]


def at_risk_frame(lh: Lakehouse):
    """Latest churn_risk_scores partition joined with account_360; (frame, note about account_360)."""
    scores = lh.read("gold/churn_risk_scores", RISK_COLS, latest_partition=True)
    note = None
    try:
        a360 = lh.read("gold/account_360", A360_LIST_COLS)
    except TableUnavailable as e:
        a360, note = pd.DataFrame(columns=["account_id"]), e
    a360 = a360.drop(columns=[c for c in ("mrr",) if c in a360.columns])
    df = scores.merge(a360, on="account_id", how="left")
    for c in A360_LIST_COLS:
        if c not in df.columns:
            df[c] = None
    return df, note


def filter_sort(df, segments, csms, bands, sort_by):
    if segments:
        df = df[df["segment"].isin(segments)]
    if csms:
        df = df[df["csm_id"].isin(csms)]
    if bands:
        df = df[df["risk_band"].isin(bands)]
    col, asc = "mrr_at_risk", False
    if sort_by:
        col, asc = sort_by[0]["column_id"], sort_by[0]["direction"] == "asc"
    if col == "drivers":
        col = "churn_probability"
    if col == "risk_band":
        key = df["risk_band"].map(BAND_ORDER).fillna(9)
        return df.assign(_k=key).sort_values(["_k", "churn_probability"], ascending=[asc, not asc],
                                             kind="mergesort").drop(columns="_k")
    return df.sort_values([col, "account_id"], ascending=[asc, True], na_position="last", kind="mergesort")


def drivers_of(lh: Lakehouse, account_ids) -> dict:
    """top_drivers of a few accounts at the newest scored date (only the rows shown are converted)."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    d = lh.read("gold/churn_risk_scores", ["account_id", "top_drivers"], where={"account_id": ids},
                latest_partition=True)
    return dict(zip(d["account_id"], d["top_drivers"]))


def table_rows(lh: Lakehouse, df: pd.DataFrame):
    rows = []
    tops = drivers_of(lh, df["account_id"])
    for r in df.to_dict("records"):
        rows.append({
            "account_id": f"[{r['account_id']}]({account_href(r['account_id'])})",
            "name": r.get("name") or "", "segment": r.get("segment") or "", "csm_id": r.get("csm_id") or "",
            "risk_band": r.get("risk_band") or "", "churn_probability": fmt_pct(r.get("churn_probability")),
            "mrr": fmt_money(r.get("mrr")), "mrr_at_risk": fmt_money(r.get("mrr_at_risk")),
            "health_score": fmt_num(r.get("health_score")), "health_band": r.get("health_band") or "",
            "drivers": drv.summary(tops.get(r["account_id"])),
        })
    return rows


def page_at_risk(lh: Lakehouse):
    def body():
        df, note = at_risk_frame(lh)
        as_of = date_label(df["as_of_date"].iloc[0]) if len(df) else "—"
        high = df[df["risk_band"] == "high"]
        first = filter_sort(df, None, None, None, None)
        opts = lambda col: sorted(x for x in df[col].dropna().unique())  # noqa: E731
        header = html.Div([
            kpi("Accounts scored", f"{len(df):,}", "risk-accounts", len(df), f"as of {as_of}"),
            kpi("High risk", f"{len(high):,}", "risk-high-count", len(high)),
            kpi("MRR at risk (all)", fmt_money(df["mrr_at_risk"].sum()), "risk-mrr-at-risk-total",
                float(df["mrr_at_risk"].sum())),
            kpi("MRR at risk (high band)", fmt_money(high["mrr_at_risk"].sum()), "risk-mrr-at-risk-high",
                float(high["mrr_at_risk"].sum())),
        ], className="kpis")
        filters = html.Div([
            dcc.Dropdown(id="filter-segment", options=opts("segment"), multi=True, placeholder="Segment"),
            dcc.Dropdown(id="filter-csm", options=opts("csm_id"), multi=True, placeholder="CSM"),
            dcc.Dropdown(id="filter-band", options=[b for b in ("high", "medium", "low") if b in set(df["risk_band"])],
                         multi=True, placeholder="Risk band"),
        ], className="filters")
        table = dash_table.DataTable(
            id="risk-table",
            columns=[{"id": c, "name": n, "presentation": p} if p == "markdown" else {"id": c, "name": n}
                     for c, n, p in TABLE_COLUMNS],
            data=table_rows(lh, first.head(PAGE_SIZE)), page_action="custom", page_current=0, page_size=PAGE_SIZE,
            page_count=max(1, -(-len(first) // PAGE_SIZE)), sort_action="custom", sort_mode="single",
            sort_by=[{"column_id": "mrr_at_risk", "direction": "desc"}], markdown_options={"link_target": "_self"},
            style_cell={"textAlign": "left", "padding": "4px 8px", "fontSize": "13px", "whiteSpace": "normal",
                        "fontFamily": FONT,
                        "height": "auto", "maxWidth": "420px"},
            style_header={"fontWeight": "bold", "backgroundColor": "#f4f6f8", "fontFamily": FONT},
            style_data_conditional=[
                {"if": {"filter_query": '{risk_band} = "high"', "column_id": "risk_band"}, "color": BAND_COLOURS["high"],
                 "fontWeight": "bold"},
                {"if": {"filter_query": '{health_band} = "red"', "column_id": "health_band"}, "color": BAND_COLOURS["red"]},
            ])
        parts = [header]
        if note is not None:
            parts.append(missing_box(note))
        parts += [filters, html.Div(f"{len(first):,} accounts; sorted by MRR at risk. Click an account to open it.",
                                    id="risk-table-count", className="muted"), table]
        return html.Div(parts)

    return html.Div([html.H1("At-risk accounts"), section("Latest churn risk", body, "at-risk-body")],
                    id="page-at-risk", className="page")


# --------------------------------------------------------------------------------------------------
# Account 360
# --------------------------------------------------------------------------------------------------
HEALTH_COMPONENTS = ["usage_score", "adoption_score", "satisfaction_score", "support_score", "relationship_score",
                     "financial_score"]


ACCOUNT_COLS = (["account_id", "name", "csm_id", "as_of_date", "segment", "industry", "region", "plan", "mrr",
                 "months_to_renewal", "mau", "last_nps", "nps", "csat_mean_90d", "tickets_90d", "open_tickets",
                 "escalations_90d", "health_score", "health_band"] + HEALTH_COMPONENTS +
                ["churn_probability", "risk_band", "mrr_at_risk", "top_drivers"])
FEATURE_HISTORY_COLS = ["as_of_date", "dau", "wau", "mau", "events_ratio_30_60", "active_usage_rate", "nps", "last_nps",
                        "tickets_90d", "open_tickets", "escalations_90d", "csat_mean_90d"]
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cslake-read")


def page_account(lh: Lakehouse, account_id: str):
    row = {}
    one = {"account_id": account_id}
    # the account's reads run side by side (Arrow releases the GIL); each section waits for its own
    fut = {
        "a360": _POOL.submit(lh.read, "gold/account_360", ACCOUNT_COLS, where=one),
        "health": _POOL.submit(lh.lookup, "gold/account_health", ["as_of_date", "health_score"] + HEALTH_COMPONENTS,
                               "account_id", account_id),
        "risk": _POOL.submit(lh.read, "gold/churn_risk_scores", ["as_of_date", "churn_probability", "mrr_at_risk"],
                             where=one),
        "features": _POOL.submit(lh.lookup, "gold/churn_features", FEATURE_HISTORY_COLS, "account_id", account_id),
        "alerts": _POOL.submit(lh.read, "gold/playbook_alerts", ["rule", "severity", "action", "as_of_date",
                                                                 "opened_at", "status", "trigger_values"],
                               where=one, allow_empty=True),
    }

    def header():
        df = fut["a360"].result()
        if df.empty:
            return html.Div(f"Account {account_id} is not in gold/account_360 (the newest scored snapshot).",
                            className="missing", id="account-not-found")
        row.update(df.iloc[0].to_dict())
        r = row
        band = r.get("health_band")
        return html.Div([
            html.Div([html.Span(r.get("name") or account_id, className="account-name", id="account-name"),
                      html.Span(f"  {account_id} · {r.get('segment') or '—'} · {r.get('industry') or '—'} · "
                                f"{r.get('region') or '—'} · plan {r.get('plan') or '—'} · CSM {r.get('csm_id') or '—'}"
                                f" · as of {date_label(r.get('as_of_date'))}", className="muted")]),
            html.Div([
                kpi("MRR", fmt_money(r.get("mrr")), "account-mrr", r.get("mrr")),
                kpi("Health score", fmt_num(r.get("health_score")), "account-health-score", r.get("health_score"),
                    band or ("health not scored" if "health_score" not in r else None)),
                kpi("Churn probability", fmt_pct(r.get("churn_probability")), "account-churn-probability",
                    r.get("churn_probability"), f"{r.get('risk_band') or '—'} risk"),
                kpi("MRR at risk", fmt_money(r.get("mrr_at_risk")), "account-mrr-at-risk", r.get("mrr_at_risk")),
                kpi("Months to renewal", fmt_num(r.get("months_to_renewal")), "account-renewal",
                    r.get("months_to_renewal")),
                kpi("MAU", fmt_num(r.get("mau"), 0), "account-mau", r.get("mau")),
            ], className="kpis"),
        ])

    def health():
        comps = [c for c in HEALTH_COMPONENTS if c in row]
        hist = fut["health"].result().sort_values("as_of_date")
        if not comps and hist.empty:
            raise TableUnavailable("gold/account_health", "missing")
        vals = [row.get(c) for c in comps]
        f1 = go.Figure(go.Bar(x=[c.replace("_score", "") for c in comps], y=[None if pd.isna(v) else v for v in vals],
                              marker_color="#2c3e50", text=[fmt_num(v, 0) for v in vals], textposition="outside",
                              cliponaxis=False))
        f1.update_yaxes(range=[0, 110])
        f2 = go.Figure([go.Scatter(x=hist["as_of_date"], y=hist["health_score"], name="health score", mode="lines+markers",
                                   line={"width": 3})] +
                       [go.Scatter(x=hist["as_of_date"], y=hist[c], name=c.replace("_score", ""), mode="lines",
                                   line={"width": 1}, visible="legendonly") for c in HEALTH_COMPONENTS if c in hist])
        f2.update_yaxes(range=[0, 100])
        return html.Div([graph(fig_layout(f1, "Health components (0–100)")),
                         graph(fig_layout(f2, "Health score trend"))], className="grid2")

    def risk():
        hist = fut["risk"].result().sort_values("as_of_date")
        f = go.Figure(go.Scatter(x=[date_label(d) for d in hist["as_of_date"]], y=hist["churn_probability"],
                                 mode="lines+markers+text", name="churn probability", marker={"size": 9},
                                 text=[fmt_pct(v) for v in hist["churn_probability"]], textposition="top center",
                                 cliponaxis=False))
        f.update_xaxes(type="category", title="as_of_date scored")
        f.update_yaxes(range=[0, 1.05])
        td = row.get("top_drivers")
        drivers = [d for d in td if d is not None] if td is not None else []
        items = [html.Li([html.Span(drv.phrase(d.get("feature"), d.get("value"))),
                          html.Span(f"  {'raises' if (d.get('contribution') or 0) > 0 else 'lowers'} risk "
                                    f"({d.get('contribution'):+.3f})", className="muted")],
                         className="driver-up" if (d.get("contribution") or 0) > 0 else "driver-down")
                 for d in drivers]
        return html.Div([
            graph(fig_layout(f, "Churn probability by snapshot", yfmt=".0%")),
            html.Div([html.H3("Top drivers (contribution to the model's margin)"),
                      html.Ol(items, id="account-drivers") if items else html.Div("No drivers recorded.")]),
        ], className="grid2")

    def usage():
        h = fut["features"].result().sort_values("as_of_date")
        f = go.Figure([go.Scatter(x=h["as_of_date"], y=h[c], name=c.upper(), mode="lines+markers")
                       for c in ("mau", "wau", "dau") if c in h])
        f2 = go.Figure([go.Scatter(x=h["as_of_date"], y=h["events_ratio_30_60"], name="events, last 30 d vs 60 d before",
                                   mode="lines+markers")] if "events_ratio_30_60" in h else [])
        f2.add_hline(y=1.0, line_dash="dot", line_color="#999")
        return html.Div([graph(fig_layout(f, "Active users by snapshot")),
                         graph(fig_layout(f2, "Usage trend (1 = flat)"))], className="grid2")

    def voice():
        h = fut["features"].result().sort_values("as_of_date")
        cards = html.Div([
            kpi("Last NPS response", fmt_num(row.get("last_nps"), 0), "account-last-nps", row.get("last_nps")),
            kpi("Account NPS", fmt_num(row.get("nps"), 0), "account-nps", row.get("nps")),
            kpi("Mean CSAT (90 d)", fmt_num(row.get("csat_mean_90d"), 2), "account-csat", row.get("csat_mean_90d")),
            kpi("Tickets (90 d)", fmt_num(row.get("tickets_90d"), 0), "account-tickets", row.get("tickets_90d")),
            kpi("Open tickets", fmt_num(row.get("open_tickets"), 0), "account-open-tickets", row.get("open_tickets")),
            kpi("Escalations (90 d)", fmt_num(row.get("escalations_90d"), 0), "account-escalations",
                row.get("escalations_90d")),
        ], className="kpis")
        figs = []
        if "nps" in h:
            figs.append(graph(fig_layout(go.Figure([go.Scatter(x=h["as_of_date"], y=h[c], name=c.replace("_", " "),
                                                               mode="lines+markers") for c in ("nps", "last_nps") if c in h]),
                                         "NPS by snapshot")))
        if "tickets_90d" in h:
            figs.append(graph(fig_layout(go.Figure([go.Bar(x=h["as_of_date"], y=h[c], name=c.replace("_", " "))
                                                    for c in ("tickets_90d", "open_tickets") if c in h]),
                                         "Support tickets by snapshot")))
        return html.Div([cards, html.Div(figs, className="grid2")])

    def alerts():
        a = fut["alerts"].result()
        a = a[a["status"] == "open"] if len(a) else a
        if a.empty:
            return html.Div("No open playbook alerts.", id="account-alerts", **{"data-count": "0"})
        a = a.sort_values(["severity", "rule"], key=lambda s: s.map(BAND_ORDER) if s.name == "severity" else s)
        rows = [html.Tr([html.Td(r["severity"], className=f"sev-{r['severity']}"), html.Td(r["rule"]),
                         html.Td(r["action"]), html.Td(date_label(r["as_of_date"])),
                         html.Td(", ".join(f"{k} = {short(v)}" for k, v in (r["trigger_values"] or [])))])
                for r in a.to_dict("records")]
        return html.Table([html.Thead(html.Tr([html.Th(x) for x in ("Severity", "Rule", "Action", "Opened",
                                                                      "Triggered by")])), html.Tbody(rows)],
                          id="account-alerts", className="plain", **{"data-count": str(len(a))})

    top = [html.Div(dcc.Link("← at-risk accounts", href="/at-risk"), className="muted"), html.H1("Account 360"),
           section("Account", header, "account-header")]
    if not row:  # not in account_360 (or the table is missing): the header says so, nothing else to show
        return html.Div(top, id="page-account", className="page", **{"data-account": account_id})
    return html.Div(top + [
        section("Health", health, "account-health"),
        section("Churn risk and drivers", risk, "account-risk"),
        section("Usage", usage, "account-usage"),
        section("NPS and support", voice, "account-voice"),
        section("Open playbook alerts", alerts, "account-alerts-section"),
    ], id="page-account", className="page", **{"data-account": account_id})


# --------------------------------------------------------------------------------------------------
# CS team
# --------------------------------------------------------------------------------------------------
def team_frame(lh: Lakehouse):
    """Per CSM: cs_team_kpis of its latest month + the account_360 book + open alerts. (frame, notes, month)"""
    notes, parts, month = [], [], None
    try:
        k = lh.read("gold/cs_team_kpis", ["csm_id", "month", "accounts", "mrr", "grr", "nrr", "logo_churn_rate",
                                          "proactive_touches", "proactive_touches_per_account", "ttr_median_hours"])
        month = k["month"].max()
        k = k[k["month"] == month].drop(columns="month")
        parts.append(k)
    except TableUnavailable as e:
        notes.append(e)
    try:
        a = lh.read("gold/account_360", ["csm_id", "account_id", "mrr", "health_score", "mrr_at_risk", "risk_band"])
        a["csm_id"] = a["csm_id"].fillna("(no CSM)")
        if "health_score" not in a:
            a["health_score"] = float("nan")
        g = a.groupby("csm_id").agg(book_accounts=("account_id", "count"), book_mrr=("mrr", "sum"),
                                    mean_health=("health_score", "mean"), mrr_at_risk=("mrr_at_risk", "sum"),
                                    high_risk=("risk_band", lambda s: int((s == "high").sum()))).reset_index()
        parts.append(g)
    except TableUnavailable as e:
        notes.append(e)
    try:
        al = lh.read("gold/playbook_alerts", ["csm_id", "status", "severity"], allow_empty=True)
        al = al[al["status"] == "open"]
        al = al.assign(csm_id=al["csm_id"].fillna("(no CSM)"))
        g = al.groupby("csm_id").agg(open_alerts=("status", "count"),
                                     open_high_alerts=("severity", lambda s: int((s == "high").sum()))).reset_index()
        parts.append(g)
    except TableUnavailable as e:
        notes.append(e)
    if not parts:
        raise notes[0]
    df = parts[0]
    for p in parts[1:]:
        df = df.merge(p, on="csm_id", how="outer")
    for c in ("open_alerts", "open_high_alerts"):
        if c in df:
            df[c] = df[c].fillna(0).astype(int)
    return df.sort_values("csm_id").reset_index(drop=True), notes, month


TEAM_COLUMNS = [("csm_id", "CSM", None), ("book_accounts", "Accounts (book)", "int"), ("book_mrr", "Book MRR", "money"),
                ("accounts", "Active accounts (month)", "int"), ("mrr", "MRR (month)", "money"),
                ("grr", "GRR", "pct"), ("nrr", "NRR", "pct"), ("logo_churn_rate", "Logo churn", "pct"),
                ("mean_health", "Mean health", "num"), ("mrr_at_risk", "MRR at risk", "money"),
                ("high_risk", "High-risk accounts", "int"), ("proactive_touches", "Proactive touches", "int"),
                ("proactive_touches_per_account", "Touches / account", "num2"), ("open_alerts", "Open alerts", "int"),
                ("open_high_alerts", "Open high alerts", "int")]


def page_team(lh: Lakehouse):
    def body():
        df, notes, month = team_frame(lh)
        from dash.dash_table.Format import Format, Group, Scheme
        fmts = {"int": Format(precision=0, scheme=Scheme.fixed, group=Group.yes),
                "money": Format(precision=0, scheme=Scheme.fixed, group=Group.yes),
                "pct": Format(precision=1, scheme=Scheme.percentage),
                "num": Format(precision=1, scheme=Scheme.fixed), "num2": Format(precision=2, scheme=Scheme.fixed)}
        cols = []
        for c, n, kind in TEAM_COLUMNS:
            if c in df:
                col = {"id": c, "name": n}
                if kind:
                    col.update(type="numeric", format=fmts[kind])
                cols.append(col)
        data = df[[c["id"] for c in cols]].astype(object).where(df[[c["id"] for c in cols]].notna(), None)
        summary = html.Div([
            kpi("CSMs", f"{len(df):,}", "team-csms", len(df)),
            kpi("Month of cs_team_kpis", month_label(month) if month is not None else "—", "team-month",
                month_label(month) if month is not None else None),
        ] + ([kpi("Open alerts", f"{int(df['open_alerts'].sum()):,}", "team-open-alerts", int(df["open_alerts"].sum()))]
             if "open_alerts" in df else []), className="kpis")
        table = dash_table.DataTable(
            id="team-table", columns=cols, data=data.to_dict("records"), sort_action="native", filter_action="native",
            page_action="native", page_size=20, sort_by=[],
            style_cell={"textAlign": "right", "padding": "4px 8px", "fontSize": "13px", "fontFamily": FONT},
            style_cell_conditional=[{"if": {"column_id": "csm_id"}, "textAlign": "left"}],
            style_header={"fontWeight": "bold", "backgroundColor": "#f4f6f8", "fontFamily": FONT, "whiteSpace": "normal", "height": "auto"})
        figs = []
        if {"mean_health", "nrr"} <= set(df.columns):
            d = df.dropna(subset=["mean_health", "nrr"])
            size = d["book_mrr"].fillna(0) if "book_mrr" in d else 10
            f = go.Figure(go.Scatter(x=d["mean_health"], y=d["nrr"], mode="markers", text=d["csm_id"],
                                     marker={"size": size, "sizemode": "area",
                                             "sizeref": 2.0 * float(max(size.max() if hasattr(size, "max") else 1, 1)) / 30 ** 2,
                                             "color": "#2c3e50", "opacity": 0.6},
                                     hovertemplate="%{text}: health %{x:.1f}, NRR %{y:.1%}<extra></extra>"))
            f.update_xaxes(title="mean health of the book")
            f.update_yaxes(title="NRR (month)", tickformat=".0%")
            figs.append(graph(fig_layout(f, "Book health vs NRR (size: book MRR)")))
        if "open_alerts" in df and "book_accounts" in df:
            top = df.sort_values("open_alerts", ascending=False).head(15)
            f = go.Figure(go.Bar(x=top["csm_id"], y=top["open_alerts"], marker_color="#c0392b"))
            figs.append(graph(fig_layout(f, "Open playbook alerts, top 15 CSMs")))
        return html.Div([summary] + [missing_box(n) for n in notes] + [html.Div(figs, className="grid2"), table])

    return html.Div([html.H1("CS team"), section("Books of business", body, "team-body")],
                    id="page-team", className="page")


# --------------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------------
def page_model(lh: Lakehouse):
    def body():
        runs = lh.read("gold/model_runs", None)
        r = runs.sort_values("trained_at").iloc[-1].to_dict()
        cards = html.Div([
            kpi("Model", r["model_version"], "model-version", r["model_version"],
                f"{r['algorithm']} · trained {date_label(r['trained_at'])}"),
            kpi("ROC-AUC", fmt_num(r["roc_auc"], 3), "model-roc-auc", r["roc_auc"]),
            kpi("PR-AUC", fmt_num(r["pr_auc"], 3), "model-pr-auc", r["pr_auc"],
                f"base rate {fmt_pct(r['validation_positive_rate'])}"),
            kpi("Lift, top decile", fmt_num(r["lift_top_decile"], 2), "model-lift", r["lift_top_decile"]),
            kpi("Brier", fmt_num(r["brier"], 4), "model-brier", r["brier"]),
            kpi("Log loss", fmt_num(r["log_loss"], 4), "model-log-loss", r["log_loss"]),
            kpi("Validation", date_label(r["validation_date"]), "model-validation-date", date_label(r["validation_date"]),
                f"{int(r['validation_rows']):,} rows; {r['split_method']} split; train "
                f"{date_label(r['train_from'])} … {date_label(r['train_to'])} ({int(r['train_rows']):,} rows)"),
        ], className="kpis")
        cal = pd.DataFrame(list(r["calibration"]) if r.get("calibration") is not None else [])
        figs = []
        if not cal.empty:
            f = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dot", "color": "#999"}),
                           go.Scatter(x=cal["mean_predicted"], y=cal["observed_rate"], mode="lines+markers",
                                      name="calibrated model", text=cal["rows"],
                                      hovertemplate="predicted %{x:.1%}, observed %{y:.1%} (%{text} rows)<extra></extra>")])
            f.update_xaxes(title="mean predicted probability", tickformat=".0%")
            f.update_yaxes(title="observed churn rate", tickformat=".0%")
            figs.append(graph(fig_layout(f, "Calibration (validation, by decile)"), "model-calibration"))
            base = r.get("validation_positive_rate")
            if base:
                lift = cal["observed_rate"] / base
                f2 = go.Figure(go.Bar(x=[f"bin {int(b)}" for b in cal["bin"]], y=lift, marker_color="#2c3e50",
                                      text=[fmt_num(v, 2) for v in lift], textposition="outside", cliponaxis=False))
                f2.add_hline(y=1.0, line_dash="dot", line_color="#999")
                f2.update_yaxes(title="observed rate / base rate")
                figs.append(graph(fig_layout(f2, "Lift by decile of calibrated probability"), "model-lift-chart"))
        fi = pd.DataFrame(list(r["feature_importances"]) if r.get("feature_importances") is not None else [])
        if not fi.empty:
            fi = fi.sort_values("importance", ascending=False).head(20).iloc[::-1]
            f3 = go.Figure(go.Bar(x=fi["importance"], y=fi["feature"], orientation="h", marker_color="#2c3e50"))
            f3.update_xaxes(tickformat=".0%")
            figs.append(graph(fig_layout(f3, "Feature importances (top 20)", height=520), "model-importances"))
        cand = pd.DataFrame(list(r["candidates"]) if r.get("candidates") is not None else [])
        ctable = html.Div()
        if not cand.empty:
            ctable = html.Table([html.Thead(html.Tr([html.Th(x) for x in ("Candidate", "ROC-AUC", "PR-AUC", "Brier",
                                                                          "Lift top decile")])),
                                 html.Tbody([html.Tr([html.Td(c["algorithm"] + (" (chosen)" if c["algorithm"] == r["algorithm"] else "")),
                                                      html.Td(fmt_num(c["roc_auc"], 3)), html.Td(fmt_num(c["pr_auc"], 3)),
                                                      html.Td(fmt_num(c["brier"], 4)), html.Td(fmt_num(c["lift_top_decile"], 2))])
                                             for c in cand.to_dict("records")])], className="plain", id="model-candidates")
        note = html.P("ROC and PR curves need the per-row validation scores, which gold/model_runs does not keep; "
                      "their areas are above. Definitions: docs/metrics.md (churn model).", className="muted")
        return html.Div([cards, html.Div(figs[:2], className="grid2"), html.Div(figs[2:] + [html.Div([html.H3("Candidates"), ctable, note])],
                                                                              className="grid2")])

    return html.Div([html.H1("Model"), section("Latest model run", body, "model-body")], id="page-model", className="page")


# --------------------------------------------------------------------------------------------------
# the app
# --------------------------------------------------------------------------------------------------
def warm_up(lh: Lakehouse):
    """Read, in the background at start, what the first visits need most: the at-risk list and the
    per-account histories (kept per table version, see Lakehouse.lookup). Missing tables are skipped."""
    t0 = time.time()
    for name, read in (("at-risk list", lambda: at_risk_frame(lh)),
                       ("account_360", lambda: lh.read("gold/account_360", ACCOUNT_COLS, where={"account_id": ""})),
                       ("churn_features history", lambda: lh.lookup("gold/churn_features", FEATURE_HISTORY_COLS,
                                                                    "account_id", "")),
                       ("account_health history", lambda: lh.lookup("gold/account_health",
                                                                    ["as_of_date", "health_score"] + HEALTH_COMPONENTS,
                                                                    "account_id", ""))):
        try:
            read()
        except TableUnavailable:
            pass
        except Exception:  # warming is an optimisation only: the page will report the problem
            log.warning("warm-up of %s failed:\n%s", name, traceback.format_exc())
    log.info("warm-up done in %.1f s", time.time() - t0)


def create_app(lakehouse: str, warm: bool = True) -> Dash:
    lh = Lakehouse(lakehouse)
    if warm:
        threading.Thread(target=warm_up, args=(lh,), name="cslake-warm-up", daemon=True).start()
    app = Dash(__name__, suppress_callback_exceptions=True, title="cslake · CS 360°",
               assets_folder=os.path.join(os.path.dirname(__file__), "assets"))
    app.lakehouse = lh

    app.layout = html.Div([
        dcc.Location(id="url"),
        html.Header([
            html.Div("cslake · CS 360°", className="brand"),
            html.Nav([dcc.Link(label, href=href, id=f"nav-{pid}", className="nav") for pid, label, href in PAGES]),
            html.Div(lh.root, className="lakehouse", title="lakehouse"),
        ]),
        html.Main(id="page-content"),
    ])

    @app.callback(Output("page-content", "children"), Input("url", "pathname"))
    def route(pathname):
        path = (pathname or "/").rstrip("/") or "/"
        try:
            banner = []
            if not os.path.isdir(lh.root):
                banner = [html.Div(f"The lakehouse folder {lh.root} does not exist: run `bin/cslake run` "
                                   f"(or `bin/cslake demo`) with cslake.lakehouse set to it.", className="missing")]
            if path in ("/", "/overview"):
                page = page_overview(lh)
            elif path == "/at-risk":
                page = page_at_risk(lh)
            elif path.startswith("/account/"):
                page = page_account(lh, urllib.parse.unquote(path[len("/account/"):]))
            elif path == "/team":
                page = page_team(lh)
            elif path == "/model":
                page = page_model(lh)
            else:
                page = html.Div([html.H1("No such page"), html.P(f"{path} is not a page of this dashboard.")],
                                id="page-unknown", className="page")
            return banner + [page]
        except Exception as e:
            return error_box("this page", e)

    @app.callback(Output("waterfall-graph", "figure"), Input("waterfall-month", "value"), prevent_initial_call=True)
    def waterfall(month):
        df = kpi_all(lh)
        sel = df[df["month"].map(month_label) == month]
        return waterfall_figure((sel if len(sel) else df).iloc[-1])

    @app.callback(Output("cohort-graph", "figure"), Input("cohort-measure", "value"), prevent_initial_call=True)
    def cohorts(measure):
        cr = lh.read("gold/cohort_retention", ["basis", "segment", "cohort_month", "period", "cohort_size",
                                               "logo_retention", "revenue_retention"], where={"segment": "ALL"})
        basis = "subscription" if (cr["basis"] == "subscription").any() else cr["basis"].iloc[0]
        return cohort_figure(cr, basis, measure)

    @app.callback(Output("risk-table", "data"), Output("risk-table", "page_count"), Output("risk-table", "page_current"),
                  Output("risk-table-count", "children"),
                  Input("filter-segment", "value"), Input("filter-csm", "value"), Input("filter-band", "value"),
                  Input("risk-table", "page_current"), Input("risk-table", "sort_by"), State("risk-table", "page_size"),
                  prevent_initial_call=True)
    def risk_table(segments, csms, bands, page, sort_by, size):
        try:
            df, _ = at_risk_frame(lh)
        except TableUnavailable:
            return no_update, no_update, no_update, no_update
        d = filter_sort(df, segments, csms, bands, sort_by)
        pages = max(1, -(-len(d) // size))
        page = min(page or 0, pages - 1)
        by = sort_by[0]["column_id"] if sort_by else "mrr_at_risk"
        label = dict((c, n) for c, n, _ in TABLE_COLUMNS).get(by, by)
        return (table_rows(lh, d.iloc[page * size:(page + 1) * size]), pages, page,
                f"{len(d):,} accounts; sorted by {label}. Click an account to open it.")

    return app
