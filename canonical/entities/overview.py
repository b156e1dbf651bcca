"""Customer overview: everything an agent needs about one customer, gathered from many systems."""

from __future__ import annotations

from typing import Literal

from canonical.base import CanonicalModel
from canonical.entities.account import AccountV1
from canonical.entities.balance import BalanceV1
from canonical.entities.customer import CustomerV2
from canonical.entities.loan import LoanV1
from canonical.entities.sanctions import SanctionsResultV1
from canonical.entities.transaction import TransactionV1
from canonical.registry import registry


@registry.register
class CustomerOverviewV1(CanonicalModel):
    """Parts that could not be fetched are empty here and listed in the ToolResult's errors."""

    entity = "customer_overview"
    schema_version = 1

    version: Literal[1] = 1
    customer: CustomerV2
    accounts: tuple[AccountV1, ...] = ()
    balances: tuple[BalanceV1, ...] = ()
    recent_transactions: tuple[TransactionV1, ...] = ()
    loans: tuple[LoanV1, ...] = ()
    sanctions: SanctionsResultV1 | None = None
