"""Sales proposals by email: rendered from CRM and live pricing, delivered over SMTP (a job).

The customer's address and name come from the CRM, the offer from the bank database's
real-time price for the customer's segment; the mail relay is the `mail` system. Delivery is
retried while the relay says "not now" (4xx) or cannot be reached; every attempt carries the
same Message-ID, so a receiver can drop a duplicate if a reply was lost on the way back.
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from string import Template
from typing import Any

from pydantic import BaseModel, Field
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from adapters import crm
from adapters.kit import Contract, Tool, ToolContext
from adapters.kit.progress import report_progress
from adapters.kit.sql import fetch_rows
from adapters.products import GetProductPrice, ProductPriceParams
from bridges.errors import AuthError, ConnectError, NotFound
from bridges.odbc import ColumnType, Statement, char
from bridges.smtp import SentMail, TemporaryFault
from canonical import CanonicalModel
from canonical.entities.email import EmailDeliveryV1
from canonical.entities.product import PriceV1

SYSTEM = "mail"
PRODUCTS = "bankdb"
ATTEMPTS = 4
PRODUCT_NAME = Statement("SELECT PROD_NAME FROM PRODMAST WHERE PROD_CD = ?",
                         {"PROD_NAME": ColumnType.CHAR})
SUBJECT = Template("Your offer: $product")
BODY = Template("""Dear $name,

$message

Our offer for you: $product ($product_code)
  Interest rate: $rate
  Monthly fee:   $monthly_fee
  Setup fee:     $setup_fee
$discount
This quote was made on $quoted_at for the $segment segment and may change.
Reply to this message or call your adviser to go ahead.
""")


class SendProposalParams(BaseModel):
    customer_id: str = Field(pattern=r"^C\d{6}$", examples=["C000001"])
    product_code: str = Field(min_length=1, max_length=32, examples=["LN-PERS"])
    message: str = Field(min_length=1, max_length=2000,
                         description="The adviser's personal note, placed above the offer")


def money(value: Any) -> str:
    return f"{value.amount} {value.currency}" if value is not None else "none"


def render(name: str, product: str, price: PriceV1, note: str) -> tuple[str, str]:
    """(subject, plain-text body). The agent's text only ever lands in the body."""
    discount = (f"  Your discount: {price.discount_pct}% (already applied)\n"
                if price.discount_pct else "")
    body = BODY.substitute(
        name=name, message=note.strip(), product=product, product_code=price.product_code,
        rate=f"{price.interest_rate_pct}% a year" if price.interest_rate_pct else "none",
        monthly_fee=money(price.monthly_fee), setup_fee=money(price.setup_fee),
        discount=discount, quoted_at=price.quoted_at.date().isoformat(),
        segment=price.segment or "standard")
    return SUBJECT.substitute(product=product), body


def retry_delivery(exc: BaseException) -> bool:
    """The relay did not take the message: a temporary refusal, or no connection at all."""
    return isinstance(exc, TemporaryFault) or (
        isinstance(exc, ConnectError) and not isinstance(exc, AuthError))


class SendProposalEmail(Tool[SendProposalParams]):
    name = "send_proposal_email"
    description = ("Email a customer a personalised proposal for a product (live price for "
                   "their segment plus your note). Runs as a job: answers a job id at once; "
                   "the job's result carries the Message-ID.")
    Params = SendProposalParams
    returns = "email_delivery@1"
    system = SYSTEM
    contract = Contract(
        happy={"customer_id": "C000001", "product_code": "LN-PERS",
               "message": "As discussed, here is our offer."},
        not_found={"customer_id": "C999999", "product_code": "LN-PERS",
                   "message": "As discussed, here is our offer."},
        volatile=("data.message_id", "data.sent_at"), systems=("crm", PRODUCTS))
    long_running = True
    idempotent = False  # an email sent twice is a second email
    timeout_s = 120.0

    async def product_name(self, ctx: ToolContext, product_code: str) -> str:
        rows = await fetch_rows(ctx, PRODUCTS, PRODUCT_NAME, (char(product_code, 10),), 1)
        if not rows:
            raise NotFound(f"product {product_code} not found", system=PRODUCTS)
        name: str = rows[0]["PROD_NAME"]
        return name

    async def run(self, params: SendProposalParams, ctx: ToolContext) -> CanonicalModel:
        await report_progress(0.1, "looking up the customer")
        customer = await crm.contract(ctx).customer(ctx, params.customer_id)
        if not customer.email:
            raise NotFound(f"customer {params.customer_id} has no email address", system="crm")
        await report_progress(0.3, "pricing the offer")
        price = await GetProductPrice().run(ProductPriceParams(
            product_code=params.product_code, customer_id=params.customer_id), ctx)
        assert isinstance(price, PriceV1)
        product = await self.product_name(ctx, params.product_code)
        subject, body = render(f"{customer.first_name} {customer.last_name}".strip(),
                               product, price, params.message)
        mail = EmailMessage()
        mail["To"] = customer.email
        mail["Subject"] = subject
        # Short enough never to be folded: a folded header reads back with a leading space.
        mail["Message-ID"] = f"<proposal.{uuid.uuid4().hex}@mainbridge.local>"
        mail.set_content(body)
        sent, attempts = await self.deliver(ctx, mail)
        await report_progress(1.0, "delivered")
        return EmailDeliveryV1(message_id=sent.message_id, recipient=customer.email,
                               subject=subject, customer_id=params.customer_id,
                               product_code=params.product_code, attempts=attempts,
                               sent_at=ctx.now())

    async def deliver(self, ctx: ToolContext, mail: EmailMessage) -> tuple[SentMail, int]:
        attempt = 0
        async for attempt_state in AsyncRetrying(
                retry=retry_if_exception(retry_delivery), stop=stop_after_attempt(ATTEMPTS),
                wait=wait_exponential(multiplier=0.2, max=2.0), reraise=True):
            with attempt_state:
                attempt = attempt_state.retry_state.attempt_number
                await report_progress(0.6, f"delivering (attempt {attempt} of {ATTEMPTS})")
                sent: SentMail = await ctx.bridge(SYSTEM).exchange(mail)
        if attempt > 1:
            ctx.warn(f"the mail relay took the message on attempt {attempt}")
        return sent, attempt



def system_config(port: int, username: str, host: str = "127.0.0.1") -> dict[str, Any]:
    """The `mail` system's settings for a relay at host:port (password: `mail.password`)."""
    return {"bridge": "smtp", "host": host, "port": port, "username": username,
            "sender": "offers@bank.example", "timeout_s": 10.0}


TOOLS = [SendProposalEmail]
