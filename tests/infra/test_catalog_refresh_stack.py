"""The daily refresh's AWS pieces as template.yaml declares them: the state machine's states in
order and what each calls, the schedule and its switch per stage, the freshness alarm and the
failed-run alarm, and least privilege for the fetch function, the state machine and the
schedule (the fetch function outside the VPC, with no database settings)."""

from __future__ import annotations

import tomllib
from typing import Any

import yaml

from functions.catalog_import import handler as import_handler
from functions.catalog_refresh import full_dump
from functions.catalog_refresh import handler as refresh_handler
from infra.catalog.aws_import import REFRESH_MACHINE_OUTPUT
from infra.local.database import REPO_ROOT
from infra.local.template import load_template
from shared.domain.catalog_deltas import STALE_AFTER
from shared.dump_import.delta_source import DeltaSourceError
from tests.infra.test_catalog_import_stack import as_list, successors

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
MACHINE = RESOURCES["CatalogRefreshStateMachine"]["Properties"]
STATES = MACHINE["Definition"]["States"]
APPLY = STATES["ApplyDeltas"]
EACH = APPLY["ItemProcessor"]["States"]


def reachable(states: dict[str, Any], start: str) -> list[str]:
    """The states from `start` on, through states with one successor each."""
    order, name = [], start
    while True:
        order.append(name)
        following = successors(states[name])
        if len(following) != 1:
            return order
        [name] = following


def payload_step(state: dict[str, Any]) -> tuple[str, str]:
    return state["Parameters"]["FunctionName"], state["Parameters"]["Payload"]["step"]


def test_the_run_lists_leaves_out_the_applied_applies_each_in_order_then_publishes() -> None:
    start = STATES[MACHINE["Definition"]["StartAt"]]
    assert start["Type"] == "Choice" and start["Default"] == "ListDeltas"
    assert reachable(STATES, "ListDeltas") == [
        "ListDeltas", "PendingDeltas", "ApplyDeltas", "PublishFreshness",
    ]  # fmt: skip
    assert APPLY["ItemsPath"] == "$.pending.files"
    assert APPLY["MaxConcurrency"] == 1  # oldest first, one at a time
    assert reachable(EACH, APPLY["ItemProcessor"]["StartAt"]) == [
        "FetchDelta", "ImportDelta", "RecordDelta",
    ]  # fmt: skip
    assert set(EACH) == {"FetchDelta", "ImportDelta", "RecordDelta"}


def test_full_true_fetches_the_whole_dump_until_done_then_imports_it_full() -> None:
    [rule] = STATES["DeltasOrFullDump"]["Choices"]
    assert rule == {
        "And": [
            {"Variable": "$.full", "IsPresent": True},
            {"Variable": "$.full", "BooleanEquals": True},
        ],
        "Next": "BeginFullDump",
    }
    assert STATES["BeginFullDump"]["Result"]["state"] == {"phase": "start"}
    assert successors(STATES["BeginFullDump"]) == {"FetchFullDump"}
    fetch = STATES["FetchFullDump"]
    assert payload_step(fetch) == ("${FetchFunctionArn}", "fetch_full")
    assert fetch["Parameters"]["Payload"]["state.$"] == "$.dump.state"  # its own last answer
    assert fetch["ResultSelector"] == {"phase.$": "$.Payload.phase", "state.$": "$.Payload"}
    loop = STATES["FullDumpFetched"]
    assert loop["Default"] == "FetchFullDump"  # called again until done
    assert loop["Choices"] == [
        {"Variable": "$.dump.phase", "StringEquals": "done", "Next": "ImportFullDump"}
    ]
    task = STATES["ImportFullDump"]
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    child = task["Parameters"]["Input"]
    assert (child["key.$"], child["full"]) == ("$.dump.state.key", True)
    assert successors(task) == {"PublishFreshness"}
    every = set(reachable(STATES, "BeginFullDump")) | set(reachable(STATES, "ListDeltas"))
    assert every | {"DeltasOrFullDump", "ImportFullDump"} == set(STATES)


def test_the_monthly_schedule_asks_for_the_full_import_and_is_off_by_default() -> None:
    schedule = RESOURCES["CatalogFullImportScheduled"]["Properties"]
    assert schedule["Target"]["Input"] == '{"full": true}'
    assert schedule["Target"]["Arn"] == {"Ref": "CatalogRefreshStateMachine"}
    assert schedule["State"] == {"Fn::If": ["FullImportEnabled", "ENABLED", "DISABLED"]}
    assert TEMPLATE["Parameters"]["CatalogFullImportEnabled"]["Default"] == "false"
    assert TEMPLATE["Parameters"]["CatalogFullImportSchedule"]["Default"] == "cron(0 3 1 * ? *)"
    daily = RESOURCES["CatalogRefreshScheduled"]["Properties"]["Target"]["Input"]
    assert daily == "{}"


def test_each_step_goes_to_the_function_that_has_it() -> None:
    fetch, imports = "${FetchFunctionArn}", "${ImportFunctionArn}"
    calls = {
        "FetchFullDump": payload_step(STATES["FetchFullDump"]),
        "ListDeltas": payload_step(STATES["ListDeltas"]),
        "PendingDeltas": payload_step(STATES["PendingDeltas"]),
        "FetchDelta": payload_step(EACH["FetchDelta"]),
        "RecordDelta": payload_step(EACH["RecordDelta"]),
        "PublishFreshness": payload_step(STATES["PublishFreshness"]),
    }
    assert calls == {
        "FetchFullDump": (fetch, "fetch_full"),
        "ListDeltas": (fetch, "list"),
        "PendingDeltas": (imports, "pending_deltas"),
        "FetchDelta": (fetch, "fetch"),
        "RecordDelta": (imports, "record_delta"),
        "PublishFreshness": (imports, "freshness"),
    }
    assert {step for function, step in calls.values() if function == imports} <= set(
        import_handler.STEPS
    )
    substitutions = MACHINE["DefinitionSubstitutions"]
    assert substitutions["FetchFunctionArn"] == {"Fn::GetAtt": ["CatalogRefreshFunction", "Arn"]}
    assert substitutions["ImportFunctionArn"] == {"Fn::GetAtt": ["CatalogImportFunction", "Arn"]}


def test_each_delta_is_imported_by_the_import_state_machine_not_full() -> None:
    task = EACH["ImportDelta"]
    assert task["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert task["Parameters"]["StateMachineArn"] == "${ImportStateMachineArn}"
    assert MACHINE["DefinitionSubstitutions"]["ImportStateMachineArn"] == {
        "Ref": "CatalogImportStateMachine"
    }
    child = task["Parameters"]["Input"]
    assert (child["source"], child["full"], child["key.$"]) == ("off", False, "$.fetched.key")
    # The import's output is its states' data: the report is where its Finish put it.
    import_states = RESOURCES["CatalogImportStateMachine"]["Properties"]["Definition"]["States"]
    assert import_states["Finish"]["ResultPath"] == "$.finish"
    assert task["ResultSelector"] == {"report.$": "$.Output.finish.report"}


def test_slow_failures_are_retried_by_the_names_the_functions_raise() -> None:
    names = {
        error
        for state in (*STATES.values(), *EACH.values())
        for retry in state.get("Retry", [])
        for error in retry["ErrorEquals"]
    }
    assert {DeltaSourceError.__name__, import_handler.DatabaseUnavailable.__name__} <= names


def test_the_schedule_starts_the_refresh_daily_and_is_off_for_dev() -> None:
    schedule = RESOURCES["CatalogRefreshScheduled"]["Properties"]
    assert schedule["ScheduleExpression"] == {"Ref": "CatalogRefreshSchedule"}
    assert TEMPLATE["Parameters"]["CatalogRefreshSchedule"]["Default"].startswith("cron(")
    assert schedule["State"] == {"Fn::If": ["RefreshEnabled", "ENABLED", "DISABLED"]}
    assert TEMPLATE["Conditions"]["RefreshEnabled"] == {
        "Fn::Equals": [{"Ref": "CatalogRefreshEnabled"}, "true"]
    }
    assert schedule["Target"]["Arn"] == {"Ref": "CatalogRefreshStateMachine"}
    assert schedule["Target"]["RoleArn"] == {"Fn::GetAtt": ["CatalogRefreshScheduleRole", "Arn"]}
    stages = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())
    switches = {
        stage: [p for p in stages[stage]["deploy"]["parameters"]["parameter_overrides"]
                if p.startswith("CatalogRefreshEnabled=")]
        for stage in ("dev", "staging", "prod")
    }  # fmt: skip
    assert switches == {"dev": ["CatalogRefreshEnabled=false"], "staging": [], "prod": []}
    assert TEMPLATE["Parameters"]["CatalogRefreshEnabled"]["Default"] == "true"


def test_the_stale_alarm_watches_the_age_the_freshness_step_publishes() -> None:
    alarm = RESOURCES["CatalogStaleAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("CountOnMe", "CatalogAgeHours")
    assert alarm["Threshold"] == STALE_AFTER.total_seconds() / 3600
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    source = (REPO_ROOT / "functions" / "catalog_import" / "handler.py").read_text()
    assert 'name="CatalogAgeHours"' in source


def test_a_failed_refresh_raises_the_import_failure_alarm() -> None:
    alarm = RESOURCES["CatalogImportFailedAlarm"]["Properties"]
    watched = {
        query["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
        for query in alarm["Metrics"]
        if "MetricStat" in query
    }
    assert watched == {"CatalogImportStateMachine", "CatalogRefreshStateMachine"}
    [expression] = [q for q in alarm["Metrics"] if q.get("ReturnData", True)]
    assert expression["Expression"] == "FILL(imports, 0) + FILL(refreshes, 0)"


def role_statements(role: str) -> list[dict[str, Any]]:
    policies = RESOURCES[role]["Properties"]["Policies"]
    return [s for policy in policies for s in policy["PolicyDocument"]["Statement"]]


def granted(statements: list[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for statement in statements:
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            found.setdefault(action, []).extend(
                yaml.dump(r) for r in as_list(statement["Resource"])
            )
    return found


def test_the_fetch_function_writes_delta_items_and_nothing_else() -> None:
    function = RESOURCES["CatalogRefreshFunction"]
    assert function["Type"] == "AWS::Lambda::Function"  # outside the Globals: no VPC, no DB
    assert "VpcConfig" not in function["Properties"]
    role = RESOURCES["CatalogRefreshFunctionRole"]["Properties"]
    assert role["PermissionsBoundary"] == {"Ref": "FunctionPermissionsBoundary"}
    actions = granted(role_statements("CatalogRefreshFunctionRole"))
    assert set(actions) == {
        "logs:CreateLogStream", "logs:PutLogEvents",
        "s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload",
    }  # fmt: skip
    prefixes = (refresh_handler.DELTAS_PREFIX, full_dump.FULL_PREFIX)
    for action in ("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"):
        assert actions[action] == [f"Fn::Sub: ${{CatalogDumpBucket.Arn}}/{p}*\n" for p in prefixes]
    assert all(p.startswith("dumps/") for p in prefixes)  # the bucket's lifecycle expires dumps/
    env = function["Properties"]["Environment"]["Variables"]
    assert env["DUMP_BUCKET"] == {"Ref": "CatalogDumpBucket"}
    assert env["DELTA_SOURCE_URL"] == {"Ref": "CatalogDeltaSourceUrl"}
    assert env["FULL_DUMP_URL"] == {"Ref": "CatalogFullDumpUrl"}


def test_the_refresh_machine_calls_its_functions_and_starts_imports_only() -> None:
    statements = MACHINE["Policies"][0]["Statement"]
    actions = granted(statements)
    assert sorted(actions["lambda:InvokeFunction"]) == sorted(
        yaml.dump({"Fn::GetAtt": [name, "Arn"]})
        for name in ("CatalogRefreshFunction", "CatalogImportFunction")
    )
    assert actions["states:StartExecution"] == [yaml.dump({"Ref": "CatalogImportStateMachine"})]
    for action in ("states:DescribeExecution", "states:StopExecution"):
        [resource] = actions[action]
        assert "execution:countonme-${Stage}-catalog-import:*" in resource
    for action in ("events:PutTargets", "events:PutRule", "events:DescribeRule"):
        [resource] = actions[action]
        assert resource.rstrip().endswith(
            "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
        )
    assert not any(a.startswith(("s3:", "rds")) for a in actions)


def test_the_schedule_may_start_the_refresh_and_nothing_else() -> None:
    trust = RESOURCES["CatalogRefreshScheduleRole"]["Properties"]["AssumeRolePolicyDocument"]
    [assume] = trust["Statement"]
    assert assume["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert assume["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert granted(role_statements("CatalogRefreshScheduleRole")) == {
        "states:StartExecution": [yaml.dump({"Ref": "CatalogRefreshStateMachine"})]
    }


def test_the_output_names_what_make_catalog_refresh_aws_starts() -> None:
    assert TEMPLATE["Outputs"][REFRESH_MACHINE_OUTPUT]["Value"] == {
        "Ref": "CatalogRefreshStateMachine"
    }
