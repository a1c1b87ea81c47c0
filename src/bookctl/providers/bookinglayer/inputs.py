"""Bookinglayer's rules for what a booking asks for: guests, package dates, items, customer.

The request bodies of ``bookings/add`` and ``checkout`` are built here from stage options, and
the same small checks serve a batch row (``batch.py``), which checks them without building the
bodies. Nothing here imports pydantic or httpx, so ``batch validate`` does not pay for them.
``today`` is the day relative dates count from (worked out once per batch run); None is now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bookctl.core import validate
from bookctl.core.errors import UsageError
from bookctl.providers.bookinglayer import CUSTOMER_FIELDS

GENDERS = ("m", "f")
#: Customer fields with a form to check beyond being given.
_FORMED = frozenset({"gender", "birth_date", "language_code", "phone_countrycode"})


def parse_guest(spec: str, today: dt.date | None = None) -> dict[str, Any]:
    """``FIRST,LAST,GENDER[,EMAIL[,BIRTH_DATE[,LANGUAGE]]]`` as a guest object."""
    return guest_of([p.strip() for p in spec.split(",")], spec, today)


def guest_of(parts: list[str], spec: str, today: dt.date | None = None) -> dict[str, Any]:
    """A guest spec's stripped fields (``spec`` split on commas) as a guest object."""
    if len(parts) < 3 or not parts[0] or not parts[1]:
        raise UsageError(
            f"--guest {spec!r}: expected FIRST,LAST,GENDER[,EMAIL[,BIRTH_DATE[,LANGUAGE]]]",
            hint='e.g. --guest "Oliver,Nicholson,m,ollie@example.com"',
        )
    gender = parts[2].lower()
    if gender not in GENDERS:
        raise UsageError(
            f"--guest {spec!r}: gender must be m or f, not {parts[2]!r}",
            hint="Bookinglayer needs a gender for every guest",
        )
    guest: dict[str, Any] = {"first_name": parts[0], "last_name": parts[1], "gender": gender}
    if len(parts) > 3 and parts[3]:
        guest["email"] = validate.check_email(parts[3], "--guest email")
    if len(parts) > 4 and parts[4]:
        guest["birth_date"] = validate.parse_date(
            parts[4], "--guest birth date", allow_past=True, today=today
        ).isoformat()
    if len(parts) > 5 and parts[5]:
        guest["language_code"] = validate.check_language(parts[5], "--guest language")
    if len(parts) > 6:
        raise UsageError(f"--guest {spec!r}: too many fields")
    return guest


def parse_guests(specs: Iterable[str], today: dt.date | None = None) -> list[dict[str, Any]]:
    """The ``--guest`` specs as guest objects: at least one."""
    guests = [parse_guest(g, today) for g in specs]
    if not guests:
        raise UsageError(
            "basket add needs at least one --guest",
            hint='e.g. --guest "Oliver,Nicholson,m,ollie@example.com"',
        )
    return guests


def check_unique_emails(guests: list[dict[str, Any]]) -> None:
    if len(guests) < 2:
        return
    emails = [str(g["email"]).lower() for g in guests if g.get("email")]
    if len(emails) != len(set(emails)):
        raise UsageError(
            "two guests have the same email", hint="each guest's email must be unique in a cart"
        )


def check_stay(start: dt.date, end: dt.date) -> None:
    """A package's dates: at least one night (the range itself is checked in order)."""
    if end == start:
        raise UsageError("--end-date must be after --start-date")


def parse_item(spec: str, today: dt.date | None = None) -> dict[str, Any]:
    """``PKG_ITEM_ID:DATE[ TIME][,DATE[ TIME]...]`` as a package item."""
    head, sep, rest = spec.partition(":")
    if not sep or not head.strip().isdigit() or not rest.strip():
        raise UsageError(
            f"--item {spec!r}: expected PKG_ITEM_ID:DATE[ TIME],...",
            hint='e.g. --item "400:next-mon+1d 10:30,next-mon+3d 15:00"',
        )
    dates = []
    for chunk in rest.split(","):
        date_text, _, time_text = chunk.strip().partition(" ")
        day = validate.parse_date(date_text, "--item date", today=today).isoformat()
        if time_text.strip():
            dates.append(f"{day} {validate.parse_time(time_text, '--item time')}:00")
        else:
            dates.append(day)
    return {"package_item_id": int(head), "dates": dates}


def currency_of(options: Mapping[str, Any], body: dict[str, Any]) -> str:
    """The booking's currency: the option, else the body's, else EUR."""
    # The document's package-prices example names it currency_id; bookings/add says currency.
    currency = options.get("currency") or body.get("currency") or body.pop("currency_id", None)
    return validate.check_currency(str(currency or "EUR"))


def _check_add_body(body: Any) -> dict[str, Any]:
    """Light structural checks of a documented ``bookings/add`` body from ``--file``."""
    if not isinstance(body, dict) or not isinstance(body.get("guests"), list) or not body["guests"]:
        raise UsageError(
            "--file: the body needs a non-empty 'guests' array",
            hint="see the 'Adding Items to the Cart' example in docs/providers.md",
        )
    for index, guest in enumerate(body["guests"], 1):
        if not isinstance(guest, dict) or not isinstance(guest.get("package"), dict):
            raise UsageError(f"--file: guest {index} needs a 'package' object")
        for name in ("first_name", "last_name", "gender"):
            if not guest.get(name):
                raise UsageError(f"--file: guest {index} has no {name}")
        if str(guest["gender"]).lower() not in GENDERS:
            raise UsageError(f"--file: guest {index} gender must be m or f")
        if guest.get("email"):
            validate.check_email(str(guest["email"]), f"--file guest {index} email")
    return body


def build_add_body(
    options: Mapping[str, Any], cart_id: str | None, today: dt.date | None = None
) -> dict[str, Any]:
    """The ``POST /bookings/add`` body from CLI options, from ``--file``, or given as ``body``.

    ``body`` is an already parsed documented body (a batch file's row).
    """
    file = options.get("file")
    if options.get("body") is not None:
        body = dict(_check_add_body(options["body"]))
    elif file is not None:
        body = dict(_check_add_body(validate.read_json_file(Path(file), "--file")))
    else:
        package = options.get("package")
        if package is None:
            raise UsageError(
                "basket add needs --package (or --file with a documented body)",
                hint="find packages with 'bookctl products --type package'",
            )
        guests = parse_guests(options.get("guest") or [], today)
        start, end = validate.parse_date_range(
            options.get("start_date"),
            options.get("end_date"),
            start_param="--start-date",
            end_param="--end-date",
            allow_past=False,
            today=today,
        )
        if start is None or end is None:
            raise UsageError("basket add needs --start-date and --end-date")
        check_stay(start, end)
        items = [parse_item(i, today) for i in options.get("item") or []]
        package_body: dict[str, Any] = {
            "id": int(package),
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "items": items,
        }
        if options.get("accommodation") is not None:
            package_body["accommodation_id"] = int(options["accommodation"])
        body = {"guests": [{**g, "package": dict(package_body)} for g in guests]}
    check_unique_emails(body["guests"])
    body["currency"] = currency_of(options, body)
    if cart_id is not None:
        body["cart_id"] = cart_id
    return body


def check_customer(customer: Mapping[str, Any], today: dt.date | None = None) -> None:
    """The checkout's customer fields: name and email given, each field well formed."""
    for name in ("first_name", "last_name", "email"):
        if not customer.get(name):
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"checkout needs the customer's {name.replace('_', ' ')}",
                hint=f"pass {flag} or put it in --customer-file",
            )
    validate.check_email(str(customer["email"]), "customer email")
    if _FORMED.isdisjoint(customer):
        return
    if customer.get("gender") and str(customer["gender"]).lower() not in GENDERS:
        raise UsageError("customer gender must be m or f")
    if customer.get("birth_date"):
        validate.parse_date(
            str(customer["birth_date"]), "customer birth_date", allow_past=True, today=today
        )
    if customer.get("language_code"):
        validate.check_language(str(customer["language_code"]), "customer language_code")
    if customer.get("phone_countrycode") is not None:
        phone_countrycode(customer["phone_countrycode"])


def phone_countrycode(value: Any) -> int:
    code = str(value).lstrip("+")
    if not code.isdigit():
        raise UsageError("customer phone_countrycode must be a number such as 61")
    return int(code)


def check_terms(options: Mapping[str, Any]) -> None:
    if not options.get("accept_terms"):
        raise UsageError(
            "checkout needs --accept-terms",
            hint="read the terms with 'bookctl settings', then pass --accept-terms",
        )


def build_checkout_body(options: Mapping[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    check_terms(options)
    customer: dict[str, Any] = {}
    if options.get("customer_file") is not None:
        data = validate.read_json_file(Path(options["customer_file"]), "--customer-file")
        if isinstance(data, dict) and isinstance(data.get("customer"), dict):
            data = data["customer"]
        if not isinstance(data, dict):
            raise UsageError("--customer-file must hold a JSON object of customer fields")
        unknown = sorted(set(data) - set(CUSTOMER_FIELDS))
        if unknown:
            raise UsageError(
                f"--customer-file: unknown field(s) {', '.join(unknown)}",
                hint=f"known fields: {', '.join(CUSTOMER_FIELDS)}",
            )
        customer.update(data)
    for name in CUSTOMER_FIELDS:
        if options.get(name) is not None:
            customer[name] = options[name]
    check_customer(customer, today)
    if customer.get("phone_countrycode") is not None:
        customer["phone_countrycode"] = phone_countrycode(customer["phone_countrycode"])
    return {
        "terms_accepted": True,
        "newsletter_opt_in": bool(options.get("newsletter")),
        "customer": customer,
    }
