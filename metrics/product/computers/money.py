"""Revenue metrics of the product snapshots per month: repurchase, CAC, CLV and CLV : CAC (pure, pandas).

CLV uses one population, paying customers, for both its revenue and its churn: revenue per customer who ordered in
the month x gross margin / churn of paying customers (customers who ordered in the previous month and not in this
one / customers who ordered in the previous month). When that churn is zero or unknown CLV is undefined and the
historical value shows instead: gross profit so far per customer who has ordered.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

import pandas as pd

from metrics.formulas import product as formulas
from metrics.formulas.bands import CLV_CAC_TARGET
from metrics.formulas.calendar import add_months, month_end, month_start
from metrics.product.computers.periods import Point

CLV_POPULATION = "paying customers"


def _formula_orders(orders: pd.DataFrame) -> list[formulas.Order]:
    return [
        formulas.Order(customer=str(c), day=d, amount=float(r))
        for c, d, r in zip(orders["customer"], orders["day"], orders["revenue"], strict=True)
    ]


def paying_customers_by_month(orders: list[formulas.Order]) -> dict[datetime.date, set[str]]:
    by_month: dict[datetime.date, set[str]] = defaultdict(set)
    for order in orders:
        by_month[month_start(order.day)].add(order.customer)
    return by_month


def order_points(
    orders: pd.DataFrame,
    spend: list[formulas.MarketingSpend],
    new_customers: dict[datetime.date, int],
    months: list[datetime.date],
) -> dict[str, dict]:
    """Repurchase, CAC, CLV (historical when customer churn is zero or unknown) and CLV : CAC per month."""
    formula_orders = _formula_orders(orders) if not orders.empty else []
    by_month: dict[datetime.date, list[formulas.Order]] = defaultdict(list)
    for order in formula_orders:
        by_month[month_start(order.day)].append(order)
    paying = paying_customers_by_month(formula_orders)
    repurchase, cac, clv, ratio = {}, {}, {}, {}
    for month in months:
        last = month_end(month)
        month_orders = by_month.get(month, [])
        if month_orders:
            repurchase[month] = {
                "value": formulas.repurchase_rate(month_orders, month, last),
                "customers": len({o.customer for o in month_orders}),
                "orders": len(month_orders),
            }
        if spend:
            spent = formulas.spend_in_period(spend, month, last)
            won = new_customers.get(month, 0)
            cac[month] = {"value": formulas.customer_acquisition_cost(spent, won), "spend": spent, "new_customers": won}
        previous = paying.get(add_months(month, -1), set())
        churn = formulas.customer_churn(previous, paying.get(month, set()))
        clv[month] = clv_point(orders, month, churn) | {
            "churned_customers": len(previous - paying.get(month, set())),
            "previous_customers": len(previous),
        }
        ratio[month] = {
            "value": formulas.clv_to_cac(clv[month]["value"], cac.get(month, {}).get("value")),
            "target": CLV_CAC_TARGET,
        }
    return {"repurchase_rate": repurchase, "cac": cac, "clv": clv, "clv_cac": ratio}


def clv_point(orders: pd.DataFrame, month: datetime.date, churn: float | None) -> Point:
    """CLV of one month from its paying customers; ``churn`` is their churn (customer churn)."""
    if orders.empty:
        return {"value": None}
    days = orders["day"]
    in_month = orders[(days >= month) & (days <= month_end(month))]
    revenue = float(in_month["revenue"].sum())
    paying = int(in_month["customer"].nunique())
    per_customer: float | None = None
    margin: float | None = None
    if revenue and paying:
        per_customer = revenue / paying
        margin = float(in_month["gross_profit"].sum()) / revenue
        value = formulas.customer_lifetime_value(per_customer, min(margin, 1.0), churn)
        if value is not None:
            return {"value": value, "basis": "formula", "arpu": per_customer, "gross_margin": margin, "churn": churn,
                    "paying_customers": paying}  # fmt: skip
    # Undefined (zero or unknown churn, or no revenue this month): the historical value, i.e. the gross profit
    # realized so far per customer who has ordered.
    to_date = orders[days <= month_end(month)]
    customers = int(to_date["customer"].nunique())
    historical = float(to_date["gross_profit"].sum()) / customers if customers else None
    return {"value": historical, "basis": "historical", "arpu": per_customer, "gross_margin": margin, "churn": churn,
            "paying_customers": paying}  # fmt: skip
