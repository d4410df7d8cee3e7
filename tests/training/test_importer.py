"""The CSV import: all or nothing, every problem named by row and column, hostile files."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from toolkit.training import importer, services
from toolkit.training.models import Completion, Person, RoleGroup


@pytest.fixture
def people(make_person):
    return {
        "ada": make_person("Ada Lovelace", email="ada@opcc.test", employee_id="E001"),
        "alan": make_person("Alan Turing", email="alan@opcc.test", employee_id="E002"),
    }


def _csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


def _refused(data: bytes) -> list[str]:
    with pytest.raises(importer.ImportRefused) as caught:
        importer.check_csv(data, filename="export.csv")
    return caught.value.problems


def test_a_good_file_is_checked_then_imported(officer, people, course, today):
    day = today - timedelta(days=3)
    data = _csv(
        "Employee ID,Learner name,Course Title,Completion Date",
        f"E001,Ada Lovelace,Prevent awareness,{day:%d/%m/%Y}",
        f"E002,,prevent AWARENESS,{day.isoformat()} 14:05:00",
    )
    checked = importer.check_csv(data, filename="export.csv")
    assert [(r.line, r.person.name, r.completed_on) for r in checked.rows] == [
        (2, "Ada Lovelace", day),
        (3, "Alan Turing", day),
    ]
    assert not Completion.objects.exists()  # checking saves nothing
    created = services.completions_import(actor=officer, checked=checked)
    assert len(created) == 2
    assert {c.source for c in created} == {"imported"}
    assert created[0].history.latest().history_change_reason == "Imported from export.csv"


def test_every_problem_is_named_and_nothing_is_saved(officer, people, course, today):
    future = today + timedelta(days=1)
    before_start = people["ada"].start_date - timedelta(days=1)
    data = _csv(
        "Name,Course,Completed on",
        f"Ada Lovelace,Prevent awareness,{today:%d/%m/%Y}",  # good
        f"Nobody Known,Prevent awareness,{today:%d/%m/%Y}",
        f"Ada Lovelace,Underwater basket weaving,{today:%d/%m/%Y}",
        f"Ada Lovelace,Prevent awareness,{future:%d/%m/%Y}",
        f"Ada Lovelace,Prevent awareness,{before_start:%d/%m/%Y}",
        "Ada Lovelace,Prevent awareness,31/02/2025",
        "Ada Lovelace,Prevent awareness,yesterday",
        "Ada Lovelace,,01/01/2025",
    )
    problems = _refused(data)
    assert problems == [
        "Row 3, column 'Name': no person is recorded with “Nobody Known”",
        "Row 4, column 'Course': no course is recorded called “Underwater basket weaving”",
        f"Row 5, column 'Completed on': The date completed cannot be in the future "
        f"(today is {today:%-d %B %Y})",
        f"Row 6, column 'Completed on': The date completed cannot be before Ada Lovelace "
        f"started on {people['ada'].start_date:%-d %B %Y}",
        "Row 7, column 'Completed on': “31/02/2025” is not a date: write it as 27/03/2025 "
        "or 2025-03-27",
        "Row 8, column 'Completed on': “yesterday” is not a date: write it as 27/03/2025 "
        "or 2025-03-27",
        "Row 9, column 'Course': the course is empty",
    ]
    assert not Completion.objects.exists()


def test_hostile_cells_are_text_and_match_nothing(people, course, today):
    data = _csv(
        "Name,Course,Completed on",
        f'"=HYPERLINK(""http://evil.test"",""x"")",Prevent awareness,{today:%d/%m/%Y}',
        f"+cmd|' /C calc'!A0,Prevent awareness,{today:%d/%m/%Y}",
        f"Ada Lovelace,@SUM(A1:A2),{today:%d/%m/%Y}",
        f"<script>alert(1)</script>,Prevent awareness,{today:%d/%m/%Y}",
        f"{'A' * 400},Prevent awareness,{today:%d/%m/%Y}",
    )
    problems = _refused(data)
    text = "\n".join(problems)
    assert "Row 2, column 'Name': no person is recorded with “=HYPERLINK(" in text
    assert "Row 3, column 'Name': no person is recorded with “+cmd|' /C calc'!A0”" in text
    assert "Row 4, column 'Course': no course is recorded called “@SUM(A1:A2)”" in text
    assert "Row 5, column 'Name': no person is recorded with “<script>" in text
    assert "Row 6: a cell is longer than 300 characters" in text


def test_a_nul_byte_refuses_the_file(people, course):
    assert _refused(b"Name,Course,Completed on\r\nAda\x00,x,1/1/2025\r\n") == [
        "The file is not a CSV file (it holds binary data)."
    ]


def test_control_characters_are_refused(people, course, today):
    data = _csv("Name,Course,Completed on", f"Ada\x1bLovelace,Prevent awareness,{today:%d/%m/%Y}")
    assert _refused(data) == ["Row 2: contains a control character, which is not allowed"]


def test_our_own_apostrophe_before_a_formula_is_dropped_for_matching(
    officer, make_person, course, today
):
    make_person("=Odd Name")
    data = _csv("Name,Course,Completed on", f"'=Odd Name,Prevent awareness,{today:%d/%m/%Y}")
    checked = importer.check_csv(data, filename="x.csv")
    assert checked.rows[0].person.name == "=Odd Name"


def test_bom_cp1252_and_line_endings(make_person, course, today):
    make_person("Zoë Brontë")
    body = f"Zoë Brontë,Prevent awareness,{today:%d/%m/%Y}"
    for data in (
        ("\ufeffName,Course,Completed on\r\n" + body + "\r\n").encode("utf-8"),
        ("Name,Course,Completed on\r\n" + body + "\r\n").encode("cp1252"),
        ("Name,Course,Completed on\n" + body).encode("utf-8"),
        ("Name,Course,Completed on\r" + body + "\r").encode("utf-8"),
    ):
        checked = importer.check_csv(data, filename="x.csv")
        assert [r.person.name for r in checked.rows] == ["Zoë Brontë"], data


def test_header_problems(people, course):
    assert _refused(_csv("Who,What,When", "a,b,c")) == [
        "Header row: no column names the person: add one headed 'Employee ID', 'Email' or 'Name'",
        "Header row: no column headed 'Course' (the course name as recorded here)",
        "Header row: no column headed 'Completed on' (the date completed)",
    ]
    assert _refused(_csv("Name,Full name,Course,Completed")) == [
        "Header row: the columns 'Name' and 'Full name' both give the name; keep one"
    ]
    assert _refused(_csv("Name,Course,Completed")) == [
        "The file has a header row but no completions."
    ]
    assert _refused(b"") == ["The file is empty."]
    assert _refused(b"\r\n\r\n") == ["The file is empty."]


def test_undecodable_bytes_are_refused(people):
    # 0x81 is undefined in Windows-1252 and not valid UTF-8 on its own.
    assert "not text in UTF-8 or Windows-1252" in _refused(b"Name\x81,Course\r\n")[0]


def test_ambiguous_names_need_a_better_identifier(make_person, course, today):
    make_person("Sam Smith", email="sam1@opcc.test")
    make_person("Sam Smith", email="sam2@opcc.test")
    problems = _refused(
        _csv("Name,Course,Completed", f"Sam Smith,Prevent awareness,{today:%d/%m/%Y}")
    )
    assert problems == [
        "Row 2, column 'Name': 2 people are called “Sam Smith”: use an employee ID or e-mail "
        "column to tell them apart"
    ]
    data = _csv(
        "Email,Name,Course,Completed",
        f"SAM2@opcc.test,Sam Smith,Prevent awareness,{today:%d/%m/%Y}",
    )
    assert importer.check_csv(data, filename="x.csv").rows[0].person.email == "sam2@opcc.test"


def test_rows_already_recorded_and_repeated_rows_are_skipped(officer, people, course, today):
    services.completion_record(
        actor=officer, person=people["ada"], course=course, completed_on=today
    )
    data = _csv(
        "Email,Course,Completed",
        f"ada@opcc.test,Prevent awareness,{today:%d/%m/%Y}",
        f"alan@opcc.test,Prevent awareness,{today:%d/%m/%Y}",
        f"alan@opcc.test,Prevent awareness,{today.isoformat()}",
    )
    checked = importer.check_csv(data, filename="x.csv")
    assert [r.person.name for r in checked.rows] == ["Alan Turing"]
    assert len(checked.skipped) == 2
    assert "Row 4: the same completion as row 3" in checked.skipped
    assert any(
        "Row 2: Ada Lovelace" in line and "already recorded" in line for line in checked.skipped
    )


def test_the_import_is_checked_again_when_saved(officer, people, course, today):
    data = _csv("Email,Course,Completed", f"ada@opcc.test,Prevent awareness,{today:%d/%m/%Y}")
    checked = importer.check_csv(data, filename="x.csv")
    # Between the preview and the confirmation, Ada's start date is moved after the completion
    # (by another page that checks only her own completions, none yet).
    Person.objects.filter(pk=people["ada"].pk).update(start_date=today + timedelta(days=5))
    with pytest.raises(ValidationError) as caught:
        services.completions_import(actor=officer, checked=checked)
    assert (
        "Row 2, column 'Completed': The date completed cannot be before" in caught.value.messages[0]
    )
    assert not Completion.objects.exists()


def test_the_import_refuses_a_wrong_role(auditor, people, course, today):
    data = _csv("Email,Course,Completed", f"ada@opcc.test,Prevent awareness,{today:%d/%m/%Y}")
    checked = importer.check_csv(data, filename="x.csv")
    with pytest.raises(PermissionDenied):
        services.completions_import(actor=auditor, checked=checked)
    assert not Completion.objects.exists()


def test_too_many_rows_is_refused(people, course):
    data = _csv("Name,Course,Completed", *(["Ada Lovelace,Prevent awareness,1/1/2025"] * 2001))
    assert _refused(data) == ["The file has more than 2000 rows: split it up."]


def test_problems_are_capped(people, course):
    data = _csv("Name,Course,Completed", *(["Nobody,Prevent awareness,1/1/2025"] * 150))
    problems = _refused(data)
    assert len(problems) == 101 and problems[-1] == "… and 50 more problems."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-27", (2025, 3, 27)),
        ("27/03/2025", (2025, 3, 27)),
        ("7/3/2025", (2025, 3, 7)),
        ("27-03-2025", (2025, 3, 27)),
        ("27.03.2025", (2025, 3, 27)),
        ("27/03/2025 09:15", (2025, 3, 27)),
        ("2025-03-27T09:15:00Z", (2025, 3, 27)),
        ("27/03/2025 9:15 AM", (2025, 3, 27)),
        ("03/27/2025", None),  # US order: month 27 does not exist
        ("2025-13-01", None),
        ("99999999999999999999", None),
        ("", None),
    ],
)
def test_parse_date(text, expected):
    from datetime import date

    result = importer.parse_date(text)
    assert result == (date(*expected) if expected else None)


def test_role_group_does_not_matter_for_matching(make_person, course, today):
    make_person("Pat Commissioner", role_group=RoleGroup.COMMISSIONER)
    data = _csv("Name,Course,Completed", f"Pat Commissioner,Prevent awareness,{today:%d/%m/%Y}")
    assert importer.check_csv(data, filename="x.csv").rows[0].person.name == "Pat Commissioner"
