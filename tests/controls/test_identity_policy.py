"""Identity and policy through HTTP: JWTs, on-behalf-of, object ownership, ABAC, masking."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bridges.secrets import MemorySecretStore
from emulators.bankdb import BankDatabase
from emulators.dataset import BankDataset
from gateway.abac import TimeWindow
from tests.conftest import odbc_system
from tests.support.servers import ServedApp, serve_gateway

HS_SECRET = "test-hs256-secret-0123456789abcdef"
ISSUER, AUDIENCE = "https://idp.bank.test", "mainbridge"
OWNERSHIP = {"account_id": {"system": "bankdb", "owner_column": "CUST_ID",
                            "sql": "SELECT CUST_ID FROM ACCTMAST WHERE ACCT_NO = ?"}}


@pytest.fixture(scope="module")
def rsa_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = tmp_path_factory.mktemp("keys") / "idp.pem"
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.fixture(scope="module")
def policy_gateway(sqlite_bank: BankDatabase, roles: dict[str, list[str]],
                   rsa_keys: tuple[bytes, Path]) -> Iterator[ServedApp]:
    policy = {
        "on_behalf_of_roles": ["support"],
        "ownership": OWNERSHIP,
        "rules": [
            {"description": "support for a customer sees only that customer's objects",
             "roles": ["support"], "owner_only": True},
            {"description": "EU data stays with EU agents", "tools": ["get_recent_transactions"],
             "roles": ["analyst"], "agent_attributes": {"region": ["eu"]}},
            {"description": "monitoring starts at 1,000", "tools": ["find_large_transactions"],
             "roles": ["compliance"], "arguments": {"min_amount": {"min": "1000"}}},
            {"description": "night batch window", "tools": ["get_transaction_summary"],
             "roles": ["night"], "time_window": {"days": _not_today(), "tz": "UTC"}},
        ],
        "fields": {"sales": {"mask": ["account_id"]}},
    }
    test_roles = {**roles, "analyst": ["get_recent_transactions"],
                  "night": ["get_transaction_summary"],
                  "sales": [*roles["sales"], "get_recent_transactions"]}
    jwt_settings = {"issuer": ISSUER, "audience": AUDIENCE, "hs256_secret": "idp.hs256",
                    "rs256_public_key_file": str(rsa_keys[1])}
    secrets = MemorySecretStore({"idp.hs256": HS_SECRET})
    with serve_gateway(odbc_system(sqlite_bank), test_roles, secrets=secrets, policy=policy,
                       jwt=jwt_settings) as gateway:
        yield gateway


def _not_today() -> str:
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return days[(datetime.now(UTC).weekday() + 2) % 7]  # a day that is neither now nor soon


def token(claims: dict[str, Any], key: Any = HS_SECRET, alg: str = "HS256",
          **headers: Any) -> str:
    now = datetime.now(UTC)
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "agent-7", "roles": ["support"],
            "iat": now, "exp": now + timedelta(minutes=5), **claims}
    return jwt.encode(body, key, algorithm=alg, headers=headers or None)


def post(gateway: ServedApp, tool: str, args: dict[str, Any], bearer: str,
         **headers: str) -> Any:
    with gateway.client(None, Authorization=f"Bearer {bearer}", **headers) as client:
        return client.post(f"/tools/{tool}", json=args)


RECENT = ("get_recent_transactions", {"account_id": "1000000001", "limit": 1})


def test_valid_hs256_and_rs256_tokens_are_accepted(policy_gateway: ServedApp,
                                                   rsa_keys: tuple[bytes, Path]) -> None:
    assert post(policy_gateway, *RECENT, token({})).status_code == 200
    assert post(policy_gateway, *RECENT, token({}, rsa_keys[0], "RS256")).status_code == 200


@pytest.mark.parametrize("case", ["expired", "not_yet", "audience", "issuer", "signature",
                                  "no_sub", "alg_none", "hs_with_rsa_public_key"])
def test_bad_tokens_are_401(policy_gateway: ServedApp, rsa_keys: tuple[bytes, Path],
                            case: str) -> None:
    now = datetime.now(UTC)
    bad = {
        "expired": lambda: token({"exp": now - timedelta(minutes=5)}),
        "not_yet": lambda: token({"nbf": now + timedelta(minutes=10)}),
        "audience": lambda: token({"aud": "someone-else"}),
        "issuer": lambda: token({"iss": "https://evil.test"}),
        "signature": lambda: token({}, key="another-secret-another-secret-xx"),
        "no_sub": lambda: jwt.encode({"iss": ISSUER, "aud": AUDIENCE,
                                      "exp": now + timedelta(minutes=5)}, HS_SECRET, "HS256"),
        "alg_none": lambda: jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "sub": "x",
                                        "roles": ["admin"], "exp": now + timedelta(minutes=5)},
                                       None, algorithm="none"),
        # Algorithm confusion: the RSA public key used as an HMAC secret.
        "hs_with_rsa_public_key": lambda: _hmac_with_public_key(rsa_keys[1]),
    }[case]()
    response = post(policy_gateway, *RECENT, bad)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["type"] == "unauthenticated"


def _hmac_with_public_key(public: Path) -> str:
    import base64
    import hashlib
    import hmac
    import json

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "roles": ["admin"],
                           "exp": int(time.time()) + 300}).encode())
    signature = hmac.new(public.read_bytes(), f"{header}.{body}".encode(), hashlib.sha256)
    return f"{header}.{body}.{b64(signature.digest())}"


def test_on_behalf_of_only_where_policy_allows(policy_gateway: ServedApp) -> None:
    sales = token({"roles": ["sales"]})
    refused = post(policy_gateway, "list_products", {}, sales, **{"X-On-Behalf-Of": "C000001"})
    assert refused.status_code == 403 and "on behalf" in refused.json()["error"]["message"]
    assert post(policy_gateway, "list_products", {}, sales).status_code == 200


def test_object_level_authorization_blocks_bola(policy_gateway: ServedApp) -> None:
    support = token({"roles": ["support"]})
    john = {"X-On-Behalf-Of": "C000001"}
    own = post(policy_gateway, *RECENT, support, **john)
    assert own.status_code == 200
    other = next(a["account_id"] for a in BankDataset().accounts if a["customer_id"] != "C000001")
    bola = post(policy_gateway, "get_recent_transactions", {"account_id": other}, support, **john)
    assert bola.status_code == 403 and bola.json()["error"]["type"] == "forbidden"
    unknown = post(policy_gateway, "get_recent_transactions", {"account_id": "9999999999"},
                   support, **john)
    assert unknown.status_code == 403  # unknown and foreign look alike: nothing to enumerate
    someone = post(policy_gateway, "get_product_price",
                   {"product_code": "LN-PERS", "customer_id": "C000002"},
                   token({"roles": ["support", "sales"]}), **john)
    assert someone.status_code == 403
    # Every attempt is audited as a denial, with the reason.
    trail = post(policy_gateway, "get_audit_trail", {"agent": "agent-7", "limit": 1000},
                 token({"roles": ["admin"], "sub": "auditor"})).json()["data"]
    bola = [r for r in trail if r["decision"] == "deny" and "not owned by C000001" in r["reason"]]
    assert {r["tool"] for r in bola} == {"get_recent_transactions", "get_product_price"}
    assert all(r["status"] == 403 and r["on_behalf_of"] == "C000001" for r in bola)


def test_agent_attributes_from_the_token_drive_abac(policy_gateway: ServedApp) -> None:
    eu = token({"roles": ["analyst"], "region": "eu"})
    us = token({"roles": ["analyst"], "region": "us"})
    assert post(policy_gateway, *RECENT, eu).status_code == 200
    refused = post(policy_gateway, *RECENT, us)
    assert refused.status_code == 403 and "region" in refused.json()["error"]["message"]


def test_argument_conditions(policy_gateway: ServedApp) -> None:
    compliance = token({"roles": ["compliance"]})
    args = {"since": "2026-11-01", "limit": 1}
    assert post(policy_gateway, "find_large_transactions", {**args, "min_amount": "5000"},
                compliance).status_code == 200
    low = post(policy_gateway, "find_large_transactions", {**args, "min_amount": "500"},
               compliance)
    assert low.status_code == 403 and "at least 1000" in low.json()["error"]["message"]


def test_time_windows(policy_gateway: ServedApp) -> None:
    night = token({"roles": ["night"]})
    refused = post(policy_gateway, "get_transaction_summary",
                   {"account_id": "1000000001", "month": "2026-11"}, night)
    assert refused.status_code == 403 and "outside" in refused.json()["error"]["message"]
    weekdays = TimeWindow(days="mon-fri", hours="07:00-19:00", tz="Europe/Berlin")
    assert weekdays.contains(datetime(2026, 12, 4, 9, 0, tzinfo=UTC))  # Fri 10:00 Berlin
    assert not weekdays.contains(datetime(2026, 12, 5, 9, 0, tzinfo=UTC))  # Saturday
    assert not weekdays.contains(datetime(2026, 12, 4, 18, 30, tzinfo=UTC))  # 19:30 Berlin
    assert TimeWindow(days="fri-mon").contains(datetime(2026, 12, 7, 1, tzinfo=UTC))  # Monday


def test_sales_never_sees_full_account_numbers(policy_gateway: ServedApp) -> None:
    sales = post(policy_gateway, *RECENT, token({"roles": ["sales"]})).json()
    admin = post(policy_gateway, *RECENT, token({"roles": ["admin"]})).json()
    assert sales["data"][0]["account_id"] == "******0001"
    assert admin["data"][0]["account_id"] == "1000000001"
    assert sales["data"][0]["transaction_id"] == admin["data"][0]["transaction_id"]


def test_api_keys_still_work_beside_jwt(policy_gateway: ServedApp) -> None:
    with policy_gateway.client("admin") as client:
        assert client.post("/tools/list_products", json={}).status_code == 200
