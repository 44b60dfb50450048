"""Usage and revenue of the demo's deployed models: four months of product events with growth and weekly
rhythm, a sign-up -> checkout -> purchase funnel (configured on each product with its window and core events),
customers and orders with repeat buyers, monthly marketing spend by channel, and NPS / CSAT surveys."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from lifecycle.models import Project
from metrics.product import services
from metrics.product.choices import SurveyKind
from metrics.product.models import Product

DAYS = 120
USERS = 500
FEATURES = ("score_viewed", "recommendation_clicked", "export_downloaded")
CHANNELS = ("search", "social", "partners")
FUNNEL_STEPS = ["signup", "checkout_started", "purchase"]
FUNNEL_WINDOW_DAYS = 7  # buyers purchase within 0-5 days of signing up (below)
ABANDONED_CHECKOUT = 0.3  # share of non-buyers who start a checkout and leave


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(7, 21), rng.randint(0, 59))))


def _usage(
    product: Product, rng: random.Random, first: datetime.date, today: datetime.date
) -> tuple[list[dict], dict[str, object]]:
    """Usage events of ``DAYS`` days from ``first`` (growth, weekly rhythm, features, the signup -> checkout ->
    purchase funnel), and the customers the purchases made."""
    events: list[dict] = []
    signed_up: set[str] = set()
    customers: dict[str, object] = {}
    for offset in range(DAYS):
        day = first + datetime.timedelta(days=offset)
        growth = 0.35 + 0.5 * offset / DAYS
        weekday = 1.0 if day.weekday() < 5 else 0.45
        active = rng.sample(range(USERS), int(USERS * growth * weekday * rng.uniform(0.25, 0.35)))
        for number in active:
            user = f"u{number:04d}"
            events.append({"user_id": user, "name": "session_start", "at": _moment(day, rng)})
            for feature in rng.sample(FEATURES, rng.randint(0, 2)):
                events.append({"user_id": user, "name": feature, "at": _moment(day, rng)})
            if user not in signed_up and rng.random() < 0.08:
                signed_up.add(user)
                signed = _moment(day, rng)
                events.append({"user_id": user, "name": "signup", "at": signed})
                if rng.random() < 0.35:
                    bought = day + datetime.timedelta(days=rng.randint(0, 5))
                    if bought <= today:
                        paid = max(_moment(bought, rng), signed + datetime.timedelta(minutes=40))
                        checkout = paid - datetime.timedelta(minutes=rng.randint(2, 30))
                        events.append({"user_id": user, "name": "checkout_started", "at": checkout})
                        events.append({"user_id": user, "name": "purchase", "at": paid})
                        customers[user] = customers.get(user) or services.customer_add(
                            actor=product.project.owner,
                            product=product,
                            external_id=user,
                            acquired_on=bought,
                            channel=rng.choice(CHANNELS),
                        )
                elif rng.random() < ABANDONED_CHECKOUT:
                    left = day + datetime.timedelta(days=rng.randint(0, 5))
                    if left < today:
                        events.append({"user_id": user, "name": "checkout_started", "at": _moment(left, rng)})
    return events, customers


def product_seed(project: Project, name: str, rng: random.Random, today: datetime.date) -> Product | None:
    if Product.objects.filter(project=project, name=name).exists():
        return None
    actor = project.owner
    product = services.product_create(
        actor=actor, project=project, name=name, description=f"The product {project.name} serves."
    )
    services.product_funnel_update(
        actor=actor, product=product, funnel_steps=FUNNEL_STEPS, funnel_window_days=FUNNEL_WINDOW_DAYS,
        core_events=list(FEATURES),
    )  # fmt: skip
    first = today - datetime.timedelta(days=DAYS)
    events, customers = _usage(product, rng, first, today)
    for start in range(0, len(events), 5000):
        services.product_events_add(actor=actor, product=product, events=events[start : start + 5000])
    for customer in customers.values():
        acquired = customer.acquired_on  # type: ignore[attr-defined]
        for _ in range(1 + (rng.random() < 0.3) + (rng.random() < 0.1)):
            placed = acquired + datetime.timedelta(days=rng.randint(0, max(0, (today - acquired).days)))
            services.order_add(
                actor=actor,
                customer=customer,
                placed_at=_moment(placed, rng),
                revenue=Decimal(rng.randrange(20, 240)),
                gross_margin=Decimal(str(round(rng.uniform(0.3, 0.6), 2))),
            )
    month = first.replace(day=1)
    while month <= today:
        end = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        for channel in CHANNELS:
            services.marketing_spend_add(
                actor=actor,
                product=product,
                channel=channel,
                period_start=month,
                period_end=end,
                amount=Decimal(rng.randrange(800, 4000)),
            )
        month = end + datetime.timedelta(days=1)
    for offset in range(0, DAYS, 3):
        day = first + datetime.timedelta(days=offset)
        services.survey_response_add(
            actor=actor,
            product=product,
            kind=SurveyKind.NPS,
            score=min(10, max(0, round(rng.gauss(7.8, 1.8)))),
            at=_moment(day, rng),
        )
        services.survey_response_add(
            actor=actor,
            product=product,
            kind=SurveyKind.CSAT,
            score=min(5, max(1, round(rng.gauss(4.0, 0.8)))),
            at=_moment(day, rng),
        )
    return product
