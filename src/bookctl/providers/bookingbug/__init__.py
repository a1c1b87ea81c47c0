"""BookingBug (REST API v1): events, baskets and wallet checkout.

The package's declaration; the client is in ``client.py``, imported when first used.
"""

from bookctl.core.provider import BuiltinProfile, ProviderSpec, StageOption

#: The nine documented add_item parameters, in the document's order.
ADD_ITEM_PARAMS: tuple[str, ...] = (
    "event_id",
    "member_id",
    "event_chain_id",
    "service_id",
    "product_id",
    "attachment_id",
    "deal_id",
    "package_id",
    "bulk_purchase_id",
)

_ADD_ITEM = {
    "event_id": StageOption("event_id", "Event id.", metavar="ID"),
    "member_id": StageOption("member_id", "Member (client) id.", metavar="ID"),
    "event_chain_id": StageOption("event_chain_id", "Event chain id.", metavar="ID"),
    "service_id": StageOption("service_id", "Service id.", word="service", metavar="ID"),
    "product_id": StageOption("product_id", "Product id.", word="product", metavar="ID"),
    "attachment_id": StageOption("attachment_id", "Attachment id.", metavar="ID"),
    "deal_id": StageOption("deal_id", "Deal (discount) id.", metavar="ID"),
    "package_id": StageOption("package_id", "Package id.", word="package", metavar="ID"),
    "bulk_purchase_id": StageOption("bulk_purchase_id", "Bulk purchase id.", metavar="ID"),
}

SPEC = ProviderSpec(
    key="bookingbug",
    title="BookingBug",
    client="bookctl.providers.bookingbug.client:BookingBug",
    sandbox_prefix="/bookingbug/api/v1",
    builtin_profiles=(
        BuiltinProfile("sandbox-bookingbug", {"company_id": "37000", "app_id": "bookctl-sandbox"}),
    ),
    lacks={
        "cart extend": "every add re-arms the hold",
        "poll": "a purchase is settled at checkout",
    },
    profile_fields=("company_id", "app_id"),
    secret_headers=frozenset({"authorization", "app-key", "auth-token"}),
    stages={
        "products": (),
        "availability": (StageOption("start_date"), StageOption("end_date")),
        "basket add": tuple(_ADD_ITEM[name] for name in ADD_ITEM_PARAMS),
        "checkout": (
            StageOption("member_id", "Member paying.", metavar="ID"),
            StageOption(
                "take_from_wallet",
                "Pay from the member's wallet.",
                kind="switch",
                switch="--take-from-wallet/--no-wallet",
            ),
        ),
    },
    batch_adapter="bookctl.providers.bookingbug.batch:Adapter",
    smoke_plan="bookctl.providers.bookingbug.smoke:plan",
)
