from django.db import models


class Role(models.TextChoices):
    """The rows of the program matrix: the role a person holds in a portfolio."""

    EXECUTIVE_LEADER = "executive_leader", "Executive leader"
    PRODUCT_MANAGER = "product_manager", "Product manager"
    PROGRAM_MANAGER = "program_manager", "Program manager"
    PROJECT_MANAGER = "project_manager", "Project manager"
    SOLUTION_ARCHITECT = "solution_architect", "Solution architect"
    TECH_LEAD = "tech_lead", "Tech lead"
    ENGINEER = "engineer", "Engineer"
    ANALYST = "analyst", "Analyst"
    DATA_SCIENTIST = "data_scientist", "Data scientist"
    INFRASTRUCTURE_ENGINEER = "infrastructure_engineer", "Infrastructure engineer"


# Roles that manage a portfolio's projects: create, edit charters and RACI, request gates.
MANAGER_ROLES = frozenset({Role.PROGRAM_MANAGER, Role.PROJECT_MANAGER})
EXECUTIVE_ROLES = frozenset({Role.EXECUTIVE_LEADER})
# Roles that may attach evidence (artifacts) to a project besides its managers.
CONTRIBUTOR_ROLES = frozenset(
    {
        Role.DATA_SCIENTIST,
        Role.SOLUTION_ARCHITECT,
        Role.TECH_LEAD,
        Role.ENGINEER,
        Role.ANALYST,
        Role.INFRASTRUCTURE_ENGINEER,
        Role.PRODUCT_MANAGER,
    }
)
