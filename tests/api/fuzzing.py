"""Schemathesis rounds shared by the fuzz tests of every API area: the schema, the checks, one operation fuzzed."""

from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)


def generated_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


FUZZ_METHODS = {"GET", "POST", "PATCH", "PUT"}


# (generation mode, examples per operation, checks): valid inputs must give documented answers
# that match the schema; invalid inputs (wrong types, missing fields, out-of-range values) a
# documented 4xx, never a 5xx.
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance]


ROUNDS = [(GenerationMode.POSITIVE, 6, POSITIVE_CHECKS), (GenerationMode.NEGATIVE, 3, NEGATIVE_CHECKS)]


def path_parameters(path: str, ids: dict[str, int]) -> dict[str, int]:
    segments = path.strip("/").split("/")
    values = {}
    for index, segment in enumerate(segments):
        if segment.startswith("{"):
            name = segment[1:-1]
            values[name] = 1 if name == "number" else ids[segments[index - 1]]
    return values


def fuzz_operation(operation, mode, examples, checks, path_values, headers, seen: set[int]) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_values)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,  # the same cases on every run: a failure here is reproducible
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case):
        response = case.call(headers=headers)
        seen.add(response.status_code)
        case.validate_response(response, checks=checks, headers=headers)

    exercise()
