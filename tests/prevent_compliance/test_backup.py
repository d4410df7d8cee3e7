"""`manage.py backup` and `manage.py restore`, run as an operator runs them (subprocesses).

The drills load the demo data into a database of their own, back it up, restore the archive
into an empty database and an empty media folder, and compare every table's row count, every
stored file's SHA-256 and the output of `verify_decisions`. The fault tests damage an archive
in each way a disk, a copy or an attacker could and check the restore refuses it and leaves
the target exactly as it was.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.storage.conftest import KEY_ID, REGION, SECRET, s3_endpoint  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgres://postgres@127.0.0.1:1/pc_h3_nowhere"

sqlite_suite = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="SQLite backups and the archive checks run in the SQLite suite.",
)
postgres_suite = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL backups need PostgreSQL (DATABASE_URL=postgres://…).",
)


@dataclass
class Site:
    """One installation: a database and a media folder, driven through manage.py."""

    database_url: str
    media: Path

    def manage(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "MEDIA_ROOT", "STORAGE_BACKEND"}
        }
        environment |= {
            "DEBUG": "on",
            "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings",
            "DATABASE_URL": self.database_url,
            "MEDIA_ROOT": str(self.media),
            "DEMO_PASSWORD": "a-demo-password-for-tests",
            **env,
        }
        return subprocess.run(  # noqa: S603 (our own manage.py)
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.manage(*args)
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr}"
        return result.stdout

    def load_demo(self) -> None:
        self.ok("migrate", "--noinput", "-v0")
        self.ok("seed_toolkit")
        self.ok("load_demo")


def refused(result: subprocess.CompletedProcess, *phrases: str) -> str:
    """A clear refusal: non-zero exit, one CommandError line, no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    assert "CommandError: " in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr
    return result.stderr


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def snapshot(path: Path) -> str:
    """The bytes of a file, or that it is absent."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


# --- Reading and rewriting archives ------------------------------------------------------------


def members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive) as tar:
        return [(info, tar.extractfile(info).read()) for info in tar]


def write_archive(path: Path, entries: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            info = tarfile.TarInfo(info.name) if info.isreg() else info
            if info.isreg():
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def listed(name: str, data: bytes) -> dict:
    return {"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def rewrite(archive: Path, out: Path, *, replace=None, add=(), drop=(), manifest=None) -> Path:
    """A copy of `archive` with members replaced, added or dropped, and the manifest kept
    consistent with them (or edited by `manifest`), so only the check under test can fail."""
    replace = replace or {}
    entries, document = [], None
    for info, data in members(archive):
        if info.name == "manifest.json":
            document = json.loads(data)
        elif info.name not in drop:
            entries.append((info, replace.get(info.name, data)))
    entries += list(add)
    by_name = {e["name"]: e for e in document["members"]}
    for info, data in entries:
        if info.isreg():
            by_name[info.name] = listed(info.name, data)
        else:
            by_name[info.name] = listed(info.name, b"")
    document["members"] = list(by_name.values())
    if manifest:
        manifest(document)
    manifest_info = tarfile.TarInfo("manifest.json")
    return write_archive(out, [*entries, (manifest_info, json.dumps(document).encode())])


def regular(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def symlink(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def flip_byte(archive: Path, out: Path, offset: int) -> Path:
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


def data_offset(archive: Path, name: str) -> tuple[int, int]:
    """Where a member's header and its data start in the archive."""
    with tarfile.open(archive) as tar:
        info = tar.getmember(name)
        return info.offset, info.offset_data


# --- SQLite: the drill -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_source(tmp_path_factory):
    """Demo data in a SQLite file of its own, and its backup archive."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite backups and the archive checks run in the SQLite suite.")
    folder = tmp_path_factory.mktemp("backup-source")
    site = Site(f"sqlite:///{folder / 'source.sqlite3'}", folder / "media")
    site.load_demo()
    archive = folder / "nightly.tar"
    output = site.ok("backup", "--output", str(archive))
    assert "Backup written to" in output
    return site, archive


@pytest.fixture
def populated_target(sqlite_source, tmp_path):
    """A target that already holds the demo data (copied with SQLite's backup API)."""
    source, _ = sqlite_source
    db = tmp_path / "target.sqlite3"
    with (
        sqlite3.connect(source.database_url.removeprefix("sqlite:///")) as src,
        sqlite3.connect(db) as dest,
    ):
        src.backup(dest)
    media = tmp_path / "target-media"
    for name, _ in file_hashes(source.media).items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes((source.media / name).read_bytes())
    (media / "evidence" / "only-in-target.txt").write_bytes(b"uploaded after the backup")
    return Site(f"sqlite:///{db}", media), db


def empty_sqlite_target(tmp_path) -> tuple[Site, Path]:
    db = tmp_path / "restored.sqlite3"
    return Site(f"sqlite:///{db}", tmp_path / "restored-media"), db


@sqlite_suite
def test_sqlite_drill_restores_every_row_file_and_seal(sqlite_source, tmp_path):
    source, archive = sqlite_source
    target, db = empty_sqlite_target(tmp_path)

    output = target.ok("restore", str(archive))

    source_db = Path(source.database_url.removeprefix("sqlite:///"))
    counts = sqlite_counts(db)
    assert counts == sqlite_counts(source_db)
    assert counts["auth_user"] >= 6 and counts["decisions_decision"] > 0
    assert counts["toolkit_evidence"] > 0 and counts["decisions_appendix"] > 0
    hashes = file_hashes(target.media)
    assert hashes == file_hashes(source.media)
    assert any(name.startswith("evidence/") for name in hashes)
    assert any(name.startswith("appendices/") for name in hashes)
    verified = target.ok("verify_decisions")
    assert verified == source.ok("verify_decisions")
    assert "sealed decision record(s) match" in verified
    assert verified.strip().splitlines()[-1] in output
    assert f"{len(hashes)} file(s)" in output


@sqlite_suite
def test_sqlite_backup_is_the_database_as_committed_with_a_complete_manifest(sqlite_source):
    source, archive = sqlite_source
    entries = dict((info.name, data) for info, data in members(archive))
    manifest = json.loads(entries.pop("manifest.json"))

    assert manifest["database_vendor"] == "sqlite"
    assert manifest["format"] == "prevent-compliance-backup"
    assert manifest["migrations"]["decisions"].startswith("00")
    assert {"toolkit", "prevent_compliance", "auth"} <= set(manifest["migrations"])
    assert manifest["created_at"] and manifest["app_version"]
    assert {m["name"]: (m["size"], m["sha256"]) for m in manifest["members"]} == {
        name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in entries.items()
    }
    stored = {f"files/{name}" for name in file_hashes(source.media)}
    assert set(entries) == {"database/db.sqlite3"} | stored
    assert entries["database/db.sqlite3"].startswith(b"SQLite format 3\x00")
    assert oct(archive.stat().st_mode & 0o777) == oct(0o600)  # OFFICIAL-SENSITIVE content


@sqlite_suite
def test_restore_over_data_needs_force_and_then_replaces_it(sqlite_source, populated_target):
    source, archive = sqlite_source
    target, db = populated_target
    target.ok(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        "User.objects.create_user('added.after.backup')",
    )
    before, media_before = snapshot(db), file_hashes(target.media)

    refused(target.manage("restore", str(archive)), "holds data", "--force", "Nothing was changed")
    assert snapshot(db) == before and file_hashes(target.media) == media_before

    output = target.ok("restore", "--force", str(archive))
    source_db = Path(source.database_url.removeprefix("sqlite:///"))
    assert sqlite_counts(db) == sqlite_counts(source_db)
    assert "1 file(s) already in the store and not in the backup were left in place" in output
    assert file_hashes(target.media) == media_before  # same files, same bytes


@sqlite_suite
def test_files_in_the_store_count_as_data(sqlite_source, tmp_path):
    _, archive = sqlite_source
    target, db = empty_sqlite_target(tmp_path)
    (target.media / "evidence").mkdir(parents=True)
    (target.media / "evidence" / "kept.pdf").write_bytes(b"%PDF-1.4 someone else's")

    refused(target.manage("restore", str(archive)), "file store already holds files")
    assert not db.exists()
    assert list(file_hashes(target.media)) == ["evidence/kept.pdf"]


@sqlite_suite
def test_restore_fails_when_the_restored_seals_do_not_verify(sqlite_source, tmp_path):
    """A consistent archive whose database has a signed record edited behind the app's back:
    restored, then refused by verify_decisions, so the operator learns of it at once."""
    _, archive = sqlite_source
    edited = tmp_path / "edited.sqlite3"
    edited.write_bytes(dict((i.name, d) for i, d in members(archive))["database/db.sqlite3"])
    with sqlite3.connect(edited) as db:
        changed = db.execute(
            "UPDATE decisions_decision SET title = 'Quietly changed' WHERE content_hash <> ''"
        ).rowcount
    assert changed > 0
    forged = rewrite(
        archive, tmp_path / "forged.tar", replace={"database/db.sqlite3": edited.read_bytes()}
    )
    target, _ = empty_sqlite_target(tmp_path)

    stderr = refused(
        target.manage("restore", str(forged)), "integrity check (verify_decisions) failed"
    )
    assert f"{changed} problem(s)" in stderr


# --- SQLite: damaged, truncated, tampered and hostile archives ---------------------------------


def _damage_database(archive, out):
    _, start = data_offset(archive, "database/db.sqlite3")
    return flip_byte(archive, out, start + 5000)


def _damage_evidence(archive, out):
    name = next(i.name for i, _ in members(archive) if i.name.startswith("files/evidence/"))
    _, start = data_offset(archive, name)
    return flip_byte(archive, out, start + 10)


def _damage_header(archive, out):
    name = next(i.name for i, _ in members(archive) if i.name.startswith("files/"))
    header, _ = data_offset(archive, name)
    return flip_byte(archive, out, header + 3)


def _truncate_half(archive, out):
    data = archive.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def _truncate_before_manifest(archive, out):
    header, _ = data_offset(archive, "manifest.json")
    out.write_bytes(archive.read_bytes()[:header])
    return out


def _wrong_hash_in_manifest(archive, out):
    def edit(document):
        document["members"][1]["sha256"] = "0" * 64

    return rewrite(archive, out, manifest=edit)


def _manifest_not_json(archive, out):
    entries = [(i, d) for i, d in members(archive) if i.name != "manifest.json"]
    return write_archive(out, [*entries, (regular("manifest.json"), b"{not json")])


def _missing_member(archive, out):
    entries = members(archive)
    dropped = next(i.name for i, _ in entries if i.name.startswith("files/"))
    kept = [(i, d) for i, d in entries if i.name != dropped]
    return write_archive(out, kept)


def _unlisted_member(archive, out):
    entries = members(archive)
    extra = (regular("files/evidence/smuggled.pdf"), b"%PDF-1.4 not in the manifest")
    return write_archive(out, [*entries[:-1], extra, entries[-1]])


def _not_an_archive(archive, out):
    out.write_bytes(b"this is not a tar file at all\n" * 100)
    return out


def _from_a_newer_version(archive, out):
    def edit(document):
        document["migrations"]["decisions"] = "9999_from_the_future"

    return rewrite(archive, out, manifest=edit)


DAMAGE = {
    "byte flipped in the database": (_damage_database, "does not match the manifest"),
    "byte flipped in an evidence file": (_damage_evidence, "does not match the manifest"),
    "byte flipped in a member header": (_damage_header, "Refusing to restore"),
    "truncated in the middle": (_truncate_half, "Refusing to restore"),
    "truncated before the manifest": (_truncate_before_manifest, "has no manifest"),
    "manifest hash changed": (_wrong_hash_in_manifest, "does not match the manifest"),
    "manifest not JSON": (_manifest_not_json, "manifest is not valid"),
    "member missing": (_missing_member, "missing from the archive"),
    "member not in the manifest": (_unlisted_member, "not listed in the manifest"),
    "not an archive": (_not_an_archive, "damaged or truncated"),
    "from a newer version": (_from_a_newer_version, "newer version of the app"),
}


@sqlite_suite
@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_damaged_archive_is_refused_even_with_force_and_changes_nothing(
    damage, sqlite_source, populated_target, tmp_path
):
    _, archive = sqlite_source
    target, db = populated_target
    tamper, phrase = DAMAGE[damage]
    bad = tamper(archive, tmp_path / "bad.tar")
    before, media_before = snapshot(db), file_hashes(target.media)

    refused(target.manage("restore", "--force", str(bad)), phrase, "Nothing was changed")

    assert snapshot(db) == before
    assert file_hashes(target.media) == media_before


@sqlite_suite
def test_damaged_archive_into_an_empty_target_creates_nothing(sqlite_source, tmp_path):
    _, archive = sqlite_source
    bad = _truncate_half(archive, tmp_path / "bad.tar")
    target, db = empty_sqlite_target(tmp_path)

    refused(target.manage("restore", str(bad)), "Nothing was changed")

    assert not db.exists()
    assert not target.media.exists()


def _hostile(tmp_path):
    outside = tmp_path / "outside.txt"
    return {
        "parent folder inside files/": (regular("files/../../outside.txt"), b"escaped"),
        "parent folder at the top": (regular("../outside.txt"), b"escaped"),
        "absolute path": (regular(str(outside)), b"escaped"),
        "symbolic link": (symlink("files/evidence/link.pdf", str(outside)), b""),
        "unexpected top-level name": (regular("settings.py"), b"DEBUG = True"),
    }, outside


HOSTILE = [
    "parent folder inside files/",
    "parent folder at the top",
    "absolute path",
    "symbolic link",
    "unexpected top-level name",
]


@sqlite_suite
@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_member_is_refused_before_anything_is_written(
    kind, sqlite_source, populated_target, tmp_path
):
    """Each hostile member is listed in the manifest with its right hash: only the name or
    type check stands between it and the file store."""
    _, archive = sqlite_source
    target, db = populated_target
    cases, outside = _hostile(tmp_path)
    bad = rewrite(archive, tmp_path / "hostile.tar", add=[cases[kind]])
    before, media_before = snapshot(db), file_hashes(target.media)

    stderr = refused(target.manage("restore", "--force", str(bad)), "Nothing was changed")

    assert "unsafe or unexpected" in stderr or "symbolic link" in stderr
    assert not outside.exists()
    assert snapshot(db) == before
    assert file_hashes(target.media) == media_before


@sqlite_suite
def test_sqlite_backup_cannot_be_restored_into_postgresql(sqlite_source):
    _, archive = sqlite_source
    target = Site(UNREACHABLE, Path("/nonexistent-media"))

    refused(
        target.manage("restore", str(archive)),
        "holds a sqlite database, but this installation uses postgresql",
        "Only SQLite → SQLite and PostgreSQL → PostgreSQL",
    )


@sqlite_suite
def test_restore_of_a_missing_archive_is_refused(tmp_path):
    target, db = empty_sqlite_target(tmp_path)
    refused(target.manage("restore", str(tmp_path / "no-such.tar")), "no backup archive")
    assert not db.exists()


# --- Object storage ----------------------------------------------------------------------------


@sqlite_suite
def test_files_round_trip_through_s3_storage(sqlite_source, s3_endpoint, tmp_path):  # noqa: F811
    """Restore into a bucket, back up from it: the same files, found by listing the bucket."""
    import boto3

    source, archive = sqlite_source
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name=REGION,
    )
    bucket = f"pc-backup-{tmp_path.name[-20:].lower().replace('_', '-')}"
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3_env = {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ACCESS_KEY_ID": KEY_ID,
        "S3_SECRET_ACCESS_KEY": SECRET,
        "S3_REGION": REGION,
    }
    site = Site(f"sqlite:///{tmp_path / 'on-s3.sqlite3'}", tmp_path / "unused-media")

    restored = site.manage("restore", str(archive), **s3_env)
    assert restored.returncode == 0, restored.stderr
    again = tmp_path / "from-s3.tar"
    backed_up = site.manage("backup", "--output", str(again), **s3_env)
    assert backed_up.returncode == 0, backed_up.stderr

    objects = client.list_objects_v2(Bucket=bucket)["Contents"]
    in_bucket = {
        o["Key"]: hashlib.sha256(
            client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        ).hexdigest()
        for o in objects
    }
    assert in_bucket == file_hashes(source.media)
    files = {i.name: d for i, d in members(again) if i.name.startswith("files/")}
    assert {n.removeprefix("files/"): hashlib.sha256(d).hexdigest() for n, d in files.items()} == (
        in_bucket
    )
    assert not site.media.exists()


# --- Backups that cannot be written ------------------------------------------------------------


@sqlite_suite
@pytest.mark.parametrize(
    "where, phrase",
    [
        ("a-file/backup.tar", "is not a folder"),
        ("no-such-folder/backup.tar", "does not exist"),
        ("existing-folder", "it is a folder"),
        ("media/backup.tar", "inside MEDIA_ROOT"),
    ],
)
def test_backup_to_an_unwritable_path_fails_and_leaves_nothing(
    where, phrase, sqlite_source, tmp_path
):
    source, _ = sqlite_source
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "existing-folder").mkdir()
    (tmp_path / "media").mkdir()
    site = Site(source.database_url, tmp_path / "media")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    refused(
        site.manage("backup", "--output", str(tmp_path / where)), "Cannot write the backup", phrase
    )

    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_backup_of_an_unreachable_postgresql_database_fails_and_leaves_nothing(tmp_path):
    site = Site(UNREACHABLE, tmp_path / "media")
    out = tmp_path / "backups"
    out.mkdir()

    stderr = refused(
        site.manage("backup", "--output", str(out / "b.tar")), "Cannot reach the database"
    )

    assert "127.0.0.1:1" in stderr
    assert list(out.iterdir()) == []


def test_backup_of_a_missing_sqlite_database_fails_without_creating_it(tmp_path):
    db = tmp_path / "gone.sqlite3"
    site = Site(f"sqlite:///{db}", tmp_path / "media")

    refused(site.manage("backup", "--output", str(tmp_path / "b.tar")), "does not exist")

    assert not db.exists()
    assert not (tmp_path / "b.tar").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


# --- PostgreSQL --------------------------------------------------------------------------------


def _pg_url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _pg_admin():
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def pg_database():
    """Create empty databases named after this run's test database; drop them afterwards."""
    created = []

    def create(suffix: str) -> str:
        name = f"{connection.settings_dict['NAME']}_{suffix}"
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return name

    yield create
    with _pg_admin() as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_state(name: str) -> dict[str, object]:
    """Every table's row count and every sequence's position."""
    with psycopg.connect(_pg_url(name).replace("postgres://", "postgresql://")) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        count = 'SELECT COUNT(*) FROM "{}"'
        state: dict[str, object] = {t: db.execute(count.format(t)).fetchone()[0] for t in tables}
        for (sequence,) in db.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            state[f"sequence {sequence}"] = db.execute(
                f'SELECT last_value, is_called FROM "{sequence}"'  # noqa: S608
            ).fetchone()
    return state


@pytest.mark.postgres
@postgres_suite
def test_postgresql_drill_restores_every_row_sequence_file_and_seal(pg_database, tmp_path):
    source = Site(_pg_url(pg_database("bk_source")), tmp_path / "source-media")
    source.load_demo()
    archive = tmp_path / "nightly.tar"
    source.ok("backup", "--output", str(archive))
    manifest = json.loads(dict((i.name, d) for i, d in members(archive))["manifest.json"])
    assert manifest["database_vendor"] == "postgresql"
    assert manifest["database_tool"].startswith("pg_dump (PostgreSQL)")
    target_name = pg_database("bk_target")
    target = Site(_pg_url(target_name), tmp_path / "restored-media")

    output = target.ok("restore", str(archive))

    source_name = source.database_url.rsplit("/", 1)[1]
    state = pg_state(target_name)
    assert state == pg_state(source_name)
    assert state["auth_user"] >= 6 and state["decisions_decision"] > 0
    assert file_hashes(target.media) == file_hashes(source.media) != {}
    verified = target.ok("verify_decisions")
    assert verified == source.ok("verify_decisions")
    assert verified.strip().splitlines()[-1] in output

    # A second restore over the restored data is refused without --force, and changes nothing.
    refused(target.manage("restore", str(archive)), "holds data", "--force")
    assert pg_state(target_name) == state
    target.ok("restore", "--force", str(archive))
    assert pg_state(target_name) == state
    assert file_hashes(target.media) == file_hashes(source.media)


@pytest.mark.postgres
@postgres_suite
def test_postgresql_unreadable_dump_is_refused_before_the_target_is_touched(pg_database, tmp_path):
    source = Site(_pg_url(pg_database("bk_source")), tmp_path / "source-media")
    source.ok("migrate", "--noinput", "-v0")
    source.ok(
        "shell",
        "-c",
        "from django.contrib.auth.models import User; User.objects.create_user('only.user')",
    )
    archive = tmp_path / "small.tar"
    source.ok("backup", "--output", str(archive))
    forged = rewrite(archive, tmp_path / "forged.tar", replace={"database/db.pgdump": b"PGDMPjunk"})
    target_name = source.database_url.rsplit("/", 1)[1]
    before = pg_state(target_name)

    refused(source.manage("restore", "--force", str(forged)), "pg_restore --list failed")

    assert pg_state(target_name) == before
