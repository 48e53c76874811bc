"""Print template.yaml as CloudFormation sees it after the SAM transform (Globals merged into
each function, which SAM does by appending a function's lists to the globals' ones), as JSON.
Runs in the SAM CLI's environment (`.venv-sam/bin/python -m infra.build.sam_transform`), which
has the translator; code locations are stubbed, nothing is uploaded or deployed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

MANAGED_POLICIES = (
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess",
)


class _Policies:
    """Managed policy ARNs by name, without asking IAM."""

    def load(self) -> dict[str, str]:
        return {name: f"arn:aws:iam::aws:policy/{name}" for name in MANAGED_POLICIES}


def transformed(path: Path) -> dict:
    template = yaml_parse(path.read_text())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            properties = resource["Properties"]
            properties["CodeUri"] = "s3://stub/code.zip"  # built and uploaded by sam in a deploy
            properties.pop("AutoPublishAlias", None)  # resolved from parameters in a deploy
    return transform(template, {}, _Policies())


if __name__ == "__main__":
    print(json.dumps(transformed(Path(sys.argv[1]))))
