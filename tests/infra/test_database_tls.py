"""Each function verifies the database's certificate against the CAs that sign the endpoint it
connects to: RDS Proxy's (AWS Certificate Manager, so Amazon Trust Services) or an Aurora
cluster endpoint's (the RDS CAs). Checked on the functions as CloudFormation creates them."""

from __future__ import annotations

import ssl
import tomllib
from pathlib import Path
from typing import Any

import pytest

from infra.local.database import REPO_ROOT
from shared.db.connect import RDS_BUNDLE, TRUST_BUNDLE, tls_and_socket_params
from shared.runtime.settings import Settings
from tests.support.cloudformation import TEMPLATE_PATH, transformed

REGION = tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())["default"]["global"][
    "parameters"
]["region"]
# The CA each kind of endpoint's certificate chains to, in the deploy region.
SIGNER = {
    "ProxyEndpoint": "Amazon Root CA 1",
    "ClusterEndpoint": f"Amazon RDS {REGION} Root CA RSA2048 G1",
}


def common_names(bundle: Path) -> set[str]:
    """The CAs' names as OpenSSL (libpq's TLS) loads them from the file."""
    certificates = ssl.create_default_context(cafile=bundle).get_ca_certs()
    return {dict(part[0] for part in ca["subject"])["commonName"] for ca in certificates}


def database_functions() -> dict[str, dict[str, Any]]:
    """The environment of each function that reaches the database (all but the refresh's
    fetch function), after the transform merged in the Globals'."""
    resources = transformed(TEMPLATE_PATH)["Resources"]
    return {
        name: resource["Properties"]["Environment"]["Variables"]
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Lambda::Function" and name != "CatalogRefreshFunction"
    }


def test_the_refresh_fetch_function_has_no_database_settings_or_secrets() -> None:
    resources = transformed(TEMPLATE_PATH)["Resources"]
    env = resources["CatalogRefreshFunction"]["Properties"]["Environment"]["Variables"]
    assert not {name for name in env if name.startswith("DB_")}
    assert "DEVICE_REF_KEY" not in env and "{{resolve:" not in str(env)


def endpoint_export(env: dict[str, Any]) -> str:
    """`ProxyEndpoint` or `ClusterEndpoint`: the database stack export DB_HOST imports."""
    export = env["DB_HOST"]["Fn::ImportValue"]["Fn::Sub"]
    assert export.startswith("${DatabaseStackName}-")
    return export.removeprefix("${DatabaseStackName}-")


def bundle_of(env: dict[str, Any]) -> Path:
    """The CA file a function with this environment verifies against."""
    settings = Settings(db_endpoint=env.get("DB_ENDPOINT", "proxy"))
    return Path(tls_and_socket_params(settings)["sslrootcert"])


def test_the_bundles_hold_their_endpoints_signers_and_not_the_others() -> None:
    proxy, cluster = common_names(TRUST_BUNDLE), common_names(RDS_BUNDLE)
    assert SIGNER["ProxyEndpoint"] in proxy and SIGNER["ClusterEndpoint"] not in proxy
    assert SIGNER["ClusterEndpoint"] in cluster and SIGNER["ProxyEndpoint"] not in cluster


@pytest.mark.parametrize("name", sorted(database_functions()))
def test_each_function_verifies_against_the_bundle_that_signs_its_endpoint(name: str) -> None:
    env = database_functions()[name]
    assert SIGNER[endpoint_export(env)] in common_names(bundle_of(env)), name


def test_no_function_replaces_the_shipped_bundles() -> None:
    """DB_CA_BUNDLE is the rehearsal's (a CA of its own on the emulator), never a stack's."""
    for name, env in database_functions().items():
        assert "DB_CA_BUNDLE" not in env, name


def test_a_cluster_path_on_the_proxy_bundle_fails_the_check() -> None:
    """The fault a deploy would have hit: the import on the cluster with the proxy's bundle."""
    env = dict(database_functions()["CatalogImportFunction"])
    assert endpoint_export(env) == "ClusterEndpoint"
    env["DB_ENDPOINT"] = "proxy"
    assert SIGNER[endpoint_export(env)] not in common_names(bundle_of(env))
