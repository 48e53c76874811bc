"""MiniStack (the pinned emulator in .venv-ministack) with the rehearsal's workarounds for what
it lacks, run as `.venv-ministack/bin/python -m infra.rehearsal.ministack_server`. The stacks
must not change to suit the emulator, so the emulator is patched here, in the open, and each
patch is listed in docs/operations.md ("Rehearsal"):

- MiniStack 1.5.33's CloudFormation refuses `AWS::CloudWatch::Alarm` with `Metrics` (metric
  math), which template.yaml's `Api5xxRateAlarm` uses: such an alarm is recorded as an alarm on
  its first metric. Nothing in the rehearsal evaluates alarms; the real alarm's shape is checked
  by cfn-lint and CloudFormation's transform in the suite.
- Its OpenAPI import creates no method for `x-amazon-apigateway-any-method`, the `ANY` method
  every route of SAM's generated body uses, so every path answered 403 Missing Authentication
  Token: the import takes that key as the `ANY` method, as API Gateway does.
- Its Distributed Map ignores `ItemBatcher` (each item became a child execution of its own,
  which the import function refuses: "BatchInput must be a dict") and `MaxConcurrencyPath`
  (it ran 64 at once): items are batched as Step Functions does (by `MaxItemsPerBatch` and
  `MaxInputBytesPerBatch`, each child's input `{"BatchInput", "Items"}`), and the concurrency
  is read from the path. Its `ResultWriter` is not emulated: the children's results stay inline.
- Its Step Functions `aws-sdk:s3:putObject` integration is not implemented (the import's
  WriteReport state uses it): the object is put through MiniStack's own S3 handler.
"""

from __future__ import annotations

import json
from typing import Any

from ministack.app import main
from ministack.services import apigateway_v1, stepfunctions
from ministack.services.cloudformation import provisioners

ANY_METHOD_KEY = "x-amazon-apigateway-any-method"

_metric_alarm_record = provisioners._cw_metric_alarm_record


def _metric_math_as_first_metric(name: str, props: dict[str, Any]) -> Any:
    """The record MiniStack can keep for a metric-math alarm: the alarm on its first metric."""
    if not props.get("Metrics"):
        return _metric_alarm_record(name, props)
    first = next(query["MetricStat"] for query in props["Metrics"] if "MetricStat" in query)
    metric = first["Metric"]
    stand_in = {key: value for key, value in props.items() if key != "Metrics"}
    stand_in |= {
        "Namespace": metric["Namespace"],
        "MetricName": metric["MetricName"],
        "Dimensions": metric.get("Dimensions", []),
        "Statistic": first["Stat"],
        "Period": first["Period"],
    }
    return _metric_alarm_record(name, stand_in)


_import_operation = apigateway_v1._import_operation


def _any_method_as_any(api_id: str, resource_id: str, http_method: str, *rest: Any) -> Any:
    """Import SAM's `x-amazon-apigateway-any-method` operation as API Gateway's `ANY`."""
    method = "ANY" if http_method.lower() == ANY_METHOD_KEY else http_method
    return _import_operation(api_id, resource_id, method, *rest)


_run_distributed_map = stepfunctions._run_distributed_map


def _batches(items: list[Any], batcher: dict[str, Any], batch_input: Any) -> list[dict[str, Any]]:
    """Items grouped as Step Functions' ItemBatcher groups them: a batch closes before the item
    that would pass MaxItemsPerBatch, or MaxInputBytesPerBatch of the child's JSON input."""
    most_items = batcher.get("MaxItemsPerBatch") or len(items) or 1
    most_bytes = batcher.get("MaxInputBytesPerBatch") or 256 * 1024
    empty = len(json.dumps({"BatchInput": batch_input, "Items": []}))
    batches: list[list[Any]] = [[]]
    size = empty
    for item in items:
        item_size = len(json.dumps(item)) + 2  # the separator
        if batches[-1] and (len(batches[-1]) >= most_items or size + item_size > most_bytes):
            batches.append([])
            size = empty
        batches[-1].append(item)
        size += item_size
    return [{"BatchInput": batch_input, "Items": batch} for batch in batches if batch]


def _batched_distributed_map(
    state_def: dict[str, Any], raw_input: Any, effective: Any, iterator: Any, *rest: Any
) -> Any:
    """MiniStack's Distributed Map run over ItemBatcher's batches, at MaxConcurrencyPath's
    concurrency."""
    ctx = rest[-1]
    if "ItemBatcher" not in state_def and "MaxConcurrencyPath" not in state_def:
        return _run_distributed_map(state_def, raw_input, effective, iterator, *rest)
    if "ItemReader" in state_def:
        items = stepfunctions._read_map_items(state_def["ItemReader"], effective, ctx)
    else:
        items = stepfunctions._resolve_path_or_ctx(state_def.get("ItemsPath", "$"), effective, ctx)
    stand_in = {
        key: value
        for key, value in state_def.items()
        if key not in ("ItemReader", "ItemBatcher", "ItemsPath", "MaxConcurrencyPath")
    }
    if "MaxConcurrencyPath" in state_def:
        concurrency = stepfunctions._resolve_path_or_ctx(
            state_def["MaxConcurrencyPath"], effective, ctx
        )
        stand_in["MaxConcurrency"] = int(concurrency)
    if batcher := state_def.get("ItemBatcher"):
        batch_input = stepfunctions._resolve_params_obj(batcher.get("BatchInput"), effective, ctx)
        items = _batches(items, batcher, batch_input)
    return _run_distributed_map(stand_in, raw_input, items, iterator, *rest)


_dispatch_rest_xml = stepfunctions._dispatch_aws_sdk_rest_xml


def _with_s3_put_object(
    service_info: dict[str, Any], service: str, action: str, parameters: dict[str, Any]
) -> Any:
    """`aws-sdk:s3:putObject` as S3 does it: the Body stored as the object, its ETag answered."""
    if (service, action[:1].lower() + action[1:]) != ("s3", "putObject"):
        return _dispatch_rest_xml(service_info, service, action, parameters)
    from ministack import app

    body = parameters.get("Body", "")
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    headers = {
        "host": f"s3.{stepfunctions.REGION}.amazonaws.com",
        "content-type": parameters.get("ContentType", "application/octet-stream"),
        "content-length": str(len(data)),
    }
    path = f"/{parameters['Bucket']}/{parameters['Key']}"
    status, answer_headers, answer = app.call_service_handler_sync(
        app.SERVICE_HANDLERS["s3"], "PUT", path, headers, data, {}
    )
    if status >= 400:
        raise stepfunctions._ExecutionError("S3.S3Exception", answer.decode(errors="replace"))
    return {"ETag": {k.lower(): v for k, v in answer_headers.items()}.get("etag", "")}


provisioners._cw_metric_alarm_record = _metric_math_as_first_metric
stepfunctions._dispatch_aws_sdk_rest_xml = _with_s3_put_object
stepfunctions._run_distributed_map = _batched_distributed_map
apigateway_v1._OPENAPI_HTTP_METHODS = {*apigateway_v1._OPENAPI_HTTP_METHODS, ANY_METHOD_KEY}
apigateway_v1._import_operation = _any_method_as_any

if __name__ == "__main__":
    main()
