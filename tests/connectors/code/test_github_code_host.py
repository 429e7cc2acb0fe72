"""GitHubCodeHost beyond the shared contract: authentication, Enterprise URLs, failures, and secrets kept out."""

from __future__ import annotations

import io
import logging
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
import responses
import respx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from agentcore.connectors.code import CodeHostError, UnknownRepositoryError
from agentcore.connectors.code.github import GitHubCodeHost
from agentcore.errors import ConfigError, UserInputError

TOKEN = "ghp_very-secret-token"
SHA = "a" * 40
API = "https://api.github.com:443"
PULLS = f"{API}/repos/acme/shop/commits/{SHA}/pulls"
LINK = f"https://codeload.github.com/acme/shop/legacy.tar.gz/{SHA}?token=codeload-secret"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def host() -> GitHubCodeHost:
    return GitHubCodeHost("https://api.github.com", TOKEN, seconds_between_requests=None)


def test_the_token_is_sent_as_the_authorization_header(http: responses.RequestsMock) -> None:
    http.get(PULLS, json=[])
    host().pull_requests_for("acme/shop", SHA)
    assert http.calls[0].request.headers["Authorization"] == f"token {TOKEN}"


def test_a_github_app_mints_an_installation_token(
    http: responses.RequestsMock, caplog: pytest.LogCaptureFixture
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    minted = http.post(
        f"{API}/app/installations/77/access_tokens",
        status=201,
        json={"token": "ghs_installation", "expires_at": "2099-01-01T00:00:00Z", "permissions": {}},
    )
    http.get(PULLS, json=[])
    app = GitHubCodeHost(app_id=12, private_key=pem.decode(), installation_id=77, seconds_between_requests=None)
    caplog.set_level(logging.DEBUG, logger="github")
    app.pull_requests_for("acme/shop", SHA)
    assert minted.call_count == 1
    assert "ghs_installation" not in caplog.text
    assert http.calls[0].request.headers["Authorization"].startswith("Bearer ")  # the App's JWT
    assert http.calls[1].request.headers["Authorization"] == "token ghs_installation"


def test_enterprise_server_is_reached_at_its_api_path(http: responses.RequestsMock) -> None:
    http.get(f"https://ghe.example.com:443/api/v3/repos/acme/shop/commits/{SHA}/pulls", json=[])
    enterprise = GitHubCodeHost("https://ghe.example.com/api/v3", TOKEN, seconds_between_requests=None)
    assert enterprise.pull_requests_for("acme/shop", SHA) == []


def test_an_open_pull_request_has_no_merge_commit(http: responses.RequestsMock) -> None:
    pull = {"number": 9, "title": "WIP", "state": "open", "merged_at": None, "merge_commit_sha": "b" * 40,
            "html_url": "https://github.com/acme/shop/pull/9"}  # fmt: skip
    http.get(PULLS, json=[pull])
    [found] = host().pull_requests_for("acme/shop", SHA)
    assert (found.number, found.merge_commit, found.url) == (9, None, "https://github.com/acme/shop/pull/9")


def test_refused_credentials_are_a_config_error_without_the_token(http: responses.RequestsMock) -> None:
    http.get(PULLS, status=401, json={"message": "Bad credentials"})
    with pytest.raises(ConfigError, match="GitHub refused the credentials") as caught:
        host().pull_requests_for("acme/shop", SHA)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(host())


def test_a_server_failure_is_a_code_host_error(http: responses.RequestsMock) -> None:
    http.get(PULLS, status=502, json={"message": "Server Error"})
    with pytest.raises(CodeHostError, match="GitHub answered 502 Server Error"):
        host().pull_requests_for("acme/shop", SHA)


def test_an_unreachable_github_is_a_code_host_error(http: responses.RequestsMock) -> None:
    http.get(PULLS, body=requests.ConnectionError("no route"))
    with pytest.raises(CodeHostError, match="GitHub did not answer"):
        host().pull_requests_for("acme/shop", SHA)


@pytest.mark.parametrize("name", ["shop", "acme/shop/extra", "../acme/shop", "acme/"])
def test_a_name_that_is_not_owner_slash_repo_is_refused(name: str) -> None:
    with pytest.raises(UnknownRepositoryError, match="not a GitHub repository name"):
        host().pull_requests_for(name, SHA)


def test_a_token_and_app_credentials_together_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not both"):
        GitHubCodeHost(token=TOKEN, app_id=1, private_key="k", installation_id=2)


def test_partial_app_credentials_are_a_config_error() -> None:
    with pytest.raises(ConfigError, match="app_id, private_key and installation_id together"):
        GitHubCodeHost(app_id=1, private_key="k")


def test_a_failed_tarball_download_never_shows_the_link(http: responses.RequestsMock, tmp_path: Path) -> None:
    http.get(f"{API}/repos/acme/shop/tarball/{SHA}", status=302, headers={"Location": LINK}, body="")
    with respx.mock() as codeload:
        codeload.get(LINK).mock(side_effect=httpx.ConnectError(f"cannot reach {LINK}"))
        with pytest.raises(
            CodeHostError, match="downloading the tarball of acme/shop@a+ failed: ConnectError"
        ) as caught:
            host().archive_at("acme/shop", SHA, tmp_path / "tree")
    assert "codeload-secret" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert not (tmp_path / "tree").exists()


def test_a_tarball_that_escapes_its_folder_is_refused(http: responses.RequestsMock, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        evil = tarfile.TarInfo("acme-shop-aaaaaaa/../../escaped.txt")
        evil.size = 4
        archive.addfile(evil, io.BytesIO(b"evil"))
    http.get(f"{API}/repos/acme/shop/tarball/{SHA}", status=302, headers={"Location": LINK}, body="")
    with respx.mock() as codeload:
        codeload.get(LINK).mock(return_value=httpx.Response(200, content=buffer.getvalue()))
        with pytest.raises(UserInputError, match="cannot unpack"):
            host().archive_at("acme/shop", SHA, tmp_path / "deep" / "tree")
    assert not (tmp_path / "escaped.txt").exists()
    assert list((tmp_path / "deep").iterdir()) == []


def test_the_tarball_link_never_reaches_the_logs(
    http: responses.RequestsMock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        readme = tarfile.TarInfo("acme-shop-aaaaaaa/README.md")
        readme.size = 3
        archive.addfile(readme, io.BytesIO(b"hi\n"))
    http.get(f"{API}/repos/acme/shop/tarball/{SHA}", status=302, headers={"Location": LINK}, body="")
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="github")
    with respx.mock() as codeload:
        codeload.get(LINK).mock(return_value=httpx.Response(200, content=buffer.getvalue()))
        tree = host().archive_at("acme/shop", SHA, tmp_path / "tree")
    assert (tree / "README.md").read_text() == "hi\n"
    assert "HTTP Request: GET <redacted>" in caplog.text
    assert "codeload-secret" not in caplog.text


def test_a_private_key_that_cannot_sign_is_a_config_error_that_does_not_quote_it() -> None:
    with pytest.raises(ConfigError, match="cannot sign a JWT") as caught:
        GitHubCodeHost(app_id=1, private_key="-----BEGIN nonsense-secret-key", installation_id=2)
    assert "nonsense-secret-key" not in str(caught.value)
    assert caught.value.__cause__ is None
