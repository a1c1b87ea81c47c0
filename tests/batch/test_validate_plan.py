"""``batch validate`` and ``batch run`` read a file through one parser compiled from its
header: what each row becomes, and each reason a row is refused, are pinned here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bookctl.batch.adapters import Invalid, Plan, RowIds, Rules, adapter_for, iter_plans
from bookctl.core.bulk import ColumnAdapter
from bookctl.providers import CATALOGUE
from tests.batch.helpers import HEADER, csv_row, write_csv
from tests.conftest import TODAY, Cli, Clock


def _plans(path: Path, provider: str = "bookinglayer", fmt: str = "csv") -> list[Plan | Invalid]:
    return list(iter_plans(path, fmt, adapter_for(CATALOGUE.spec(provider)), Rules()))


def _one(tmp_path: Path, header: str, row: str) -> Plan | Invalid:
    path = tmp_path / "b.csv"
    path.write_text(f"{header}\n{row}\n")
    [item] = _plans(path)
    return item


def test_a_row_becomes_the_same_options_and_digest_as_before(tmp_path: Path) -> None:
    """The journal keys a row by its digest: a file journalled by an earlier bookctl resumes."""
    item = _one(tmp_path, HEADER, csv_row(0))
    assert isinstance(item, Plan)
    assert item.add == {
        "package": "450",
        "start_date": "2027-03-12",
        "end_date": "2027-03-13",
        "guest": ["Ann,Lee0,f,ann0@example.com"],
    }
    assert item.checkout == {
        "accept_terms": True,
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann0@example.com",
        "phone": "403 201 767",
    }
    assert item.digest == "4d979139c4b0d79a"


def test_relative_dates_and_several_guests(tmp_path: Path) -> None:
    header = "id,package,start_date,end_date,guest,item,accept_terms,first_name,last_name,email"
    row = 'r1,450,+2d,next-fri+1w,"Bob,Roe,m,b@x.io;Cy,Do,f",400:+3d 10:30,yes,Zed,Q,z@q.io'
    item = _one(tmp_path, header, row)
    assert isinstance(item, Plan), item
    assert (item.add["start_date"], item.add["end_date"]) == ("2027-03-12", "2027-03-19")
    assert item.add["guest"] == ["Bob,Roe,m,b@x.io", "Cy,Do,f"]
    assert item.add["item"] == ["400:+3d 10:30"]


GUEST_HEADER = (
    "id,package,start_date,end_date,guest,guest_first_name,guest_last_name,guest_gender,"
    "guest_email,first_name,customer_first_name,customer_last_name,customer_email,item,items,"
    "accept_terms"
)


def _guest_row(**cells: str) -> str:
    values = {
        "id": "r1", "package": "450", "start_date": "2027-03-12", "end_date": "2027-03-13",
        "guest": "", "guest_first_name": "Ann", "guest_last_name": "Lee", "guest_gender": "f",
        "guest_email": "ann@example.com", "first_name": "", "customer_first_name": "Ann",
        "customer_last_name": "Lee", "customer_email": "ann@example.com", "item": "",
        "items": "", "accept_terms": "yes",
    }  # fmt: skip
    values.update(cells)
    return ",".join(
        f'"{v}"' if "," in v or ";" in v else v
        for v in (values[c] for c in GUEST_HEADER.split(","))
    )


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"guest_first_name": "A,n"}, "guest_first_name: 'A,n' may not contain a comma"),
        ({"guest_last_name": "", "guest_gender": ""}, "missing guest_last_name, guest_gender"),
        ({"guest": "Bob,Roe,m"}, "give the guest as guest or as guest_* columns, not both"),
        ({"first_name": "Zed"}, "give first_name or customer_first_name, not both"),
        ({"item": "400:+3d", "items": "400:+4d"}, "give item or items, not both"),
        (
            {
                "package": "",
                "guest_first_name": "",
                "guest_last_name": "",
                "guest_gender": "",
                "guest_email": "",
                "customer_email": "",
            },
            "missing package, guest_first_name, guest_last_name, guest_gender (or guest), "
            "customer_email",
        ),
        ({"accept_terms": "maybe"}, "accept_terms: 'maybe' is not true or false"),
        ({"accept_terms": "no"}, "accept_terms is false: the terms must be accepted to book"),
        ({"start_date": "2027-02-30"}, "start_date: '2027-02-30' is not a date"),
        ({"start_date": "yesterday"}, "start_date: yesterday (2027-03-09) is in the past"),
        ({"end_date": "2027-03-11"}, "end_date 2027-03-11 is before start_date 2027-03-12"),
        ({"end_date": "2027-03-12"}, "--end-date must be after --start-date"),
        ({"package": "²"}, "package: '²' is not an id (a whole number)"),
        ({"guest_gender": "x"}, "--guest 'Ann,Lee,x,ann@example.com': gender must be m or f"),
        ({"guest_email": "bad"}, "--guest email: 'bad' is not an email address"),
        ({"guest_email": "a@b.io;c"}, "--guest 'c': expected FIRST,LAST,GENDER"),
        ({"items": "400:bad"}, "--item date: 'bad' is not a date"),
        ({"customer_email": "nope"}, "customer email: 'nope' is not an email address"),
    ],
)
def test_each_reason_a_bookinglayer_row_is_refused(
    tmp_path: Path, cells: dict[str, str], reason: str
) -> None:
    item = _one(tmp_path, GUEST_HEADER, _guest_row(**cells))
    assert isinstance(item, Invalid), item
    assert item.reason.startswith(reason), item.reason


def test_the_guest_columns_and_the_guest_column_read_alike(tmp_path: Path) -> None:
    by_columns = _one(tmp_path, GUEST_HEADER, _guest_row())
    by_guest = _one(
        tmp_path,
        GUEST_HEADER,
        _guest_row(
            guest="Ann,Lee,f,ann@example.com",
            guest_first_name="",
            guest_last_name="",
            guest_gender="",
            guest_email="",
        ),
    )
    assert isinstance(by_columns, Plan) and isinstance(by_guest, Plan)
    assert by_columns.add == by_guest.add and by_columns.digest == by_guest.digest


def test_the_day_is_read_once_per_run(tmp_path: Path, clock: Clock) -> None:
    """A run that crosses midnight judges its last rows by the day it started on."""
    rows = {n: csv_row(n, start=TODAY.isoformat()) for n in range(3)}
    path = write_csv(tmp_path / "b.csv", 3, bad=rows)
    items = iter_plans(path, "csv", adapter_for(CATALOGUE.spec("bookinglayer")), Rules())
    first = next(items)
    clock.move_to(TODAY + dt.timedelta(days=1))  # read again, TODAY would be in the past
    rest = list(items)
    assert all(isinstance(i, Plan) for i in [first, *rest]), [first, *rest]


def test_duplicate_ids_name_the_first_line_however_many_ids_came_before(
    tmp_path: Path,
) -> None:
    lines = [HEADER, *(csv_row(n) for n in range(3000)), csv_row(0), csv_row(2999)]
    path = tmp_path / "b.csv"
    path.write_text("\n".join(lines) + "\n")
    invalid = [i for i in _plans(path) if isinstance(i, Invalid)]
    assert [(i.line, i.reason) for i in invalid] == [
        (3002, "id 'r0' is also on line 2"),
        (3003, "id 'r2999' is also on line 3001"),
    ]


def test_row_ids_keep_each_first_line() -> None:
    ids = RowIds()
    assert [ids.first_line(f"id{n}", n) for n in range(5000)] == [None] * 5000
    assert [ids.first_line(f"id{n}", 99999) for n in (0, 511, 512, 4999)] == [0, 511, 512, 4999]
    assert ids.first_line("new", 7) is None


def test_a_guestmanager_json_row_without_its_email_is_invalid_not_a_crash(
    tmp_path: Path,
) -> None:
    path = tmp_path / "b.jsonl"
    row = {"id": "g1", "add": {"ticket_type": 610}, "checkout": {"email": None, "first_name": "Jo",
           "last_name": "Ng"}}  # fmt: skip
    path.write_text(json.dumps(row) + "\n")
    [item] = _plans(path, "guestmanager", "jsonl")
    assert isinstance(item, Invalid) and item.reason == "missing email"


def test_one_row_parses_as_a_file_of_it_does(tmp_path: Path) -> None:
    adapter = adapter_for(CATALOGUE.spec("bookinglayer"))
    assert isinstance(adapter, ColumnAdapter)
    names = HEADER.split(",")
    row = dict(zip(names, csv_row(4).split(","), strict=True))
    [item] = _plans(write_csv(tmp_path / "b.csv", 5))[4:]
    assert isinstance(item, Plan)
    assert adapter.parse(row, "csv", Rules()) == (item.add, item.checkout)


def test_validate_reports_every_invalid_row(tmp_path: Path, cli: Cli) -> None:
    path = write_csv(tmp_path / "b.csv", 4, bad={1: csv_row(1, gender="x"), 3: csv_row(0)})
    result = cli("--json", "batch", "validate", str(path))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert (report["rows"], report["valid"]) == (4, 2)
    assert [(i["line"], i["id"]) for i in report["invalid"]] == [(3, "r1"), (5, "r0")]
    assert report["invalid"][1]["reason"] == "id 'r0' is also on line 2"
