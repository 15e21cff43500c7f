"""import_license_registry: loads a file through the import service, prints the report, refuses bad arguments."""

import pytest
from django.core.management import CommandError, call_command

from therapists.models import LicenseRecord, LicenseRoster

pytestmark = pytest.mark.django_db

HEADER = "state,license_number,name,status,issued_on,expires_on\n"


def test_import_license_registry_loads_the_file_and_prints_the_report(tmp_path, capsys, verifier, today):
    path = tmp_path / "co.csv"
    path.write_text(HEADER + "CO,A1,Ann Lee,active,,\nCO,,Nobody,active,,\nCO,B2,Bo Kim,lapsed,,\n", encoding="utf-8")
    call_command("import_license_registry", str(path), "--state", "CO", "--by", verifier.username)
    out = capsys.readouterr().out
    assert "CO roster: 3 rows read; 2 added, 0 changed, 0 unchanged, 1 refused" in out
    assert "line 3: no license number" in out
    roster = LicenseRoster.objects.get()
    assert (roster.source_name, roster.imported_by) == ("co.csv", verifier)
    assert LicenseRecord.objects.count() == 2


def test_import_license_registry_twice_reports_everything_unchanged(tmp_path, capsys, today):
    path = tmp_path / "co.csv"
    path.write_text(HEADER + "CO,A1,Ann Lee,active,,\n", encoding="utf-8")
    call_command("import_license_registry", str(path), "--state", "CO")
    call_command("import_license_registry", str(path), "--state", "CO")
    assert "0 added, 0 changed, 1 unchanged, 0 refused" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ((HEADER + "CO,A1,Zoë,active,,\n").encode("cp1252"), ["--state", "CO"], "not UTF-8"),
        (HEADER.encode(), ["--state", "Colorado"], "two-letter code"),
        (HEADER.encode(), ["--state", "CO", "--by", "nobody"], "No user named 'nobody'"),
    ],
    ids=["encoding", "state", "user"],
)
def test_import_license_registry_refuses_with_a_clear_message(tmp_path, content, args, message):
    path = tmp_path / "roster.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_license_registry", str(path), *args)
    assert not LicenseRoster.objects.exists()


def test_import_license_registry_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_license_registry", str(tmp_path / "missing.csv"), "--state", "CO")
