"""The loans portal adapter: a legacy web app with no API, driven through headless Chromium."""

from typing import Any

from adapters.loans.tools import SYSTEM, TOOLS

PASSWORD_SECRET = "loans.password"  # noqa: S105 (the secret's name, not its value)


def system_config(base_url: str, username: str = "loanofficer", **settings: Any) -> (
    dict[str, Any]
):
    """The gateway's config for the portal at `base_url`: its sign-on page's facts."""
    return {"bridge": "browser", "base_url": base_url, **settings, "login": {
        "path": "/login", "username": username, "password_secret": PASSWORD_SECRET,
        "success_selector": "#menu", "failure_selector": "#error"}}


__all__ = ["PASSWORD_SECRET", "SYSTEM", "TOOLS", "system_config"]
