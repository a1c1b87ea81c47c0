"""Guest Manager: ticket orders walked through the checkout state machine.

The package's declaration; the client is in ``client.py``, imported when first used.
"""

from bookctl.core.provider import WAIT, BuiltinProfile, ProviderSpec, StageOption

SPEC = ProviderSpec(
    key="guestmanager",
    title="Guest Manager",
    client="bookctl.providers.guestmanager.client:GuestManager",
    sandbox_prefix="/guestmanager",
    builtin_profiles=(BuiltinProfile("sandbox-guestmanager"),),
    lacks={"availability": "the catalogue shows what is on sale"},
    customer_fields=("email", "first_name", "last_name", "phone"),
    stages={
        "products": (),
        "availability": (),
        "basket add": (
            StageOption("ticket_type", "Ticket type id.", metavar="ID"),
            StageOption("qty", "Quantity.", kind="int"),
        ),
        "checkout": (
            StageOption("email", metavar="EMAIL"),
            StageOption("first_name", metavar="NAME"),
            StageOption("last_name", metavar="NAME"),
            StageOption("phone", metavar="PHONE"),
            StageOption(
                "answers_file",
                "JSON answers for the steps.",
                kind="path",
                metavar="FILE",
                column=False,
            ),
            StageOption("payment_token", "Payment token (never card data).", metavar="TOKEN"),
            StageOption(
                "payment_method", "Id of one of the order's payment_methods.", metavar="ID"
            ),
            StageOption("step", "Run one transition and stop.", kind="flag", column=False),
            WAIT,
        ),
    },
    batch_adapter="bookctl.providers.guestmanager.batch:Adapter",
    smoke_plan="bookctl.providers.guestmanager.smoke:plan",
)
