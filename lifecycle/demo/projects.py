"""The demo projects and the story of each one's gates.

`plan` is the sequence of gate events, one letter each, applied to the phase the project is in:
G go, C conditional go, R recycle, H no-go (hold), X no-go (cancel), U resume after a hold,
O a review requested and left open with some votes cast. An empty plan is a charter being drafted.
"""

from dataclasses import dataclass

from lifecycle.choices import RAG, GoalType, RiskTier


@dataclass(frozen=True)
class Metric:
    name: str
    definition: str
    baseline: str
    target: str
    unit: str


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    portfolio: str
    business_unit: str
    goal: str
    owner: str
    sponsor: str
    goal_type: str
    plan: str
    objective: str
    users: str
    metric: Metric
    risk: str = RiskTier.MEDIUM
    rag: str = RAG.GREEN


def _m(name: str, definition: str, baseline: str, target: str, unit: str) -> Metric:
    return Metric(name, definition, baseline, target, unit)


CLV, COST, FORECAST, RISK, SCALE = (
    "Grow customer lifetime value",
    "Reduce cost to serve",
    "Improve forecast accuracy",
    "Manage risk and compliance",
    "Scale ML delivery",
)
REG, CLS, CLU, ANO, REC = (
    GoalType.REGRESSION,
    GoalType.CLASSIFICATION,
    GoalType.CLUSTERING,
    GoalType.ANOMALY,
    GoalType.RECOMMENDATION,
)

# A table: keep one project per block, as written.
# fmt: off
PROJECTS: tuple[ProjectSpec, ...] = (
    # Applied Machine Learning
    ProjectSpec("AML-101", "Customer churn early warning", "aml", "Consumer Sales", CLV, "pm", "exec", CLS, "GGCGG",
                "Flag subscribers likely to cancel in the next 60 days so retention can act first.",
                "Retention agents, who work a daily call list ranked by churn risk.",
                _m("Monthly churn rate", "Share of active subscribers cancelling in a month", "2.8", "2.2", "%")),
    ProjectSpec("AML-102", "Next-best-offer recommender", "aml", "Consumer Sales", CLV, "marta.kowalski",
                "victor.lang", REC, "GCG",
                "Recommend the one offer most likely to be accepted at every customer contact.",
                "Store and web sales staff, who see the offer on the customer screen.",
                _m("Offer acceptance rate", "Accepted offers over offers shown", "4.1", "6.5", "%")),
    ProjectSpec("AML-103", "Claims fraud detection", "aml", "Finance & Risk", RISK, "pm", "exec", ANO, "GRGO",
                "Score every insurance claim for fraud risk before payment.",
                "Claims handlers, who route high-risk claims to the investigation team.",
                _m("Fraud losses caught", "Fraudulent claims stopped before payment", "1.2", "2.0", "M EUR/yr"),
                risk=RiskTier.HIGH, rag=RAG.YELLOW),
    ProjectSpec("AML-104", "Contact-centre volume forecast", "aml", "Customer Service", COST, "marta.kowalski",
                "exec", REG, "G",
                "Forecast inbound contacts per half hour, 6 weeks ahead, for staff planning.",
                "Workforce planners, who build rosters from the forecast each week.",
                _m("Forecast error (WAPE)", "Weighted absolute percentage error at 30-minute grain", "18", "10", "%")),
    ProjectSpec("AML-105", "KYC document classification", "aml", "Finance & Risk", RISK, "pm", "exec", CLS, "O",
                "Classify onboarding documents automatically and route the unclear ones to people.",
                "Onboarding analysts, who today open and label every document by hand.",
                _m("Documents auto-classified", "Share classified above the confidence threshold", "0", "70", "%")),
    ProjectSpec("AML-106", "Customer segmentation refresh", "aml", "Consumer Sales", CLV, "marta.kowalski",
                "victor.lang", CLU, "GH",
                "Rebuild the customer segments on behaviour instead of demographics.",
                "Marketing managers, who plan campaigns per segment each quarter.",
                _m("Campaign response lift", "Response of segment-targeted over generic campaigns", "0", "15", "%"),
                rag=RAG.RED),
    ProjectSpec("AML-107", "Dynamic pricing elasticity", "aml", "Consumer Sales", CLV, "pm", "exec", REG, "GGX",
                "Estimate price elasticity per product family to support price changes.",
                "Pricing analysts, who propose price moves to the commercial committee.",
                _m("Gross margin uplift", "Margin change on re-priced families", "0", "1.5", "pp"),
                risk=RiskTier.HIGH),
    # Demand Intelligence
    # Sponsored by the portfolio's own executive: the demo `exec` waits on exactly three decisions (AML-103, AML-105,
    # AIR-401), with or without the MLflow story, which decides this project's open deployment gate.
    ProjectSpec("DI-201", "Store-level demand forecast", "di", "Supply Chain", FORECAST, "pm", "hannah.okafor", REG,
                "GGGO",
                "Forecast daily unit sales per store and SKU, 28 days ahead.",
                "Replenishment planners, whose ordering system takes the forecast every night.",
                _m("Forecast accuracy", "1 - WAPE at store x SKU x day", "62", "75", "%")),
    ProjectSpec("DI-202", "Promotion uplift model", "di", "Consumer Sales", FORECAST, "marta.kowalski",
                "hannah.okafor", REG, "GGR",
                "Predict the sales uplift of a planned promotion before it is agreed with the supplier.",
                "Category managers, who plan promotions with suppliers each season.",
                _m("Uplift forecast error", "Absolute error of predicted over actual uplift", "35", "15", "%"),
                rag=RAG.YELLOW),
    ProjectSpec("DI-203", "Stock-out anomaly alerts", "di", "Supply Chain", COST, "marta.kowalski", "exec", ANO,
                "GCGG",
                "Detect phantom stock and unexpected stock-outs from sales patterns.",
                "Store managers, who get a morning alert list on their handheld.",
                _m("Lost sales recovered", "Sales recovered after alerts were acted on", "0", "0.8", "M EUR/yr")),
    ProjectSpec("DI-204", "Supplier lead-time prediction", "di", "Supply Chain", FORECAST, "pm", "hannah.okafor",
                REG, "GO",
                "Predict the real delivery lead time of each purchase order.",
                "Buyers, who set order dates from the predicted lead time.",
                _m("Late deliveries", "Orders arriving after the planned date", "22", "12", "%")),
    ProjectSpec("DI-205", "Markdown optimisation", "di", "Consumer Sales", CLV, "pm", "exec", REG, "",
                "Choose end-of-season markdown depth and timing per store cluster.",
                "Merchandisers, who set weekly markdowns in the pricing tool.",
                _m("Sell-through at season end", "Units sold over units bought", "78", "88", "%")),
    ProjectSpec("DI-206", "Regional demand clustering", "di", "Supply Chain", FORECAST, "marta.kowalski",
                "hannah.okafor", CLU, "GX",
                "Group stores by demand shape to share forecasts across similar stores.",
                "Demand planners, who forecast per cluster for new stores.",
                _m("New-store forecast error", "WAPE of forecasts for stores under a year old", "40", "25", "%")),
    ProjectSpec("DI-207", "Weather-driven demand signals", "di", "Supply Chain", FORECAST, "pm", "exec", REG,
                "GGGGG",
                "Add weather forecasts as features to the short-term demand forecast.",
                "Replenishment planners of seasonal categories (drinks, garden, ice cream).",
                _m("Seasonal forecast accuracy", "1 - WAPE on weather-sensitive categories", "55", "68", "%")),
    # AI Platform
    ProjectSpec("AIP-301", "Model drift detection service", "aip", "Technology", SCALE, "tom.becker", "exec", ANO,
                "GG",
                "Detect data and concept drift on every production model and open an alert.",
                "Model owners, who get a drift alert with the features that moved.",
                _m("Drift detected before KPI drop", "Drift incidents flagged before the business KPI fell", "10", "80",
                   "%")),
    ProjectSpec("AIP-302", "Serving latency anomaly alerts", "aip", "Technology", SCALE, "pm", "hannah.okafor",
                ANO, "GRGG",
                "Alert on abnormal inference latency before users notice.",
                "The platform on-call engineer, paged through the incident tool.",
                _m("Latency incidents caught early", "Incidents alerted before a user ticket", "30", "90", "%"),
                rag=RAG.YELLOW),
    ProjectSpec("AIP-303", "GPU capacity forecast", "aip", "Technology", COST, "tom.becker", "exec", REG, "GHU",
                "Forecast GPU hours needed per team and month for training and tuning.",
                "The infrastructure lead, who books reserved capacity each quarter.",
                _m("Idle reserved GPU hours", "Reserved hours not used", "35", "15", "%")),
    ProjectSpec("AIP-304", "Pipeline failure prediction", "aip", "Technology", SCALE, "tom.becker",
                "hannah.okafor", CLS, "GGGC",
                "Predict which nightly data pipelines will fail, from their recent runs.",
                "Data engineers, who fix flagged pipelines before the nightly window.",
                _m("Failed nightly runs", "Pipelines failing per night", "6", "2", "runs")),
    ProjectSpec("AIP-305", "Alert noise clustering", "aip", "Technology", COST, "pm", "hannah.okafor", CLU, "O",
                "Group duplicate monitoring alerts so on-call sees one incident, not fifty.",
                "On-call engineers, through the incident tool's grouping view.",
                _m("Alerts per incident", "Median alerts raised per real incident", "42", "5", "alerts")),
    ProjectSpec("AIP-306", "Cluster right-sizing recommender", "aip", "Technology", COST, "tom.becker",
                "hannah.okafor", REC, "GGGGG",
                "Recommend node sizes for each training cluster from its utilisation.",
                "Platform engineers, who apply the recommendation in the cluster config.",
                _m("Compute cost per training hour", "Cloud cost over training hours", "3.40", "2.60", "EUR")),
    ProjectSpec("AIP-307", "Auto-labelling service", "aip", "Technology", SCALE, "pm", "exec", CLS, "R",
                "Pre-label text and images so annotators only confirm or correct.",
                "Annotation teams of every ML project, inside the labelling tool.",
                _m("Annotation throughput", "Items labelled per annotator hour", "120", "300", "items/h")),
    # AI Research
    ProjectSpec("AIR-401", "LLM support-ticket triage", "air", "Customer Service", COST, "pm", "exec", CLS, "GGO",
                "Route incoming support tickets to the right queue with a language model.",
                "Support agents, who receive tickets already in their queue with a summary.",
                _m("Tickets routed correctly", "First-queue routing accuracy", "71", "90", "%")),
    ProjectSpec("AIR-402", "Causal promotion uplift", "air", "Consumer Sales", CLV, "tom.becker", "victor.lang",
                REG, "GR",
                "Estimate the causal effect of promotions, separating it from seasonality.",
                "The commercial analytics team, who evaluate promotions after they run.",
                _m("Uplift estimate interval", "Width of the 90% interval on uplift", "12", "4", "pp"),
                rag=RAG.RED),
    ProjectSpec("AIR-403", "Fraud-ring graph detection", "air", "Finance & Risk", RISK, "tom.becker", "exec", ANO,
                "GGH",
                "Find organised fraud rings from shared devices, addresses and accounts.",
                "Fraud investigators, who open a case per detected ring.",
                _m("Rings confirmed per month", "Detected rings confirmed by investigators", "2", "8", "rings"),
                risk=RiskTier.HIGH, rag=RAG.RED),
    ProjectSpec("AIR-404", "Sensor telemetry anomaly detection", "air", "Supply Chain", COST, "pm", "victor.lang",
                ANO, "",
                "Spot failing refrigeration units from their temperature telemetry.",
                "Facilities technicians, who get a work order before the unit fails.",
                _m("Stock lost to cold-chain failures", "Chilled stock written off", "420", "150", "k EUR/yr")),
    ProjectSpec("AIR-405", "Time-series foundation model benchmark", "air", "Technology", FORECAST, "tom.becker",
                "exec", REG, "GGGC",
                "Benchmark pretrained time-series models against our tuned forecasters.",
                "Forecasting teams, who choose a default model family from the results.",
                _m("Accuracy vs current model", "WAPE improvement over the tuned baseline", "0", "5", "pp")),
    ProjectSpec("AIR-406", "Explainable credit scoring", "air", "Finance & Risk", RISK, "pm", "victor.lang", CLS,
                "GCGGG",
                "A credit score whose every decision comes with reasons a customer can read.",
                "Credit officers, who show the reasons to the applicant.",
                _m("Decisions with reason codes", "Share of declines with valid reason codes", "60", "100", "%"),
                risk=RiskTier.HIGH),
    ProjectSpec("AIR-407", "Session-based recommendations", "air", "Consumer Sales", CLV, "tom.becker", "exec", REC,
                "GGG",
                "Recommend products from the current browsing session, for visitors not logged in.",
                "Web shop visitors, through the 'you may also like' strip.",
                _m("Click-through on recommendations", "Clicks over recommendation impressions", "1.9", "3.0", "%")),
)
# fmt: on
