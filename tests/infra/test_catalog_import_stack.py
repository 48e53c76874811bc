"""The catalog import's AWS pieces as template.yaml and the infra stacks declare them: the state
machine's states, transitions, concurrency, retries and error paths; the bucket; the function;
the network path; and least-privilege IAM for every piece."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import yaml

from functions.catalog_import import handler
from infra.catalog.aws_import import BUCKET_OUTPUT, STATE_MACHINE_OUTPUT
from infra.local.database import REPO_ROOT
from infra.local.template import load_template
from tests.support.cloudformation import TEMPLATE_PATH, transformed

TEMPLATE = load_template()
RESOURCES = TEMPLATE["Resources"]
MACHINE = RESOURCES["CatalogImportStateMachine"]["Properties"]
DEFINITION = MACHINE["Definition"]
STATES = DEFINITION["States"]
MAP = STATES["StageBatches"]
FUNCTION = RESOURCES["CatalogImportFunction"]["Properties"]
LAMBDA_TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
# Actions without resource-level permissions: "*" is what the service requires.
RESOURCE_LESS_ACTIONS = {
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}


def tasks(states: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {name: s for name, s in states.items() if s["Type"] == "Task"}
    for state in states.values():
        if state["Type"] == "Map":
            found |= tasks(state["ItemProcessor"]["States"])
    return found


def successors(state: dict[str, Any]) -> set[str]:
    following = {state["Next"]} if "Next" in state else set()
    following |= {choice["Next"] for choice in state.get("Choices", [])}
    following |= {state["Default"]} if "Default" in state else set()
    return following | {c["Next"] for c in state.get("Catch", [])}


def test_the_run_goes_prepare_stage_merge_until_done_finish_report() -> None:
    assert DEFINITION["StartAt"] == "Prepare"
    assert successors(STATES["Prepare"]) == {"StageBatches"}
    assert successors(STATES["StageBatches"]) == {"Merge"}
    assert successors(STATES["Merge"]) == {"MergedEverything"}
    choice = STATES["MergedEverything"]
    assert choice["Choices"] == [
        {"Variable": "$.merge.done", "BooleanEquals": True, "Next": "Finish"}
    ]
    assert choice["Default"] == "Merge"  # not done: merge again from the run's mark
    assert STATES["Merge"]["ResultSelector"] == {"done.$": "$.Payload.done"}
    assert successors(STATES["Finish"]) == {"WriteReport"}
    assert STATES["WriteReport"]["End"] is True
    reachable, frontier = set(), ["Prepare"]
    while frontier:
        name = frontier.pop()
        reachable.add(name)
        frontier += [n for n in successors(STATES[name]) if n not in reachable]
    assert reachable == set(STATES)


def test_every_step_the_machine_calls_is_one_the_function_takes() -> None:
    calls = [t["Parameters"] for t in tasks(STATES).values() if "Payload" in t["Parameters"]]
    steps = {call["Payload"]["step"] for call in calls}
    assert steps == {"prepare", "batch", "merge", "finish"}
    assert {call["FunctionName"] for call in calls} == {"${ImportFunctionArn}"}
    assert MACHINE["DefinitionSubstitutions"]["ImportFunctionArn"] == {
        "Fn::GetAtt": ["CatalogImportFunction", "Arn"]
    }
    assert FUNCTION["Handler"] == "functions.catalog_import.handler.lambda_handler"


def test_the_map_is_distributed_over_the_uploaded_jsonl_in_bounded_batches() -> None:
    assert MAP["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    reader = MAP["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:getObject"
    assert reader["ReaderConfig"] == {"InputType": "JSONL"}
    assert reader["Parameters"] == {"Bucket": "${DumpBucket}", "Key.$": "$.key"}
    batcher = MAP["ItemBatcher"]
    assert batcher["MaxInputBytesPerBatch"] > 0
    assert batcher["BatchInput"] == {"run_id.$": "$.run.run_id", "source.$": "$.run.source"}
    # Child outputs go to S3: an inline array of thousands of results would pass 256 KiB.
    assert MAP["ResultWriter"]["Parameters"]["Prefix"] == "map-results"
    assert MAP["ToleratedFailurePercentage"] == 0


# Step Functions' limit on a task's input (and a child execution's), in bytes.
PAYLOAD_LIMIT = 256 * 1024
# The longest Lambda ARN the stack can make: an unnamed function's name is at most 64 characters.
LONGEST_FUNCTION_ARN = "arn:aws-us-gov:lambda:ap-southeast-5:123456789012:function:" + "f" * 64


def largest_batch_task_input(map_state: dict[str, Any]) -> bytes:
    """The StageBatch task's input for the largest batch the batcher may build: items filling
    `MaxInputBytesPerBatch`, the longest BatchInput and function ARN, as the task sends them."""
    batcher = map_state["ItemBatcher"]
    longest_source = max(handler.SOURCES, key=len)
    batch_input = {"run_id": str(uuid.UUID(int=2**128 - 1)), "source": longest_source}
    assert set(batch_input) == {key.removesuffix(".$") for key in batcher["BatchInput"]}
    item = b'{"record":1,"document":{"code":"' + b"7" * 200 + b'"}}'
    count = batcher["MaxInputBytesPerBatch"] // (len(item) + 1) + 1  # one more than fits
    items = [orjson.loads(item)] * count
    [task] = map_state["ItemProcessor"]["States"].values()
    parameters = task["Parameters"]
    payload = {
        key.removesuffix(".$"): {"$.BatchInput": batch_input, "$.Items": items}.get(value, value)
        for key, value in parameters["Payload"].items()
    }
    return orjson.dumps({**parameters, "FunctionName": LONGEST_FUNCTION_ARN, "Payload": payload})


def test_the_largest_batch_as_the_task_sends_it_stays_under_the_payload_limit() -> None:
    """A batch over the limit fails States.DataLimitExceeded, which no retry or redrive mends."""
    assert len(largest_batch_task_input(MAP)) < PAYLOAD_LIMIT


def test_a_batcher_at_the_payload_limit_fails_the_check() -> None:
    at_the_limit = {**MAP, "ItemBatcher": {**MAP["ItemBatcher"], "MaxInputBytesPerBatch": 262144}}
    assert len(largest_batch_task_input(at_the_limit)) > PAYLOAD_LIMIT


def test_concurrency_is_the_stack_parameter_handed_over_by_prepare() -> None:
    assert MAP["MaxConcurrencyPath"] == "$.run.max_concurrency"
    assert STATES["Prepare"]["ResultPath"] == "$.run"
    assert STATES["Prepare"]["ResultSelector"]["max_concurrency.$"] == "$.Payload.max_concurrency"
    env = FUNCTION["Environment"]["Variables"]
    assert env["IMPORT_MAX_CONCURRENCY"] == {"Ref": "ImportMaxConcurrency"}
    parameter = TEMPLATE["Parameters"]["ImportMaxConcurrency"]
    assert parameter["Type"] == "Number" and 1 <= parameter["Default"] <= parameter["MaxValue"]


def test_every_task_retries_transient_errors_and_nothing_catches_them() -> None:
    for name, task in tasks(STATES).items():
        retried = {error for rule in task["Retry"] for error in rule["ErrorEquals"]}
        if task["Resource"] == "arn:aws:states:::lambda:invoke":
            assert LAMBDA_TRANSIENT | {handler.DatabaseUnavailable.__name__} <= retried, name
            assert handler.InvalidImportEvent.__name__ not in retried
        for rule in task["Retry"]:
            assert rule["MaxAttempts"] <= 6 and rule["BackoffRate"] >= 1
    # No Catch anywhere: a failure stops the execution at the failed state, which is where a
    # redrive starts again (only the failed batches of the map).
    everything = yaml.dump(DEFINITION)
    assert "Catch" not in everything


def test_the_report_is_written_to_the_bucket_by_the_machine() -> None:
    write = STATES["WriteReport"]
    assert write["Resource"] == "arn:aws:states:::aws-sdk:s3:putObject"
    assert write["Parameters"]["Key.$"].startswith("States.Format('reports/{}.json'")
    assert write["Parameters"]["Body.$"] == "States.JsonToString($.finish.report)"


def test_the_dump_bucket_is_private_encrypted_tls_only_and_expires_uploads() -> None:
    bucket = RESOURCES["CatalogDumpBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["ExpireOldDumps"]["Prefix"] == "dumps/"
    assert rules["ExpireOldDumps"]["ExpirationInDays"] == {"Ref": "DumpRetentionDays"}
    assert rules["AbortUnfinishedUploads"]["AbortIncompleteMultipartUpload"]
    [deny] = RESOURCES["CatalogDumpBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_function_is_no_api_function() -> None:
    assert FUNCTION["Timeout"] == 900
    assert FUNCTION["SnapStart"] == {"ApplyOn": "None"}
    # No alias, so no published version: Step Functions invokes it unqualified.
    assert "AutoPublishAlias" not in FUNCTION
    assert "AutoPublishAlias" not in TEMPLATE["Globals"]["Function"]
    assert "Events" not in FUNCTION
    env = FUNCTION["Environment"]["Variables"]
    assert env["DB_HOST"] == {
        "Fn::ImportValue": {"Fn::Sub": "${DatabaseStackName}-ClusterEndpoint"}
    }
    assert env["DB_USER"] == {"Ref": "DbImportUser"}
    [security_group] = FUNCTION["VpcConfig"]["SecurityGroupIds"]
    assert security_group == {
        "Fn::ImportValue": {"Fn::Sub": "${NetworkStackName}-ImportSecurityGroup"}
    }
    migrate = RESOURCES["MigrateFunction"]["Properties"]["Environment"]["Variables"]
    assert migrate["IMPORT_DB_USER"] == {"Ref": "DbImportUser"}


def test_the_import_reaches_only_the_database_and_the_database_lets_it() -> None:
    network = load_template(REPO_ROOT / "infra" / "stacks" / "network.yaml")["Resources"]
    group = network["ImportSecurityGroup"]["Properties"]
    assert group["SecurityGroupEgress"] == [
        {
            "IpProtocol": "tcp",
            "FromPort": 5432,
            "ToPort": 5432,
            "DestinationSecurityGroupId": {"Ref": "DatabaseSecurityGroup"},
        }
    ]
    ingress = network["DatabaseFromImportIngress"]["Properties"]
    assert ingress["GroupId"] == {"Ref": "DatabaseSecurityGroup"}
    assert ingress["SourceSecurityGroupId"] == {"Ref": "ImportSecurityGroup"}
    assert (ingress["FromPort"], ingress["ToPort"]) == (5432, 5432)


def statements() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, resource in RESOURCES.items():
        for policy in resource.get("Properties", {}).get("Policies", []) or []:
            if isinstance(policy, dict) and "Statement" in policy:
                found += [(name, statement) for statement in policy["Statement"]]
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_no_policy_grants_wildcard_actions_or_resources_beyond_what_services_require() -> None:
    checked = statements()
    assert {name for name, _ in checked} >= {"CatalogImportFunction", "CatalogImportStateMachine"}
    for name, statement in checked:
        actions = as_list(statement["Action"])
        assert all("*" not in action for action in actions), (name, actions)
        for resource in as_list(statement["Resource"]):
            text = yaml.dump(resource)
            if resource == "*":
                assert set(actions) <= RESOURCE_LESS_ACTIONS, (name, actions)
            elif "*" in text:
                # Only object keys under a prefix, and execution names the engine picks.
                assert any(
                    p in text
                    for p in (
                        "/dumps/*",
                        "/map-results/*",
                        "/reports/*",
                        "catalog-import:*",
                        "catalog-import/*",
                    )
                ), text


def test_the_state_machine_may_read_uploads_and_write_results_only() -> None:
    granted: dict[str, list[Any]] = {}
    for name, statement in statements():
        for action in as_list(statement["Action"]):
            if name == "CatalogImportStateMachine":
                granted.setdefault(action, []).extend(as_list(statement["Resource"]))
    assert yaml.dump(granted["s3:GetObject"]).count("/dumps/*") == 1
    assert "/dumps/" not in yaml.dump(granted["s3:PutObject"])
    assert granted["lambda:InvokeFunction"] == [{"Fn::GetAtt": ["CatalogImportFunction", "Arn"]}]
    assert "stateMachine:countonme-${Stage}-catalog-import" in yaml.dump(
        granted["states:StartExecution"]
    )
    function_actions = {
        action
        for name, statement in statements()
        if name == "CatalogImportFunction"
        for action in as_list(statement["Action"])
    }
    assert function_actions == {"rds-db:connect"}  # no S3: the machine reads and writes it


def test_outputs_name_what_the_make_targets_look_up() -> None:
    assert TEMPLATE["Outputs"][BUCKET_OUTPUT]["Value"] == {"Ref": "CatalogDumpBucket"}
    assert TEMPLATE["Outputs"][STATE_MACHINE_OUTPUT]["Value"] == {
        "Ref": "CatalogImportStateMachine"
    }


def test_after_the_sam_transform_each_function_has_one_group_and_both_subnets() -> None:
    """SAM appends a function's lists to the Globals' lists, so a security group in Globals would
    also be the import function's: checked on the template as CloudFormation receives it."""
    resources = transformed(TEMPLATE_PATH)["Resources"]
    functions = {
        name: resource["Properties"].get("VpcConfig")
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    # The refresh's fetch function reads the internet and no database: outside the VPC.
    assert functions.pop("CatalogRefreshFunction") is None
    assert len(functions) == 9
    for name, network in functions.items():
        subnets = [yaml.dump(subnet) for subnet in network["SubnetIds"]]
        assert len(subnets) == len(set(subnets)) == 2, name
        [group] = network["SecurityGroupIds"]
        own = {
            "CatalogImportFunction": "ImportSecurityGroup",
            "MigrateFunction": "MigrateSecurityGroup",
        }
        expected = own.get(name, "LambdaSecurityGroup")
        assert group == {"Fn::ImportValue": {"Fn::Sub": f"${{NetworkStackName}}-{expected}"}}, name
