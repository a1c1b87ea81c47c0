"""Bookinglayer (public API v2): products, packages, availability, prices, carts.

The package's declaration; the client is in ``client.py``, imported when first used.
"""

from bookctl.core.provider import BODY_FILE, BuiltinProfile, ProviderSpec, StageOption

#: The customer object of the checkout, in the document's order.
CUSTOMER_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "email",
    "gender",
    "language_code",
    "birth_date",
    "phone_countrycode",
    "phone",
    "address_line_1",
    "address_line_2",
    "city",
    "state",
    "zipcode",
    "country",
)

_CUSTOMER_HELP = {
    "first_name": ("", "NAME"),
    "last_name": ("", "NAME"),
    "email": ("", "EMAIL"),
    "gender": ("m or f.", "G"),
    "language_code": ("Two letters, e.g. en.", "LANG"),
    "birth_date": ("YYYY-MM-DD.", "DATE"),
    "phone_countrycode": ("e.g. 61.", "N"),
    "phone": ("", "PHONE"),
    "address_line_1": ("", "TEXT"),
    "address_line_2": ("", "TEXT"),
    "city": ("", "TEXT"),
    "state": ("", "TEXT"),
    "zipcode": ("", "TEXT"),
    "country": ("In English, e.g. Australia.", "NAME"),
}

_DATES = "YYYY-MM-DD, today, tomorrow, +7d, +2w, next-wed, next-wed+1w (UTC)"

SPEC = ProviderSpec(
    key="bookinglayer",
    title="Bookinglayer",
    client="bookctl.providers.bookinglayer.client:Bookinglayer",
    sandbox_prefix="/bookinglayer/api/pub/v2",
    builtin_profiles=(BuiltinProfile("sandbox"),),
    lacks={"poll": "a booking is settled at checkout"},
    customer_fields=CUSTOMER_FIELDS,
    stages={
        "products": (
            StageOption("type"),
            StageOption("location"),
            StageOption("language"),
        ),
        "availability": (
            StageOption("start_date"),
            StageOption("end_date"),
            StageOption("type"),
            StageOption("category"),
        ),
        "basket add": (
            StageOption("package", "Package id.", metavar="ID"),
            StageOption("start_date", f"Start date: {_DATES}.", metavar="DATE"),
            StageOption("end_date", "End date, in the same forms as --start-date.", metavar="DATE"),
            StageOption("accommodation", "Accommodation id.", metavar="ID"),
            StageOption(
                "guest",
                "FIRST,LAST,GENDER then optionally ,EMAIL,BIRTH_DATE,LANG; repeat per guest.",
                kind="list",
                metavar="SPEC",
            ),
            StageOption(
                "item",
                "PKG_ITEM_ID:DATE[ HH:MM][,DATE...]; repeatable.",
                kind="list",
                metavar="SPEC",
            ),
            StageOption("currency", "ISO 4217 currency code.", metavar="CODE"),
            BODY_FILE,
        ),
        "checkout": (
            StageOption("accept_terms", "Accept the business' terms.", kind="flag"),
            StageOption(
                "customer_file",
                "JSON object of customer fields.",
                kind="path",
                metavar="FILE",
                column=False,
            ),
            *(
                StageOption(name, _CUSTOMER_HELP[name][0], metavar=_CUSTOMER_HELP[name][1])
                for name in CUSTOMER_FIELDS
            ),
            StageOption("newsletter", "Opt in to the newsletter.", kind="flag"),
        ),
    },
    batch_adapter="bookctl.providers.bookinglayer.batch:Adapter",
    smoke_plan="bookctl.providers.bookinglayer.smoke:plan",
)
