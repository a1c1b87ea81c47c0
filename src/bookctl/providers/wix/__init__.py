"""Wix Bookings: services, sessions, bookings checked out with coupons, plans, locked sessions.

The package's declaration; the client is in ``client.py``, imported when first used.
"""

from bookctl.core.provider import WAIT, BuiltinProfile, ProviderSpec, StageOption

SPEC = ProviderSpec(
    key="wix",
    title="Wix Bookings",
    client="bookctl.providers.wix.client:Wix",
    sandbox_prefix="/wix/bookings/v1",
    builtin_profiles=(BuiltinProfile("sandbox-wix"),),
    lacks={
        "cart extend": "a booking awaiting checkout holds no spot and does not expire",
    },
    stages={
        "products": (),
        "availability": (StageOption("start_date"), StageOption("end_date")),
        "basket add": (
            StageOption("service_id", "Service id.", word="service", metavar="ID"),
            StageOption("session_id", "Session (slot) id.", word="session", metavar="ID"),
            StageOption(
                "contact_file", "JSON contact details.", kind="path", metavar="FILE", column=False
            ),
            StageOption("participants", "Quantity (participants).", word="qty", kind="int"),
            StageOption("rate_label", "Price option, e.g. general.", metavar="TEXT"),
        ),
        "checkout": (
            StageOption("booking", "Booking id; same as --cart.", metavar="ID", column=False),
            StageOption("coupon", "Coupon code.", metavar="CODE"),
            StageOption("plan", "Paid plan id.", metavar="ID"),
            StageOption("locked_session_key", "Key of a locked session.", metavar="KEY"),
            StageOption("notify", "Notify the participants.", kind="switch"),
            WAIT,
        ),
    },
    batch_adapter="bookctl.providers.wix.batch:Adapter",
    smoke_plan="bookctl.providers.wix.smoke:plan",
)
