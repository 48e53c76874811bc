"""`make catalog-upload` and `make catalog-import-aws` against moto: the upload writes the dump's
projected items with the metadata the start checks; the start refuses what it cannot import and
starts the stage's state machine with the object's key and source."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import orjson
import pytest
from moto import mock_aws

from infra.catalog import aws_import
from shared.dump_import import items as catalog_items
from tests.support.catalog_data import FDC_FOUNDATION, OFF_JSONL

REGION = "eu-central-1"
BUCKET = "countonme-dev-catalogdumpbucket-1a2b3c"


@pytest.fixture
def session(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """The dev stage's bucket and state machine in moto, and its stack's outputs naming them
    (moto's CloudFormation would need every service's extras to create a stack)."""
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        session.client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        machine = session.client("stepfunctions").create_state_machine(
            name="countonme-dev-catalog-import",
            definition=json.dumps({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/machine",
        )["stateMachineArn"]
        refresh = session.client("stepfunctions").create_state_machine(
            name="countonme-dev-catalog-refresh",
            definition=json.dumps({"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/machine",
        )["stateMachineArn"]
        outputs = {
            aws_import.BUCKET_OUTPUT: BUCKET,
            aws_import.STATE_MACHINE_OUTPUT: machine,
            aws_import.REFRESH_MACHINE_OUTPUT: refresh,
        }

        def stack_outputs(stage: str, _session: boto3.Session) -> dict[str, str]:
            assert stage == "dev"
            return outputs

        monkeypatch.setattr(aws_import, "stack_outputs", stack_outputs)
        yield session


def bucket(session: boto3.Session) -> str:
    return aws_import.stack_outputs("dev", session)[aws_import.BUCKET_OUTPUT]


def object_lines(session: boto3.Session, uri: str) -> tuple[list[dict], dict[str, str]]:
    bucket_name, key = uri[5:].split("/", 1)
    got = session.client("s3").get_object(Bucket=bucket_name, Key=key)
    return [orjson.loads(line) for line in got["Body"].read().splitlines()], got["Metadata"]


def test_upload_writes_projected_items_with_their_source(session: boto3.Session) -> None:
    uri = aws_import.upload("dev", OFF_JSONL, None, session)
    assert uri.startswith(f"s3://{bucket(session)}/dumps/off/")
    items, metadata = object_lines(session, uri)
    assert metadata == {
        "items": catalog_items.ITEMS_FORMAT,
        "source": "off",
        "records": "1000",
        "dump": OFF_JSONL.name,
    }
    assert [item["record"] for item in items] == list(range(1, 1001))
    with gzip.open(OFF_JSONL) as dump:
        first = orjson.loads(dump.readline())
    assert items[0]["document"]["code"] == first["code"]
    assert "images" in first and "images" not in items[0]["document"]
    assert max(len(orjson.dumps(item)) for item in items) < catalog_items.MAX_ITEM_BYTES


def test_upload_of_fdc_json_makes_one_item_per_food(session: boto3.Session) -> None:
    items, metadata = object_lines(session, aws_import.upload("dev", FDC_FOUNDATION, None, session))
    assert metadata["source"] == "usda"
    assert len(items) == 9 and all(isinstance(i["document"]["fdcId"], int) for i in items)


def test_a_record_too_large_for_a_batch_goes_as_a_malformed_one(
    session: boto3.Session, tmp_path: Path
) -> None:
    dump = tmp_path / "products.jsonl"
    huge = {"code": "1", "product_name": "x" * (catalog_items.MAX_ITEM_BYTES + 1)}
    dump.write_text(json.dumps(huge) + "\n" + json.dumps({"code": "2"}) + "\n")
    items, _ = object_lines(session, aws_import.upload("dev", dump, "off", session))
    assert items == [{"record": 1, "document": None}, {"record": 2, "document": {"code": "2"}}]


def test_start_runs_the_stages_machine_on_the_uploaded_object(session: boto3.Session) -> None:
    uri = aws_import.upload("dev", OFF_JSONL, "off", session)
    run = aws_import.start("dev", uri, True, session)
    client = session.client("stepfunctions")
    execution = client.describe_execution(executionArn=run["execution"])
    assert json.loads(execution["input"]) == {
        "key": uri.split("/", 3)[3],
        "source": "off",
        "full": True,
    }
    assert run["console"].startswith(f"https://{REGION}.console.aws.amazon.com/states/")
    assert run["execution"] in run["console"]
    assert run["records"] == "1000"


def test_refresh_starts_the_stages_refresh_machine(session: boto3.Session) -> None:
    run = aws_import.refresh("dev", session)
    assert ":stateMachine:" not in run["execution"]
    assert ":execution:countonme-dev-catalog-refresh:refresh-" in run["execution"]
    client = session.client("stepfunctions")
    assert json.loads(client.describe_execution(executionArn=run["execution"])["input"]) == {}
    assert run["execution"] in run["console"]


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("s3://elsewhere/dumps/off/x.jsonl", "reads only its bucket"),
        ("s3://{bucket}/dumps/off/missing.jsonl", "does not exist"),
        ("s3://{bucket}/dumps/off/raw.jsonl", "not written by make catalog-upload"),
        ("https://example.com/x", "not an s3://"),
    ],
)
def test_start_refuses_what_it_cannot_import(session: boto3.Session, uri: str, reason: str) -> None:
    name = bucket(session)
    session.client("s3").put_object(Bucket=name, Key="dumps/off/raw.jsonl", Body=b"{}\n")
    with pytest.raises(aws_import.Refused, match=reason):
        aws_import.start("dev", uri.format(bucket=name), False, session)
    assert (
        session.client("stepfunctions").list_executions(
            stateMachineArn=aws_import.stack_outputs("dev", session)[
                aws_import.STATE_MACHINE_OUTPUT
            ]
        )["executions"]
        == []
    )


def test_a_refusal_is_one_line_and_exit_status_2(
    session: boto3.Session,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(aws_import.boto3, "Session", lambda: session)
    missing = tmp_path / "missing.jsonl"
    assert aws_import.main(["upload", "--stage", "dev", "--file", str(missing)]) == 2
    assert aws_import.main(["start", "--stage", "dev", "--uri", f"s3://{BUCKET}/dumps/x"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and "does not exist" in errors[1]
