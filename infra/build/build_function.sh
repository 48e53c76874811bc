#!/usr/bin/env bash
# Builds one Lambda artifact without Docker (SAM's `BuildMethod: makefile` calls this through the
# Makefile's build-<Function> targets, with ARTIFACTS_DIR set).
#
#   build_function.sh <function folder> <package> [<package> ...]
#
# The artifact holds only functions/<folder>, the shared package (plus migrations/ for migrate)
# and the named third-party packages with their dependencies, as wheels for Lambda's platform
# (manylinux_2_28 arm64, CPython 3.13: the python3.13 runtime is Amazon Linux 2023 with glibc
# 2.34, and psycopg-binary has no older arm64 tag) resolved for that platform rather than this
# machine, pinned to the versions in uv.lock. boto3/botocore are left to the Lambda runtime. The X-Ray SDK is added
# without its botocore dependency, for stages that turn XRAY_SDK_TRACING on.
set -euo pipefail
function_dir="$1"; shift
: "${ARTIFACTS_DIR:?ARTIFACTS_DIR must be set (sam build sets it)}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
uv="$root/.venv/bin/uv"
# LAMBDA_PYTHON_PLATFORM: the rehearsal (make rehearse) builds for this machine's platform instead.
target=(--target "$ARTIFACTS_DIR" --python-platform "${LAMBDA_PYTHON_PLATFORM:-aarch64-manylinux_2_28}"
        --python-version 3.13
        --only-binary :all: --quiet)

mkdir -p "$root/build"
constraints="$root/build/constraints.txt"
"$uv" export --project "$root" --frozen --no-dev --no-hashes --no-emit-project --quiet \
  --output-file "$constraints"

rm -rf "${ARTIFACTS_DIR:?}"/*
mkdir -p "$ARTIFACTS_DIR/functions"
cp "$root/functions/__init__.py" "$ARTIFACTS_DIR/functions/"
cp -r "$root/functions/$function_dir" "$ARTIFACTS_DIR/functions/"
cp -r "$root/shared" "$ARTIFACTS_DIR/"
if [ "$function_dir" = "migrate" ]; then
  cp -r "$root/migrations" "$ARTIFACTS_DIR/"
fi
find "$ARTIFACTS_DIR" -name __pycache__ -type d -prune -exec rm -rf {} +

"$uv" pip install "${target[@]}" --constraint "$constraints" "$@"
"$uv" pip install "${target[@]}" --constraint "$constraints" --no-deps aws-xray-sdk wrapt
rm -rf "$ARTIFACTS_DIR"/bin

# Lambda's code folder is read-only, so bytecode must ship inside the artifact, compiled by the
# interpreter version that will run it (a .pyc of another version is ignored).
if python3.13 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1; then
  python3.13 -m compileall -q -j 0 --invalidation-mode unchecked-hash "$ARTIFACTS_DIR"
else
  echo "WARNING: python3.13 not found: $function_dir ships without bytecode; its cold starts" \
       "will recompile every module (about 3x slower imports). CI builds with Python 3.13." >&2
fi
