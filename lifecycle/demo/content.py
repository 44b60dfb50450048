"""What the demo projects say: charter text and rows, and the small files uploaded as artifacts.

Pure functions of a ProjectSpec, a date and a seeded random generator, so the demo is the same on
every machine (dates are relative to the day it is seeded).
"""

import csv
import datetime
import io
import random
from decimal import Decimal
from typing import Any

from lifecycle.choices import GoalType
from lifecycle.demo.projects import ProjectSpec

GOAL_DESCRIPTIONS = {
    GoalType.REGRESSION: "**How much / how many.** A number at the grain the users plan at, with an interval "
    "so they see how sure the model is.",
    GoalType.CLASSIFICATION: "**Which category.** A calibrated probability per item, a threshold the users "
    "agreed to, and a human route for the uncertain cases.",
    GoalType.CLUSTERING: "**Which group.** Stable groups, each described by the few features that set it apart, "
    "refreshed on a fixed cadence.",
    GoalType.ANOMALY: "**Is it unusual.** A score per event and an alert threshold tuned to what the users can "
    "handle in a day.",
    GoalType.RECOMMENDATION: "**What next.** A short ranked list per context, with the reason shown next to each item.",
}

# portfolio slug -> data sources (name, owner, system, link path); the first is the single source of truth
DATA_SOURCES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "aml": (
        ("Customer master", "CRM team", "Salesforce", "crm/customer"),
        ("Billing history", "Finance data office", "Snowflake", "dwh/billing"),
        ("Web and app events", "Digital analytics", "Segment", "events/web"),
        ("Contact-centre logs", "Customer service ops", "Genesys", "cc/contacts"),
    ),
    "di": (
        ("POS transactions", "Retail data office", "Teradata", "dwh/pos"),
        ("Promotions calendar", "Category management", "SAP", "sap/promo"),
        ("Inventory snapshots", "Supply chain IT", "Snowflake", "dwh/inventory"),
        ("Weather forecasts", "External: weather provider", "REST API", "ext/weather"),
    ),
    "aip": (
        ("Model registry", "ML platform team", "MLflow", "mlflow/registry"),
        ("Serving metrics", "SRE", "Prometheus", "prom/serving"),
        ("Pipeline run history", "Data engineering", "Airflow", "airflow/runs"),
        ("Cloud billing export", "FinOps", "BigQuery", "finops/billing"),
    ),
    "air": (
        ("Labelled sample", "AI research", "Delta Lake", "lake/labelled"),
        ("Ticket and case archive", "Customer service ops", "Zendesk", "zendesk/archive"),
        ("Transaction graph", "Fraud analytics", "Neo4j", "graph/transactions"),
        ("Public benchmark sets", "AI research", "Object storage", "s3/benchmarks"),
    ),
}

# portfolio slug -> data dictionary rows (field, type, description)
DICTIONARY: dict[str, tuple[tuple[str, str, str], ...]] = {
    "aml": (
        ("customer_id", "string", "Stable customer key from the customer master."),
        ("tenure_months", "integer", "Months since the first contract."),
        ("monthly_spend", "decimal(10,2)", "Average billed amount over the last 3 months, EUR."),
        ("contacts_90d", "integer", "Contact-centre contacts in the last 90 days."),
        ("target_label", "boolean", "Outcome observed in the label window."),
    ),
    "di": (
        ("store_id", "string", "Store key, as in the store master."),
        ("sku", "string", "Article number."),
        ("sales_date", "date", "Business day of the sale."),
        ("units_sold", "integer", "Units sold net of returns."),
        ("promo_flag", "boolean", "Whether the article was on promotion that day."),
        ("on_hand_units", "integer", "Closing stock of the day."),
    ),
    "aip": (
        ("model_name", "string", "Registered model name."),
        ("model_version", "integer", "Registered model version."),
        ("latency_p95_ms", "float", "95th percentile inference latency over 5 minutes."),
        ("requests_per_min", "float", "Inference requests per minute."),
        ("drift_score", "float", "Population stability index against the training set."),
    ),
    "air": (
        ("record_id", "string", "Key of the source record."),
        ("text", "string", "Free text, personal data masked at ingestion."),
        ("event_time", "timestamp", "When the event happened, UTC."),
        ("label", "string", "Ground-truth label from the annotated sample."),
        ("split", "string", "train / validation / test assignment, fixed by hash."),
    ),
}

MILESTONES = (
    ("Charter approved", 30),
    ("Data ready for modelling", 100),
    ("Model selected", 190),
    ("Live in production", 280),
    ("Handed off to operations", 340),
)


def charter_first_draft(spec: ProjectSpec) -> dict[str, Any]:
    return {
        "objective": f"{spec.objective}\n\nOut of scope for now: changes to the users' tools beyond showing "
        "the model's output where they already work.",
        "goal_type": spec.goal_type,
        "goal_description": GOAL_DESCRIPTIONS[spec.goal_type],
        "model_users": spec.users,
        "business_process": "The output arrives in the tool the users already use, at the moment they decide. "
        "They can override it with a reason; overrides are logged and reviewed every sprint.",
        "acceptance_measure": "Share of model outputs acted on, read weekly from the tool's logs: at least 70% "
        "after eight weeks, plus a five-question survey of the users at week four.",
    }


def charter_metrics_and_data(spec: ProjectSpec, start: datetime.date) -> dict[str, Any]:
    metric = spec.metric
    sources = DATA_SOURCES[spec.portfolio][:3]
    return {
        "success_metrics": [
            {
                "name": metric.name,
                "definition": metric.definition,
                "baseline": Decimal(metric.baseline),
                "target": Decimal(metric.target),
                "unit": metric.unit,
                "due_date": start + datetime.timedelta(days=300),
            },
            {
                "name": "Feature usage",
                "definition": "Share of the intended users acting on the model's output in a week",
                "baseline": Decimal("0"),
                "target": Decimal("70"),
                "unit": "%",
                "due_date": start + datetime.timedelta(days=360),
            },
        ],
        "data_sources": [
            {
                "name": name,
                "owner": owner,
                "system": system,
                "is_ssot": position == 0,
                "link": f"https://data.example.com/catalog/{path}",
            }
            for position, (name, owner, system, path) in enumerate(sources)
        ],
        "data_dictionary": [
            {"field": field, "data_type": data_type, "description": description, "source": sources[0][0]}
            for field, data_type, description in DICTIONARY[spec.portfolio]
        ],
    }


def charter_plan_and_value(start: datetime.date, rng: random.Random) -> dict[str, Any]:
    cost = Decimal(rng.randrange(12, 90) * 10_000)
    benefit = (cost * Decimal(str(round(rng.uniform(0.8, 4.5), 2)))).quantize(Decimal("1000"))
    return {
        "milestones": milestone_rows(start, reached=0),
        "expected_cost": cost,
        "expected_benefit": benefit,
    }


def milestone_rows(start: datetime.date, reached: int) -> list[dict[str, Any]]:
    return [
        {"name": name, "due_date": start + datetime.timedelta(days=offset), "done": index < reached}
        for index, (name, offset) in enumerate(MILESTONES)
    ]


def _markdown(title: str, spec: ProjectSpec, sections: dict[str, str]) -> bytes:
    lines = [f"# {title}", "", f"Project **{spec.code} {spec.name}**", ""]
    for heading, body in sections.items():
        lines += [f"## {heading}", "", body, ""]
    return "\n".join(lines).encode()


def _csv(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def artifact_link(spec: ProjectSpec, slug: str) -> str | None:
    """Some artifacts are links to where they live rather than files."""
    code = spec.code.lower()
    if slug == "project-repository":
        return f"https://git.example.com/{spec.portfolio}/{code}"
    if slug == "health-dashboard":
        return f"https://grafana.example.com/d/{code}/model-health"
    return None


def artifact_file(spec: ProjectSpec, slug: str, revision: int, rng: random.Random) -> tuple[str, bytes]:
    """(file name, content) of a generated artifact; `revision` > 1 after rework."""
    note = f"Revision {revision}: reworked after the gate review." if revision > 1 else "First issue."
    fields = DICTIONARY[spec.portfolio]
    sources = DATA_SOURCES[spec.portfolio][:3]
    if slug == "data-sources":
        rows = [(name, owner, system, "yes" if i == 0 else "no") for i, (name, owner, system, _p) in enumerate(sources)]
        return "data-sources.csv", _csv(("source", "owner", "system", "single_source_of_truth"), rows)
    if slug == "data-dictionary":
        return "data-dictionary.csv", _csv(
            ("field", "type", "description", "source"), [(*row, sources[0][0]) for row in fields]
        )
    if slug == "feature-set":
        rows = [
            (f"{field}_{suffix}", suffix, round(rng.uniform(0.01, 0.3), 3))
            for field, _t, _d in fields[1:]
            for suffix in ("lag7", "mean28")
        ]
        return "feature-set.csv", _csv(("feature", "transformation", "importance"), rows)
    if slug == "data-report":
        quality = [(field, f"{rng.uniform(0, 6):.1f}%", f"{rng.uniform(-0.4, 0.6):+.2f}") for field, _t, _d in fields]
        return "data-report.md", _markdown(
            "Data report",
            spec,
            {
                "Summary": f"{note} Data quality score {rng.randint(72, 94)}/100 over {rng.randint(14, 60)} months.",
                "Fields": _table(("field", "missing", "correlation with target"), quality),
            },
        )
    if slug == "model-report":
        candidates = [
            (name, f"{rng.uniform(0.6, 0.9):.3f}")
            for name in ("baseline rule", "gradient boosting", "logistic / linear", "neural net")
        ]
        return "model-report.md", _markdown(
            "Model report",
            spec,
            {
                "Summary": f"{note} Chosen: gradient boosting; evaluated on a time-based hold-out.",
                "Candidates": _table(("model", "validation score"), candidates),
            },
        )
    titles = {
        "project-charter": ("Project charter", {"Objective": spec.objective, "Users": spec.users}),
        "ssot": (
            "Single source of truth",
            {"Agreed source": f"{sources[0][0]} ({sources[0][2]}), owned by {sources[0][1]}."},
        ),
        "data-pipeline-architecture": (
            "Data pipeline architecture",
            {
                "Design": rng.choice(["Nightly batch in Airflow", "Streaming with Kafka and Flink"])
                + " into the feature store; backfills re-run the same code."
            },
        ),
        "solution-architecture": (
            "Solution architecture",
            {
                "Serving": "Containerised model behind the inference gateway; features from the online store.",
                "Monitoring": "Latency, error rate and drift exported to the platform dashboards.",
            },
        ),
        "closure-report": (
            "Closure and hand-off report",
            {
                "Validation": "System and model validated against the charter's success metrics.",
                "Hand-off": "Operations owns the model; refresh every quarter under the platform SLA.",
            },
        ),
    }
    title, sections = titles.get(slug, (slug.replace("-", " ").capitalize(), {"Content": "See attached."}))
    return f"{slug}.md", _markdown(title, spec, {"Status": note, **sections})
