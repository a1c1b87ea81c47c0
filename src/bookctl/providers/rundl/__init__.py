"""Rundl: services and products checked out with tax, orders followed to their end.

The package's declaration; the client is in ``client.py``, imported when first used.
"""

from bookctl.core.provider import BODY_FILE, WAIT, BuiltinProfile, ProviderSpec, StageOption

SPEC = ProviderSpec(
    key="rundl",
    title="Rundl",
    client="bookctl.providers.rundl.client:Rundl",
    sandbox_prefix="/rundl/api",
    builtin_profiles=(BuiltinProfile("sandbox-rundl", {"account": "17357980"}),),
    lacks={
        "availability": "a checkout holds nothing",
        "cart extend": "a checkout holds nothing",
        "cart abandon": "no call cancels a checkout; it holds nothing",
    },
    profile_fields=("account",),
    stages={
        "products": (StageOption("service"),),
        "availability": (),
        "basket add": (
            StageOption("service", "Service id.", metavar="ID"),
            StageOption("product", "Product id; repeatable.", kind="list", metavar="ID"),
            StageOption("qty", "Quantity.", kind="int"),
            BODY_FILE,
        ),
        "checkout": (
            StageOption("payment_token", "Payment token (never card data).", metavar="TOKEN"),
            WAIT,
        ),
    },
    batch_adapter="bookctl.providers.rundl.batch:Adapter",
    smoke_plan="bookctl.providers.rundl.smoke:plan",
)
