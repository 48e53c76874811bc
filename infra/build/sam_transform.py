"""Print a SAM template as CloudFormation sees it after the SAM transform, as JSON: the
translator's own `transform`, the code CloudFormation runs when `sam deploy` creates a change set
(Globals merged into each function, versions, aliases, the API's stages). The template is taken
exactly as committed except `CodeUri`, which `sam deploy` replaces with the uploaded artifact.
Runs in the AWS tools' environment (`.venv-sam/bin/python -m infra.build.sam_transform FILE`),
which has the translator; nothing is uploaded or deployed. A refused template exits 1 with the
translator's reasons."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from samtranslator.model.exceptions import InvalidDocumentException
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


def transformed(path: Path) -> dict[str, Any]:
    template = yaml_parse(path.read_text())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://stub/code.zip"
    return transform(template, {}, _Policies())


if __name__ == "__main__":
    try:
        print(json.dumps(transformed(Path(sys.argv[1]))))
    except InvalidDocumentException as refused:
        sys.exit("\n".join(str(cause) for cause in refused.causes))
