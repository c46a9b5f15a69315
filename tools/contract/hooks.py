"""Schemathesis hooks for PSO's contract run (loaded through SCHEMATHESIS_HOOKS by run.sh).

One check is tuned, and only this way: `positive_data_acceptance` (a request that the document
allows must be accepted) is replaced by `positive_data_acceptance_beyond_schema`, which runs the
built-in check and forgives exactly two answers that no JSON Schema can prevent:

- 422 whose every field error is one of RULES_BEYOND_SCHEMA: rules about other data (a
  reference to an object that must exist, a cycle in the plan, a project that must be scheduled
  first, an MS Project file that must be one) or between fields (duration or effort, periods in
  order). A 422 for anything a schema can say (a pattern, a range, a type, an unknown field) is
  still a failure: it means the document lies.
- 412 for a well-formed `If-Match` that names another version than the current one (the
  document cannot know the version; a missing `If-Match` is 428 and stays a failure).
"""

import schemathesis

# Imported here, at the top of the stack: imported lazily from deep inside test generation on a
# worker thread, Python 3.11 can fail to compile anyio's lazy importer ("AST constructor
# recursion depth mismatch").
import schemathesis.transport.asgi  # noqa: F401
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

# Field-error codes of rules that depend on stored data or on several fields at once.
RULES_BEYOND_SCHEMA = frozenset(
    {
        "unknown_reference",  # the id names no object (or one outside the project)
        "out_of_scope",  # the site or unit is outside the caller's scopes
        "hierarchy_cycle",  # a business unit under itself
        "wbs_cycle",  # a task under itself or its subtasks
        "at_the_edge",  # up/down/outdent past the edge of a WBS level
        "no_previous_sibling",  # indent of the first task of a level
        "self_dependency",  # predecessor == successor
        "cycle",  # the dependency closes a loop (field `cycle`)
        "cycle_task",
        "exclusive",  # duration_days and effort_hours together
        "milestone_has_length",  # a milestone with a duration or effort
        "invalid_period",  # working hours out of order or overlapping
        "not_scheduled",  # a baseline of a project never scheduled
        "cannot_schedule",  # the engine refuses the plan
        "too_many_tasks",  # the per-project limit
        "not_mspdi",  # the uploaded XML is not an MS Project document
        "malformed_file",
        "refused_file",
        "invalid_reference",  # a person as their own manager
        "not_waiting",  # a timesheet line named for approval that does not wait for it
        "site_or_project",  # an export names a site, a project or both
        "duplicate",  # a task's progress reported twice on one sheet
    }
)


def _beyond_schema(response) -> bool:
    if response.status_code == 412:
        return True
    if response.status_code != 422:
        return False
    try:
        body = response.json()
    except Exception:
        return False
    # A timesheet's broken time rules depend on the site's rules, calendar and tasks.
    if body.get("code") == "rule_violation":
        return True
    errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
    # A CSV import's refusals name the file or its lines: their content is no schema's.
    if errors and all(
        str(e.get("field", "")) == "file" or str(e.get("field", "")).startswith("line ")
        for e in errors
    ):
        return True
    codes = {e.get("code") for e in errors}
    return bool(codes) and codes <= RULES_BEYOND_SCHEMA


@schemathesis.check
def positive_data_acceptance_beyond_schema(ctx, response, case):
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _beyond_schema(response):
            return None
        raise
