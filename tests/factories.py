"""factory-boy factories. Projects are created through the service so they carry their charter,
checklist and RACI exactly as in production."""

import datetime

import factory
from django.contrib.auth import get_user_model

from lifecycle import services
from lifecycle.models import ArtifactType
from portfolio.choices import Role
from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pw")


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Portfolio {n}")
    slug = factory.Sequence(lambda n: f"portfolio-{n}")


class BusinessUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Unit {n}")


class StrategicGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicGoal
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Goal {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    portfolio = factory.SubFactory(PortfolioFactory)
    role = Role.DATA_SCIENTIST


def member(portfolio: Portfolio, role: str, username: str | None = None):
    """A user holding `role` in `portfolio`."""
    user = UserFactory(username=username) if username else UserFactory()
    Membership.objects.get_or_create(user=user, portfolio=portfolio, role=role)
    return user


_project_counter = iter(range(1, 10**9))


def make_project(*, portfolio=None, owner=None, sponsor=None, actor=None, code=None, **fields):
    """A project created by its owner through lifecycle.services.project_create."""
    portfolio = portfolio or PortfolioFactory()
    owner = owner or member(portfolio, Role.PROJECT_MANAGER)
    sponsor = sponsor or member(portfolio, Role.EXECUTIVE_LEADER)
    fields.setdefault("ideation_date", datetime.date(2026, 1, 5))
    return services.project_create(
        actor=actor or owner,
        code=code or f"PRJ-{next(_project_counter):04d}",
        name=fields.pop("name", "Churn prediction"),
        portfolio=portfolio,
        owner=owner,
        sponsor=sponsor,
        **fields,
    )


def provide_required_artifacts(project, actor):
    """Upload a small Markdown file for every artifact the current phase still misses."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    for artifact_type in services.artifacts_missing_for_gate(project):
        services.artifact_add_version(
            actor=actor,
            project=project,
            artifact_type=artifact_type,
            upload=SimpleUploadedFile(f"{artifact_type.slug}.md", f"# {artifact_type.name}\n".encode()),
        )


def artifact_type(slug: str) -> ArtifactType:
    return ArtifactType.objects.get(slug=slug)
