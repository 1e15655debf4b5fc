"""S3 configured the way S3 users do it: AWS_* variables, endpoint URLs, no default credentials, and
``intake storage check`` against moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.storage import S3Storage, check_access, get_storage, parse_endpoint
from pipeline.config import Settings, get_settings
from pipeline.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
S3_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL",
    "INTAKE_S3_ACCESS_KEY",
    "INTAKE_S3_SECRET_KEY",
    "INTAKE_S3_ENDPOINT",
    "INTAKE_S3_REGION",
    "INTAKE_S3_BUCKET",
    "INTAKE_STORAGE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for v in S3_VARS:
        monkeypatch.delenv(v, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_standard_aws_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI")
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://minio.example.org:9443")
    s = Settings()
    assert s.s3_access_key is not None and s.s3_access_key.get_secret_value() == "AKIDEXAMPLE"
    assert s.s3_region == "cn-north-1"
    st = S3Storage.from_settings(s.model_copy(update={"storage": "s3"}))
    assert (st.endpoint, st.secure) == ("minio.example.org:9443", True)


def test_intake_names_override_aws_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "aws-key")
    monkeypatch.setenv("INTAKE_S3_ACCESS_KEY", "intake-key")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://general:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://s3-specific:2")
    s = Settings()
    assert s.s3_access_key is not None and s.s3_access_key.get_secret_value() == "intake-key"
    assert s.s3_endpoint == "http://s3-specific:2"
    monkeypatch.setenv("INTAKE_S3_ENDPOINT", "http://ours:3")
    assert Settings().s3_endpoint == "http://ours:3"


def test_secrets_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    s = Settings()
    assert "very-secret-value" not in repr(s) and "very-secret-value" not in str(s.model_dump())


def test_no_default_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    s = Settings(storage="s3")
    assert s.s3_access_key is None and s.s3_secret_key is None
    with pytest.raises(ConfigError, match="AWS_ACCESS_KEY_ID.*AWS_SECRET_ACCESS_KEY"):
        get_storage(s)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "only-the-key")
    with pytest.raises(ConfigError) as ei:
        get_storage(Settings(storage="s3"))
    assert "AWS_SECRET_ACCESS_KEY" in str(ei.value) and "AWS_ACCESS_KEY_ID" not in str(ei.value)


@pytest.mark.parametrize(
    ("given", "secure_flag", "expected"),
    [
        ("http://127.0.0.1:9000", True, ("127.0.0.1:9000", False)),
        ("https://s3.example.org", False, ("s3.example.org", True)),
        ("https://s3.example.org:9443/", False, ("s3.example.org:9443", True)),
        ("http://[::1]:9000", False, ("[::1]:9000", False)),
        ("127.0.0.1:9000", False, ("127.0.0.1:9000", False)),  # the old form still works
        ("minio:9000", True, ("minio:9000", True)),
        (None, False, ("s3.amazonaws.com", True)),
    ],
)
def test_endpoint_forms(given: str | None, secure_flag: bool, expected: tuple[str, bool]) -> None:
    assert parse_endpoint(given, secure_flag) == expected


@pytest.mark.parametrize(
    "bad",
    ["ftp://host:21", "http://host:notaport", "http://host:9000/bucket", "http://u:p@host", "http://", "a b"],
)
def test_bad_endpoints_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="S3 endpoint must be a URL"):
        parse_endpoint(bad)


def test_storage_check_passes_on_moto(moto_url: str) -> None:
    st = S3Storage(endpoint=moto_url, access_key="testing", secret_key="testing", bucket="chk-ok", retries=0)
    st.ensure_bucket()
    steps = check_access(st)
    assert [(s, ok) for s, ok, _ in steps] == [("credentials", True), ("bucket", True), ("write", True)]
    assert list(st.client.list_objects(bucket_name="chk-ok")) == []  # the probe was deleted


def test_storage_check_reports_missing_bucket(moto_url: str) -> None:
    st = S3Storage(endpoint=moto_url, access_key="testing", secret_key="testing", bucket="nope", retries=0)
    steps = check_access(st)
    assert steps[-1][:2] == ("bucket", False) and "does not exist" in steps[-1][2]


def test_storage_check_local(tmp_path: Path) -> None:
    from flows.storage import LocalStorage

    assert all(ok for _, ok, _ in check_access(LocalStorage(tmp_path)))
    assert check_access(LocalStorage(tmp_path / "missing"))[-1][:2] == ("folder", False)


def _intake(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in S3_VARS}
    full.update({"PYTHONPATH": str(ROOT), "INTAKE_HOME": str(cwd / "home"), "COLUMNS": "200", **env})
    return subprocess.run(
        [sys.executable, "-m", "pipeline.app.cli", *args],
        env=full,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_storage_check_end_to_end(moto_url: str, tmp_path: Path) -> None:
    env = {
        "INTAKE_STORAGE": "s3",
        "AWS_ENDPOINT_URL_S3": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "INTAKE_S3_BUCKET": "cli-check",
    }
    r = _intake(["storage", "check", "--json"], env, tmp_path)
    assert r.returncode == 4, r.stderr  # no bucket yet
    assert json.loads(r.stdout)["steps"][-1]["step"] == "bucket"
    S3Storage(endpoint=moto_url, access_key="t", secret_key="t", bucket="cli-check").ensure_bucket()
    r = _intake(["storage", "check"], env, tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("ok ") == 3


@pytest.mark.parametrize(
    ("env", "code", "needle"),
    [
        ({"INTAKE_STORAGE": "s3"}, 3, "AWS_ACCESS_KEY_ID"),
        (
            {
                "INTAKE_STORAGE": "s3",
                "AWS_ACCESS_KEY_ID": "a",
                "AWS_SECRET_ACCESS_KEY": "b",
                "AWS_ENDPOINT_URL_S3": "ftp://x",
            },
            3,
            "S3 endpoint must be a URL",
        ),
        ({"INTAKE_WORKERS": "many"}, 3, "INTAKE_WORKERS"),
        (
            {
                "INTAKE_STORAGE": "s3",
                "AWS_ACCESS_KEY_ID": "a",
                "AWS_SECRET_ACCESS_KEY": "b",
                "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1",
            },
            4,
            "cannot connect",
        ),
    ],
)
def test_cli_config_errors_are_one_line(env: dict[str, str], code: int, needle: str, tmp_path: Path) -> None:
    r = _intake(["storage", "check"], env, tmp_path)
    assert r.returncode == code, r.stderr
    assert needle in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_cli_verbose_after_subcommand_shows_the_traceback(tmp_path: Path) -> None:
    r = _intake(["storage", "check", "-v"], {"INTAKE_STORAGE": "s3"}, tmp_path)
    assert r.returncode == 3
    assert "Traceback" in r.stderr and "ConfigError" in r.stderr
