"""Product catalogue and real-time pricing, from the same legacy database (ODBC)."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from adapters.kit import Contract, Tool, ToolContext
from adapters.kit.sql import SqlTool, fetch_rows
from bridges.errors import NotFound
from bridges.odbc import ColumnType, Param, Row, Statement, char
from canonical import CanonicalModel, Money
from canonical.entities.product import PriceV1, ProductV1

SYSTEM = "bankdb"
CATEGORIES = {"ACC": "account", "SAV": "savings", "LON": "loan", "CRD": "card",
              "INS": "insurance"}
SEGMENTS = {"R": "retail", "P": "premium", "B": "business"}
LIKE_ESCAPE = "!"
CENT = Decimal("0.01")


def like_contains(text: str) -> str:
    """A LIKE pattern matching `text` literally: the caller's % and _ are not wildcards."""
    for ch in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(ch, LIKE_ESCAPE + ch)
    return f"%{text.upper()}%"


class ListProductsParams(BaseModel):
    category: Literal["account", "savings", "loan", "card", "insurance"] | None = None
    name_contains: str | None = Field(default=None, min_length=1, max_length=50,
                                      description="Case-insensitive text in the product name")
    include_inactive: bool = False


class ListProducts(SqlTool[ListProductsParams]):
    name = "list_products"
    description = "The bank's products, optionally by category or name."
    Params = ListProductsParams
    returns = "product@1"
    many = True
    system = SYSTEM
    contract = Contract(happy={"category": "loan"},
                        no_not_found="a filter: no match is an empty list")
    cache_ttl_s = 300.0
    statement = Statement(
        "SELECT PROD_CD, PROD_NAME, PROD_CAT, PROD_DESC, CCY_CD, ACTV_FLG FROM PRODMAST "
        "WHERE (? = '' OR PROD_CAT = ?) AND (? = '' OR UPPER(PROD_NAME) LIKE ? ESCAPE '!') "
        "AND (? = 'Y' OR ACTV_FLG = 'Y') ORDER BY PROD_CD",
        {"PROD_CD": ColumnType.CHAR, "PROD_NAME": ColumnType.CHAR, "PROD_CAT": ColumnType.CHAR,
         "CCY_CD": ColumnType.CHAR, "ACTV_FLG": ColumnType.CHAR})

    def bind(self, params: ListProductsParams) -> tuple[Param, ...]:
        codes = {v: k for k, v in CATEGORIES.items()}
        category = codes[params.category] if params.category else ""
        pattern = like_contains(params.name_contains) if params.name_contains else ""
        return (category, category, pattern, pattern, "Y" if params.include_inactive else "N")

    def to_canonical(self, row: Row, params: ListProductsParams) -> CanonicalModel:
        return ProductV1(product_code=row["PROD_CD"], name=row["PROD_NAME"],
                         category=CATEGORIES[row["PROD_CAT"]],
                         currency=row["CCY_CD"], description=row["PROD_DESC"],
                         active=row["ACTV_FLG"] == "Y")


class ProductPriceParams(BaseModel):
    product_code: str = Field(min_length=1, max_length=32, examples=["LN-PERS"])
    customer_id: str | None = Field(default=None, pattern=r"^C\d{6}$",
                                    description="Quote for this customer's segment")


PRICE = Statement(
    "SELECT p.PROD_CD, p.CCY_CD, p.ACTV_FLG, r.SEG_CD, r.INT_RATE, r.MTHLY_FEE, r.SETUP_FEE, "
    "r.DISC_PCT FROM PRODMAST p JOIN PRICETAB r ON r.PROD_CD = p.PROD_CD "
    "WHERE p.PROD_CD = ? AND r.SEG_CD = ?",
    {"PROD_CD": ColumnType.CHAR, "CCY_CD": ColumnType.CHAR, "ACTV_FLG": ColumnType.CHAR,
     "SEG_CD": ColumnType.CHAR, "INT_RATE": ColumnType.DECIMAL,
     "MTHLY_FEE": ColumnType.DECIMAL, "SETUP_FEE": ColumnType.DECIMAL,
     "DISC_PCT": ColumnType.DECIMAL})
CUSTOMER_SEGMENT = Statement("SELECT SEG_CD FROM CUSTMAST WHERE CUST_ID = ?",
                             {"SEG_CD": ColumnType.CHAR})


class GetProductPrice(Tool[ProductPriceParams]):
    name = "get_product_price"
    description = ("Real-time price of a product (rate, fees, discount), for a customer's "
                   "segment when a customer is given, else the list price. Never cached.")
    Params = ProductPriceParams
    returns = "price@1"
    system = SYSTEM
    contract = Contract(happy={"product_code": "LN-PERS", "customer_id": "C000001"},
                        not_found={"product_code": "NO-SUCH"}, volatile=("data.quoted_at",))
    cache_ttl_s = 0.0  # real-time pricing: a quote must never come from a cache

    async def segment_of(self, customer_id: str, ctx: ToolContext) -> str:
        rows = await fetch_rows(ctx, SYSTEM, CUSTOMER_SEGMENT, (char(customer_id, 8),), 1)
        if not rows:
            raise NotFound(f"customer {customer_id} not found", system=SYSTEM)
        segment: str = rows[0]["SEG_CD"]
        return segment

    async def run(self, params: ProductPriceParams, ctx: ToolContext) -> CanonicalModel:
        segment = await self.segment_of(params.customer_id, ctx) if params.customer_id else "R"
        rows = await fetch_rows(ctx, SYSTEM, PRICE, (char(params.product_code, 10), segment), 1)
        if not rows:
            raise NotFound(f"product {params.product_code} not found", system=SYSTEM)
        row = rows[0]
        if row["ACTV_FLG"] != "Y":
            ctx.warn(f"product {params.product_code} is closed to new customers")
        discount: Decimal = row["DISC_PCT"]
        currency = row["CCY_CD"]

        def fee(amount: Decimal) -> Money:
            return Money(amount=(amount * (100 - discount) / 100).quantize(CENT),
                         currency=currency)

        return PriceV1(
            product_code=row["PROD_CD"], customer_id=params.customer_id,
            segment=SEGMENTS[row["SEG_CD"]], interest_rate_pct=row["INT_RATE"],
            monthly_fee=fee(row["MTHLY_FEE"]), setup_fee=fee(row["SETUP_FEE"]),
            discount_pct=discount, quoted_at=ctx.now())


TOOLS = [ListProducts, GetProductPrice]
