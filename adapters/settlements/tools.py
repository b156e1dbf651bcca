"""Settlement tools: list the partners' batch files, read their transactions, submit payments."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator

from adapters.kit import Contract, Tool, ToolContext
from adapters.settlements.files import (
    FILE_ID_PATTERN,
    OUTBOUND_FOLDER,
    OUTBOUND_PARTNER,
    PARTNERS,
    SYSTEM,
    business_date,
    decode_settlement,
    parse_file_id,
    payment_spec,
    transaction,
)
from bridges.errors import NotFound
from bridges.records import encode_batch
from bridges.records.framing import frame
from bridges.sftp import RemoteFile, list_folder, read_file, upload
from canonical import CanonicalModel, Money
from canonical.entities.batch import BatchFileV1, BatchSubmissionV1

AccountId = Annotated[str, Field(pattern=r"^\d{10}$", description="10-digit account number")]


async def _listing(ctx: ToolContext, folder: str) -> list[RemoteFile]:
    files = await list_folder(ctx.bridge(SYSTEM), folder)
    return [f for f in files if f.name.endswith(".DAT") and not f.name.startswith(".")]


def _entry(partner: str, file: RemoteFile, direction: Literal["inbound", "outbound"]) -> (
    BatchFileV1
):
    return BatchFileV1(file_id=f"{partner}/{file.name}", partner=partner, name=file.name,
                       direction=direction,
                       business_date=business_date(file.name), size_bytes=file.size,
                       modified_at=datetime.fromtimestamp(file.mtime, UTC))


class ListBatchFilesParams(BaseModel):
    date: dt.date | None = Field(default=None, description="Only files of this business day")


class ListBatchFiles(Tool[ListBatchFilesParams]):
    name = "list_batch_files"
    description = ("Settlement batch files the partners sent (inbound) and payment batches "
                   "we sent them (outbound), optionally for one business day.")
    Params = ListBatchFilesParams
    returns = "batch_file@1"
    many = True
    system = SYSTEM
    contract = Contract(happy={}, no_not_found="a listing: an empty day is an empty list",
                        volatile=("data.*.modified_at",))
    cache_ttl_s = 10.0

    async def run(self, params: ListBatchFilesParams, ctx: ToolContext) -> list[CanonicalModel]:
        entries: list[CanonicalModel] = []
        for partner, facts in PARTNERS.items():
            entries += [_entry(partner, f, "inbound") for f in await _listing(ctx, facts.folder)]
        entries += [_entry(OUTBOUND_PARTNER, f, "outbound")
                    for f in await _listing(ctx, OUTBOUND_FOLDER)]
        if params.date is not None:
            entries = [e for e in entries
                       if isinstance(e, BatchFileV1) and e.business_date == params.date]
        return entries


class BatchTransactionsParams(BaseModel):
    file_id: str | None = Field(default=None, pattern=FILE_ID_PATTERN,
                                examples=["clearing/STL_CLEARING_20261130.DAT"],
                                description="A file from list_batch_files")
    date: dt.date | None = Field(default=None,
                                 description="Or: every partner's file of this day")
    account_id: AccountId | None = None

    @model_validator(mode="after")
    def _one_source(self) -> BatchTransactionsParams:
        if (self.file_id is None) == (self.date is None):
            raise ValueError("give exactly one of file_id and date")
        return self


class GetBatchTransactions(Tool[BatchTransactionsParams]):
    name = "get_batch_transactions"
    description = ("Transactions settled in a partner's nightly batch file (by file id or "
                   "business day), control totals verified; optionally one account's only.")
    Params = BatchTransactionsParams
    returns = "transaction@1"
    many = True
    system = SYSTEM
    contract = Contract(
        happy={"file_id": "clearing/STL_CLEARING_20261126.DAT"},
        not_found={"file_id": "clearing/STL_CLEARING_19990101.DAT"})
    cache_ttl_s = 0.0  # compliance reads the file as it is now
    timeout_s = 30.0

    async def _files(self, params: BatchTransactionsParams, ctx: ToolContext) -> (
        list[tuple[str, str]]
    ):
        if params.file_id is not None:
            partner, name = parse_file_id(params.file_id)
            if partner not in PARTNERS or name not in {f.name for f in await _listing(
                    ctx, PARTNERS[partner].folder)}:
                raise NotFound(f"batch file {params.file_id} not found", system=SYSTEM)
            return [(partner, name)]
        found = [(partner, f.name) for partner, facts in PARTNERS.items()
                 for f in await _listing(ctx, facts.folder)
                 if business_date(f.name) == params.date]
        if not found:
            raise NotFound(f"no settlement files for {params.date}", system=SYSTEM)
        return found

    async def run(self, params: BatchTransactionsParams, ctx: ToolContext) -> (
        list[CanonicalModel]
    ):
        out: list[CanonicalModel] = []
        for partner, name in await self._files(params, ctx):
            data = await read_file(ctx.bridge(SYSTEM), PARTNERS[partner].folder, name)
            records, reader = decode_settlement(partner, data)
            for bad in reader.quarantined:
                problem = bad.problem()["errors"][0]
                ctx.warn(f"{partner}/{name} record {bad.index} quarantined: field "
                         f"{problem['field']}: {problem['reason']}")
            if reader.totals.status != "verified":
                ctx.warn(f"{partner}/{name} control totals: {reader.totals.status}")
            out += [transaction(r) for r in records
                    if params.account_id in (None, r.values["STL-ACCT-NO"])]
        return out


class Payment(BaseModel):
    debtor_account: AccountId
    creditor_name: str = Field(min_length=1, max_length=35)
    creditor_iban: str = Field(pattern=r"^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$")
    amount: Decimal = Field(gt=0, max_digits=15, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: str = Field(default="", max_length=35, pattern=r"^[A-Za-z0-9 /?:().,'+-]*$")
    execution_date: date


class SubmitPaymentBatchParams(BaseModel):
    payments: list[Payment] = Field(min_length=1, max_length=1000)
    idempotency_key: str = Field(pattern=r"^[A-Za-z0-9_.:-]{8,64}$",
                                 description="Same key, same batch: a retry never pays twice")


class SubmitPaymentBatch(Tool[SubmitPaymentBatchParams]):
    name = "submit_payment_batch"
    description = ("Send a batch of payments to the clearing house as one EBCDIC payment "
                   "file (written atomically); returns the batch id and control totals.")
    Params = SubmitPaymentBatchParams
    returns = "batch_submission@1"
    system = SYSTEM
    contract = Contract(
        happy={"payments": [{"debtor_account": "1000000001", "creditor_name": "ACME Supplies",
                             "creditor_iban": "DE89370400440532013000", "amount": "1000.00",
                             "currency": "EUR", "execution_date": "2026-12-07"}],
               "idempotency_key": "contract-pay-0001"},
        no_not_found="looks nothing up: the clearing house checks the file after delivery",
        volatile=("data.sha256", "data.submitted_at"))
    idempotent = False
    idempotency_key = "idempotency_key"
    timeout_s = 30.0

    async def run(self, params: SubmitPaymentBatchParams, ctx: ToolContext) -> CanonicalModel:
        # Derived from the key, so even a replay the gateway missed rewrites the same file.
        batch_id = "PB" + hashlib.sha256(
            f"{ctx.agent}\x00{params.idempotency_key}".encode()).hexdigest()[:16].upper()
        now = ctx.now()
        details: list[Mapping[str, Any]] = [
            {"PAY-SEQ-NO": i, "PAY-DEBTOR-ACCT": p.debtor_account,
             "PAY-CREDITOR-NAME": p.creditor_name, "PAY-CREDITOR-IBAN": p.creditor_iban,
             "PAY-AMOUNT": p.amount, "PAY-CURRENCY": p.currency, "PAY-REFERENCE": p.reference,
             "PAY-EXEC-DATE": int(p.execution_date.strftime("%Y%m%d"))}
            for i, p in enumerate(params.payments, 1)]
        spec = payment_spec()
        records, totals = encode_batch(
            spec, details, header={"PAY-BATCH-ID": batch_id,
                                   "PAY-CREATED": now.strftime("%Y-%m-%dT%H:%M:%SZ")})
        data = b"".join(frame(records, spec.format))
        name = f"PAY_{batch_id}.DAT"
        done = await upload(ctx.bridge(SYSTEM), OUTBOUND_FOLDER, name, data)
        sums: dict[str, Decimal] = defaultdict(Decimal)
        for p in params.payments:
            sums[p.currency] += p.amount
        return BatchSubmissionV1(
            batch_id=batch_id, file_id=f"{OUTBOUND_PARTNER}/{name}", partner=OUTBOUND_PARTNER,
            record_count=totals.details, hash_total=totals.amount,
            totals=[Money(amount=v, currency=c) for c, v in sorted(sums.items())],
            size_bytes=done.size, sha256=done.sha256, submitted_at=now)


TOOLS = [ListBatchFiles, GetBatchTransactions, SubmitPaymentBatch]
