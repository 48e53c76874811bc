"""The operator's side of the catalog import in AWS (docs/operations.md, "Catalog import in AWS").

    make catalog-upload STAGE=dev FILE=openfoodfacts-products.jsonl.gz [SOURCE=off|usda]
    make catalog-import-aws STAGE=dev S3_URI=s3://<bucket>/dumps/off/<key>.jsonl [FULL=1]

`upload` reads a dump in any format `make catalog-import` reads (JSONL, CSV or Parquet, gzipped
or not, FDC JSON or CSV) and writes it to the stage's dump bucket as the import's items
(`shared.dump_import.items`), which the state machine's Distributed Map batches into payloads of
at most 256 KiB. The object's metadata says it holds such items and of which source.

`start` checks that the object exists in the stage's bucket and holds items, starts an execution
and prints its console link and how to follow, and redrive, it.

    make catalog-refresh-aws STAGE=dev

`refresh` starts the stage's daily refresh now (what its schedule starts; docs/operations.md,
"Daily catalog refresh"), with the same links.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from shared.dump_import.items import ITEMS_FORMAT, item_lines
from shared.dump_import.readers import CatalogFileError, open_records

BUCKET_OUTPUT = "CatalogDumpBucket"
STATE_MACHINE_OUTPUT = "CatalogImportStateMachineArn"
REFRESH_MACHINE_OUTPUT = "CatalogRefreshStateMachineArn"


class Refused(Exception):
    """A reason to do nothing, said in one line."""


def stack_outputs(stage: str, session: boto3.Session) -> dict[str, str]:
    stack = f"countonme-{stage}"
    try:
        described = session.client("cloudformation").describe_stacks(StackName=stack)
    except ClientError as exc:
        raise Refused(f"stack {stack} not found: deploy the stage first (make deploy)") from exc
    outputs = described["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def upload(stage: str, path: Path, source: str | None, session: boto3.Session) -> str:
    """Write the dump's items to the stage's bucket; the object's s3:// URI."""
    try:
        stream = open_records(path)
    except CatalogFileError as exc:
        raise Refused(str(exc)) from exc
    if source is not None and stream.source != source:
        raise Refused(f"{path} is a {stream.format} file, not a {source} dump")
    bucket = stack_outputs(stage, session)[BUCKET_OUTPUT]
    stem = path.name.split(".")[0]
    key = f"dumps/{stream.source}/{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{stem}.jsonl"
    records = 0
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress, tempfile.NamedTemporaryFile(suffix=".jsonl") as items:
        reading = progress.add_task("reading", total=stream.total_bytes)
        for line in item_lines(stream, stream.source):
            items.write(line)
            records += 1
            if records % 10_000 == 0:
                progress.update(reading, completed=stream.bytes_read)
        items.flush()
        progress.update(reading, completed=stream.total_bytes)
        uploading = progress.add_task("uploading", total=items.tell())
        metadata = {
            "items": ITEMS_FORMAT,
            "source": stream.source,
            "records": str(records),
            "dump": path.name[:200],
        }
        session.client("s3").upload_file(
            items.name,
            bucket,
            key,
            ExtraArgs={"Metadata": metadata, "ContentType": "application/jsonl"},
            Callback=lambda sent: progress.advance(uploading, sent),
        )
    return f"s3://{bucket}/{key}"


def _split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise Refused(f"{uri!r} is not an s3://<bucket>/<key> URI")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def _started(session: boto3.Session, machine: str, name: str, run_input: dict[str, Any]) -> str:
    """Start an execution; its ARN."""
    execution = session.client("stepfunctions").start_execution(
        stateMachineArn=machine, name=name, input=json.dumps(run_input)
    )
    return str(execution["executionArn"])


def _console(arn: str) -> str:
    region = arn.split(":")[3]
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{arn}"
    )


def refresh(stage: str, session: boto3.Session) -> dict[str, Any]:
    """Start the stage's daily refresh now; the execution's ARN and console link."""
    machine = stack_outputs(stage, session)[REFRESH_MACHINE_OUTPUT]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    arn = _started(session, machine, f"refresh-{stamp}-{uuid.uuid4().hex[:8]}", {})
    return {"execution": arn, "console": _console(arn)}


def start(stage: str, uri: str, full: bool, session: boto3.Session) -> dict[str, Any]:
    """Start an import of the uploaded object; the execution's ARN and console link."""
    bucket, key = _split_uri(uri)
    outputs = stack_outputs(stage, session)
    if bucket != outputs[BUCKET_OUTPUT]:
        raise Refused(f"the {stage} import reads only its bucket {outputs[BUCKET_OUTPUT]}")
    try:
        head = session.client("s3").head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        raise Refused(f"{uri} does not exist (make catalog-upload writes it)") from exc
    metadata = head.get("Metadata", {})
    if metadata.get("items") != ITEMS_FORMAT:
        raise Refused(f"{uri} was not written by make catalog-upload (no item metadata)")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = f"import-{stamp}-{metadata['source']}-{uuid.uuid4().hex[:8]}"
    run_input = {"key": key, "source": metadata["source"], "full": full}
    arn = _started(session, outputs[STATE_MACHINE_OUTPUT], name, run_input)
    return {"execution": arn, "console": _console(arn), "records": metadata.get("records", "?")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.catalog.aws_import")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("upload", help="write a dump's items to the stage's bucket")
    up.add_argument("--stage", required=True)
    up.add_argument("--file", type=Path, required=True)
    up.add_argument("--source", choices=("off", "usda"))
    go = commands.add_parser("start", help="import an uploaded object into the stage's catalog")
    go.add_argument("--stage", required=True)
    go.add_argument("--uri", required=True)
    go.add_argument("--full", action="store_true", help="retire products the dump lacks")
    now = commands.add_parser("refresh", help="apply the new delta files now (as the schedule)")
    now.add_argument("--stage", required=True)
    args = parser.parse_args(argv)
    session = boto3.Session()
    try:
        if args.command == "upload":
            uri = upload(args.stage, args.file, args.source, session)
            print(f"uploaded {uri}\nnext: make catalog-import-aws STAGE={args.stage} S3_URI={uri}")
        else:
            if args.command == "refresh":
                run = refresh(args.stage, session)
                print(f"started {run['execution']} (the delta files not applied yet)")
            else:
                run = start(args.stage, args.uri, args.full, session)
                print(f"started {run['execution']} ({run['records']} records)")
            print(f"console: {run['console']}")
            print(
                f"follow:  aws stepfunctions describe-execution --execution-arn {run['execution']}"
            )
            print(
                f"redrive: aws stepfunctions redrive-execution --execution-arn {run['execution']}"
            )
            print("report:  s3://<bucket>/reports/<import execution name>.json for each import")
    except Refused as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
