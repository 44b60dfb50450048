"""The demo organization: the four portfolios of DOMAIN.md, business units, strategic goals and people.

Everything is created with get_or_create on a natural key, so seeding twice adds nothing and keeps
whatever a demo user changed in between.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser

from portfolio.choices import Role
from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal

DEMO_PASSWORD = "demo"

# slug -> (name, description)
PORTFOLIOS: dict[str, tuple[str, str]] = {
    "aml": ("Applied Machine Learning", "Models that change how we sell to and serve customers."),
    "di": ("Demand Intelligence", "Forecasting and optimisation of demand, stock and promotions."),
    "aip": ("AI Platform", "The shared platform every model runs on: features, serving, monitoring."),
    "air": ("AI Research", "Bets on new methods, proven on a real problem before they scale."),
}

BUSINESS_UNITS = ("Consumer Sales", "Customer Service", "Finance & Risk", "Supply Chain", "Technology")

STRATEGIC_GOALS: dict[str, str] = {
    "Grow customer lifetime value": "Keep customers longer and sell them what they need.",
    "Reduce cost to serve": "Automate and route work so each contact costs less.",
    "Improve forecast accuracy": "Plan stock and staff on forecasts we trust.",
    "Manage risk and compliance": "Detect fraud and prove our models are fair and explainable.",
    "Scale ML delivery": "Ship and run models faster on one shared platform.",
}


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str


# The four demo logins come first; the others make RACI grids and reviews look real.
PEOPLE = (
    Person("exec", "Evelyn", "Carter"),
    Person("pm", "Paul", "Mendes"),
    Person("ds", "Dana", "Singh"),
    Person("hannah.okafor", "Hannah", "Okafor"),
    Person("victor.lang", "Victor", "Lang"),
    Person("marta.kowalski", "Marta", "Kowalski"),
    Person("tom.becker", "Tom", "Becker"),
    Person("priya.raman", "Priya", "Raman"),
    Person("li.wei", "Li", "Wei"),
    Person("sam.oduya", "Sam", "Oduya"),
    Person("jonas.berg", "Jonas", "Berg"),
    Person("amira.haddad", "Amira", "Haddad"),
    Person("carlos.mendez", "Carlos", "Mendez"),
    Person("nora.fischer", "Nora", "Fischer"),
    Person("grace.kim", "Grace", "Kim"),
    Person("olu.adeyemi", "Olu", "Adeyemi"),
)

# What each demo login holds in every portfolio.
EVERYWHERE = {"exec": Role.EXECUTIVE_LEADER, "pm": Role.PROJECT_MANAGER, "ds": Role.DATA_SCIENTIST}

# portfolio slug -> role -> usernames (besides EVERYWHERE): the program matrix.
TEAMS: dict[str, dict[str, tuple[str, ...]]] = {
    "aml": {
        Role.EXECUTIVE_LEADER: ("victor.lang",),
        Role.PROGRAM_MANAGER: ("marta.kowalski",),
        Role.PRODUCT_MANAGER: ("grace.kim",),
        Role.SOLUTION_ARCHITECT: ("priya.raman",),
        Role.TECH_LEAD: ("li.wei",),
        Role.ANALYST: ("amira.haddad",),
        Role.DATA_SCIENTIST: ("carlos.mendez",),
        Role.INFRASTRUCTURE_ENGINEER: ("nora.fischer",),
    },
    "di": {
        Role.EXECUTIVE_LEADER: ("hannah.okafor",),
        Role.PROGRAM_MANAGER: ("marta.kowalski",),
        Role.PRODUCT_MANAGER: ("grace.kim",),
        Role.SOLUTION_ARCHITECT: ("priya.raman",),
        Role.TECH_LEAD: ("li.wei",),
        Role.ANALYST: ("amira.haddad",),
        Role.ENGINEER: ("jonas.berg",),
    },
    "aip": {
        Role.EXECUTIVE_LEADER: ("hannah.okafor",),
        Role.PROJECT_MANAGER: ("tom.becker",),
        Role.PRODUCT_MANAGER: ("olu.adeyemi",),
        Role.SOLUTION_ARCHITECT: ("priya.raman",),
        Role.TECH_LEAD: ("sam.oduya",),
        Role.ENGINEER: ("jonas.berg",),
        Role.INFRASTRUCTURE_ENGINEER: ("nora.fischer",),
    },
    "air": {
        Role.EXECUTIVE_LEADER: ("victor.lang",),
        Role.PROJECT_MANAGER: ("tom.becker",),
        Role.PRODUCT_MANAGER: ("olu.adeyemi",),
        Role.SOLUTION_ARCHITECT: ("priya.raman",),
        Role.TECH_LEAD: ("sam.oduya",),
        Role.DATA_SCIENTIST: ("carlos.mendez",),
    },
}


@dataclass
class Organization:
    """What the project stories look people and places up in."""

    users: dict[str, AbstractBaseUser] = field(default_factory=dict)
    portfolios: dict[str, Portfolio] = field(default_factory=dict)
    business_units: dict[str, BusinessUnit] = field(default_factory=dict)
    goals: dict[str, StrategicGoal] = field(default_factory=dict)

    def team(self, slug: str, role: str) -> list[AbstractBaseUser]:
        """Everyone the demo made `role` in the portfolio, the demo logins first; nobody in a portfolio the
        demo did not create (a user's own, added since)."""
        if slug not in TEAMS:
            return []
        names = [name for name, held in EVERYWHERE.items() if held == role] + list(TEAMS[slug].get(role, ()))
        return [self.users[name] for name in names]


def organization_seed() -> Organization:
    org = Organization()
    User = get_user_model()
    # One hash for every demo account: hashing is deliberately slow, and these share a password anyway.
    password_hash = make_password(DEMO_PASSWORD)
    admin, _ = User.objects.get_or_create(
        username="admin",
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "email": "admin@example.com",
            "password": password_hash,
            "is_staff": True,
            "is_superuser": True,
        },
    )
    org.users["admin"] = admin
    for person in PEOPLE:
        org.users[person.username], _ = User.objects.get_or_create(
            username=person.username,
            defaults={
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": f"{person.username}@example.com",
                "password": password_hash,
            },
        )
    for slug, (name, description) in PORTFOLIOS.items():
        org.portfolios[slug], _ = Portfolio.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
    for name in BUSINESS_UNITS:
        org.business_units[name], _ = BusinessUnit.objects.get_or_create(name=name)
    for name, description in STRATEGIC_GOALS.items():
        org.goals[name], _ = StrategicGoal.objects.get_or_create(name=name, defaults={"description": description})
    for slug, portfolio in org.portfolios.items():
        roles = [(username, role) for username, role in EVERYWHERE.items()]
        roles += [(username, role) for role, usernames in TEAMS[slug].items() for username in usernames]
        for username, role in roles:
            Membership.objects.get_or_create(user=org.users[username], portfolio=portfolio, role=role)
    return org
