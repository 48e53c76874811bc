"""The rehearsal deploy (`make rehearse`, `make rehearse-up`, `make rehearse-down`): the real
`template.yaml` deployed by the same `make deploy STAGE=dev` that CI runs, to MiniStack (a local
AWS emulator) on 127.0.0.1, then the app's requests and a catalog import through it.

Steps, each named when it fails (docs/operations.md, "Rehearsal"):

1. preflight: Python 3.13 for the functions, 127.0.0.1:5432 free, a free port for the emulator;
2. postgres: the rehearsal's PostgreSQL (TLS, a CA of its own) on 127.0.0.1:5432;
3. delta server: two Open Food Facts delta files of the sample, the second with a product of its
   own, on a local server (`infra.local.delta_server`, 127.0.0.1): the refresh's source;
4. emulator: MiniStack with the rehearsal's patches (`infra.rehearsal.ministack_server`);
5. network stack, database stack: the stand-ins in infra/rehearsal/ (same export names);
6. application stack: `make deploy STAGE=dev` with the functions built for this machine and the
   daily refresh switched on every minute from the delta server; the emulator's CloudFormation
   runs the SAM transform and the migration custom resource, which must answer SUCCESS and leave
   the schema at the newest revision; the API has one stage;
7. catalog upload, catalog import: `make catalog-upload` of the Open Food Facts sample and
   `make catalog-import-aws`; the execution must succeed and its report land in the bucket;
8. scheduled refresh: the stack's EventBridge Scheduler schedule starts the refresh state
   machine, which applies both delta files through the import state machine;
9. smoke: `python -m infra.smoke` through the stage URL, with the barcode only the second delta
   file brought.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.build.lambda_python import pyenv_version_with_lambda_python
from infra.local.database import REPO_ROOT
from infra.local.delta_server import DeltaServer, start
from infra.local.ports import free_port
from infra.rehearsal import postgres
from tests.support.catalog_data import OFF_JSONL, off_products  # the importer tests' sample
from tests.support.deltas import delta_name, write_delta

STAGE = "dev"
REGION = "eu-central-1"
WORK = REPO_ROOT / ".local" / "rehearsal"
STATE = WORK / "state.json"
LOGS = WORK / "logs"
MINISTACK_PYTHON = REPO_ROOT / ".venv-ministack" / "bin" / "python"
SAM = REPO_ROOT / ".venv-sam" / "bin" / "sam"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
# MiniStack's fixed credentials: the emulator accepts any; nothing here is a secret.
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
IMPORT_TIMEOUT_S = 300
REFRESH_TIMEOUT_S = 300
# The refresh is deployed to run every minute (the stage's own schedule is daily).
REFRESH_PARAMETERS = "CatalogRefreshEnabled=true CatalogRefreshSchedule='\"rate(1 minute)\"'"
# A product only the second delta file holds: the smoke test finds it by barcode.
NEWCOMER = "2000000000015"
_delta_server: DeltaServer | None = None


class StepFailed(Exception):
    """A step of the rehearsal failed; the message says what was seen."""


def log(message: str) -> None:
    print(f"rehearse: {message}", flush=True)


def lambda_python_env() -> dict[str, str]:
    """What puts `python3.13` on PATH for the build, as CI's runner has it."""
    if version := pyenv_version_with_lambda_python():
        return {"PYENV_VERSION": version}
    if shutil.which("python3.13") and not shutil.which("pyenv"):
        return {}
    raise StepFailed("Python 3.13 (Lambda's runtime) is missing: pyenv install 3.13")


def aws_env(port: int) -> dict[str, str]:
    """The environment of every AWS call: the emulator's endpoint and its fixed credentials,
    and no profile or credentials file, so nothing can reach a real account."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        **EMULATOR_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "SAM_CLI_TELEMETRY": "0",
    }


def run_logged(step: str, command: list[str], env: dict[str, str]) -> str:
    """Run a command, its output in logs/<step>.log; its output, or StepFailed with the tail."""
    LOGS.mkdir(parents=True, exist_ok=True)
    path = LOGS / f"{step.replace(' ', '-')}.log"
    result = subprocess.run(  # noqa: S603 (our own commands)
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False
    )
    path.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
        raise StepFailed(f"{' '.join(command[:4])} exited {result.returncode}:\n{tail}")
    return result.stdout


def boto_client(port: int, service: str) -> Any:
    import boto3

    return boto3.session.Session(
        aws_access_key_id=EMULATOR_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=EMULATOR_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    ).client(service, endpoint_url=f"http://127.0.0.1:{port}")


def preflight(state: dict[str, Any]) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL binds
        try:
            probe.bind((postgres.HOST, postgres.PORT))
        except OSError as exc:
            raise StepFailed(f"{postgres.HOST}:{postgres.PORT} is taken ({exc}): the functions "
                             "connect to that port; stop what listens there") from exc  # fmt: skip
    for tool in (MINISTACK_PYTHON, SAM, VENV_PYTHON):
        if not tool.exists():
            raise StepFailed(f"{tool} is missing: run `make rehearse`, which installs it")
    state["lambda_python_env"] = lambda_python_env()
    state["port"] = free_port()


def start_postgres(state: dict[str, Any]) -> None:
    database = postgres.start(WORK)
    state["pgdata"] = str(database.pgdata)
    state["ca_file"] = str(database.ca_file)


def start_emulator(state: dict[str, Any]) -> None:
    port = state["port"]
    env = aws_env(port) | {
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_HOST": "127.0.0.1",
        "MINISTACK_REGION": REGION,
        # The functions inherit the emulator's environment: they verify the rehearsal's
        # PostgreSQL against its CA (shared/db/connect.py), the only setting they get this way.
        "DB_CA_BUNDLE": state["ca_file"],
    }
    env.pop("AWS_ENDPOINT_URL")
    LOGS.mkdir(parents=True, exist_ok=True)
    with (LOGS / "emulator.log").open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            [str(MINISTACK_PYTHON), "-m", "infra.rehearsal.ministack_server"],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    state["emulator_pid"] = process.pid
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StepFailed(f"MiniStack exited {process.returncode} (logs/emulator.log)")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_ministack/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise StepFailed("MiniStack did not answer within 60 s (logs/emulator.log)")


def serve_deltas(state: dict[str, Any]) -> None:
    """Two delta files of the sample, the second with a product of its own, on 127.0.0.1."""
    global _delta_server
    folder = WORK / "deltas"
    folder.mkdir(parents=True, exist_ok=True)
    sample = off_products()
    write_delta(folder, 0, sample[:100])
    write_delta(folder, 1, [*sample[100:150], {**sample[150], "code": NEWCOMER}])
    _delta_server = start(folder)
    state["delta_url"] = _delta_server.url


def deploy_network(state: dict[str, Any]) -> None:
    run_logged("network stack", [
        str(SAM), "deploy", "--template-file", "infra/rehearsal/network.yaml",
        "--stack-name", f"countonme-{STAGE}-network", "--parameter-overrides", f"Stage={STAGE}",
        "--no-fail-on-empty-changeset",
    ], aws_env(state["port"]))  # fmt: skip


def deploy_database(state: dict[str, Any]) -> None:
    run_logged("database stack", [
        str(SAM), "deploy", "--template-file", "infra/rehearsal/database.yaml",
        "--stack-name", f"countonme-{STAGE}-database", "--parameter-overrides", f"Stage={STAGE}",
        f"DatabaseHost={postgres.HOST}",
        "MasterPassword=rehearsal", "AppPassword=rehearsal", "DeviceRefKey=rehearsal-key",
        "--no-fail-on-empty-changeset",
    ], aws_env(state["port"]))  # fmt: skip


def deploy_application(state: dict[str, Any]) -> None:
    env = aws_env(state["port"]) | {
        "LAMBDA_PYTHON_PLATFORM": "x86_64-manylinux_2_28",
        **state["lambda_python_env"],
    }
    parameters = f"{REFRESH_PARAMETERS} CatalogDeltaSourceUrl={state['delta_url']}"
    run_logged(
        "application stack", ["make", "deploy", f"STAGE={STAGE}", f"PARAMETERS={parameters}"], env
    )
    cloudformation = boto_client(state["port"], "cloudformation")
    stack = cloudformation.describe_stacks(StackName=f"countonme-{STAGE}")["Stacks"][0]
    if stack["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise StepFailed(f"the stack is {stack['StackStatus']}")
    [api] = [a for a in boto_client(state["port"], "apigateway").get_rest_apis()["items"]
             if a["name"] == f"countonme-{STAGE}"]  # fmt: skip
    stages = boto_client(state["port"], "apigateway").get_stages(restApiId=api["id"])["item"]
    if [stage["stageName"] for stage in stages] != [STAGE]:
        raise StepFailed(f"the API has the stages {[s['stageName'] for s in stages]}, not one")
    state["stage_url"] = (
        f"http://127.0.0.1:{state['port']}/restapis/{api['id']}/{STAGE}/_user_request_"
    )
    revision = psql(state, "SELECT version_num FROM alembic_version")
    newest = sorted(p.name for p in (REPO_ROOT / "migrations" / "versions").glob("0*.py"))[-1]
    if not newest.startswith(revision.split("_")[0]):
        raise StepFailed(f"the migration resource left revision {revision!r}, newest is {newest}")
    # The migrate function made each job's role from the stack's secrets and parameters; the
    # smoke test then runs as them (the authorizer's and the API's).
    roles = psql(state, (
        "SELECT string_agg(rolname || ':' || rolconnlimit, ' ' ORDER BY rolname) FROM pg_roles"
        " WHERE rolname IN ('countonme_app', 'countonme_authorizer', 'countonme_import')"
    ))  # fmt: skip
    if roles != "countonme_app:400 countonme_authorizer:100 countonme_import:10":
        raise StepFailed(f"the job roles are {roles!r}")


def psql(state: dict[str, Any], query: str, params: tuple[Any, ...] = ()) -> str:
    """One value, read on the rehearsal's PostgreSQL over its socket."""
    import psycopg

    with psycopg.connect(
        host=state["pgdata"], port=postgres.PORT, user="postgres", dbname=postgres.DATABASE
    ) as connection:
        row = connection.execute(query, params).fetchone()
    return "" if row is None else str(row[0])


def upload_catalog(state: dict[str, Any]) -> None:
    output = run_logged("catalog upload", [
        "make", "catalog-upload", f"STAGE={STAGE}", f"FILE={OFF_JSONL}",
    ], aws_env(state["port"]))  # fmt: skip
    [uri] = re.findall(r"^uploaded (s3://\S+)$", output, re.MULTILINE)
    state["dump_uri"] = uri


def import_catalog(state: dict[str, Any]) -> None:
    output = run_logged("catalog import", [
        "make", "catalog-import-aws", f"STAGE={STAGE}", f"S3_URI={state['dump_uri']}",
    ], aws_env(state["port"]))  # fmt: skip
    [execution] = re.findall(r"^started (arn:\S+)", output, re.MULTILINE)
    stepfunctions = boto_client(state["port"], "stepfunctions")
    deadline = time.monotonic() + IMPORT_TIMEOUT_S
    while (described := stepfunctions.describe_execution(executionArn=execution))[
        "status"
    ] == "RUNNING":
        if time.monotonic() > deadline:
            raise StepFailed(f"the import still runs after {IMPORT_TIMEOUT_S} s")
        time.sleep(2)
    if described["status"] != "SUCCEEDED":
        raise StepFailed(
            f"the import {described['status']}: {described.get('error')} {described.get('cause')}"
        )
    bucket = state["dump_uri"][5:].split("/", 1)[0]
    name = execution.rsplit(":", 1)[1]
    body = boto_client(state["port"], "s3").get_object(Bucket=bucket, Key=f"reports/{name}.json")
    report = json.loads(body["Body"].read())
    log(f"import report: {json.dumps(report)[:300]}")
    state["barcode"] = psql(
        state, "SELECT barcode FROM catalog_products WHERE source = 'off' AND barcode IS NOT NULL"
        " ORDER BY barcode LIMIT 1",
    )  # fmt: skip
    if not state["barcode"]:
        raise StepFailed("the import brought no product with a barcode")


def scheduled_refresh(state: dict[str, Any]) -> None:
    """Wait for the schedule's refresh to apply both delta files (it runs every minute)."""
    expected = f"{delta_name(0)} {delta_name(1)}"
    applied_names = "SELECT string_agg(name, ' ' ORDER BY name) FROM catalog_deltas"
    deadline = time.monotonic() + REFRESH_TIMEOUT_S
    while (applied := psql(state, applied_names)) != expected:
        if time.monotonic() > deadline:
            executions = refresh_executions(state)
            raise StepFailed(f"after {REFRESH_TIMEOUT_S} s: applied {applied!r}, {executions}")
        time.sleep(3)
    executions = refresh_executions(state)
    if "SUCCEEDED" not in executions.values():
        raise StepFailed(f"the files are applied, but no refresh execution succeeded: {executions}")
    log(f"scheduled refresh: {executions}")
    newcomer = "SELECT count(*) FROM catalog_products WHERE barcode = %s"
    if psql(state, newcomer, (NEWCOMER,)) != "1":
        raise StepFailed(f"the second delta's product {NEWCOMER} is not in the catalog")
    state["barcode"] = NEWCOMER


def refresh_executions(state: dict[str, Any]) -> dict[str, str]:
    stepfunctions = boto_client(state["port"], "stepfunctions")
    machines = stepfunctions.list_state_machines()["stateMachines"]
    [machine] = [m for m in machines if m["name"] == f"countonme-{STAGE}-catalog-refresh"]
    listed = stepfunctions.list_executions(stateMachineArn=machine["stateMachineArn"])
    return {e["name"]: e["status"] for e in listed["executions"]}


def smoke(state: dict[str, Any]) -> None:
    output = run_logged("smoke", [
        str(VENV_PYTHON), "-m", "infra.smoke", state["stage_url"], "--barcode", state["barcode"],
    ], dict(os.environ))  # fmt: skip
    log(output.strip().splitlines()[-1])


STEPS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("preflight", preflight),
    ("postgres", start_postgres),
    ("delta server", serve_deltas),
    ("emulator", start_emulator),
    ("network stack", deploy_network),
    ("database stack", deploy_database),
    ("application stack", deploy_application),
    ("catalog upload", upload_catalog),
    ("catalog import", import_catalog),
    ("scheduled refresh", scheduled_refresh),
    ("smoke", smoke),
]


def down() -> None:
    """Stop what a rehearsal started (from its state file), and forget it."""
    global _delta_server
    if _delta_server is not None:
        _delta_server.shutdown()
        _delta_server.server_close()
        _delta_server = None
    if not STATE.exists():
        return
    state = json.loads(STATE.read_text())
    if pid := state.get("emulator_pid"):
        try:
            os.killpg(pid, signal.SIGTERM)
            for _ in range(50):
                os.killpg(pid, 0)
                time.sleep(0.1)
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if pgdata := state.get("pgdata"):
        postgres.stop(Path(pgdata))
    STATE.unlink()


def up() -> dict[str, Any]:
    """Run every step, leaving the emulator and the database running; raises StepFailed naming
    the step (after stopping what it started)."""
    down()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    state: dict[str, Any] = {}
    for name, step in STEPS:
        started = time.monotonic()
        try:
            step(state)
        except BaseException as exc:  # an interrupt too: stop what was started
            STATE.write_text(json.dumps(state))
            down()
            if not isinstance(exc, Exception):
                raise
            raise StepFailed(f"{name}: {exc}") from exc
        STATE.write_text(json.dumps(state))
        log(f"{name} ok ({time.monotonic() - started:.0f} s)")
    return state


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.rehearsal")
    parser.add_argument("command", choices=("run", "up", "down"))
    command = parser.parse_args(argv).command
    if command == "down":
        down()
        log("stopped")
        return 0
    started = time.monotonic()
    try:
        state = up()
    except StepFailed as failure:
        print(f"REHEARSAL FAILED at {failure}", file=sys.stderr)
        return 1
    if command == "up":
        log(f"running; stage URL {state['stage_url']}  (make rehearse-down stops it)")
    else:
        down()
        log(f"passed in {time.monotonic() - started:.0f} s; everything stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
