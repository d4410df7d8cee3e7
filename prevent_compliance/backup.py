"""Backups that have been restored: one tar archive, checked in full before a restore.

An archive holds three kinds of member:

- ``database/db.sqlite3`` (SQLite's online backup API, consistent while the app runs) or
  ``database/db.pgdump`` (``pg_dump`` custom format);
- ``files/<name>`` for every file in Django's default storage (evidence, appendices, frozen
  annual-review PDFs, audit packs), read through the storage API so S3 works as well;
- ``manifest.json``, last: the size and SHA-256 of every other member, the database vendor,
  the latest applied migration of each app and the app version.

A restore unpacks every member into a private staging folder while hashing it, compares the
result with the manifest and only then touches the database or the file store, so a damaged,
truncated or tampered archive changes nothing. The manifest catches damage, not forgery: it
is not signed, so archives must be kept where only operators can change them.

Only SQLite → SQLite and PostgreSQL → PostgreSQL are supported: a dump is not portable
between the two.
"""

import contextlib
import hashlib
import importlib.metadata
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from glob import glob
from io import BytesIO, StringIO
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

ARCHIVE_FORMAT = "prevent-compliance-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/db.sqlite3", "postgresql": "database/db.pgdump"}
FILES_PREFIX = "files/"
# "Holds data": any row in these apps' own tables, or any user account.
DATA_APPS = ("prevent_compliance", "toolkit", "decisions")
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
UNCHANGED = "Nothing was changed."


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str
    database_vendor: str
    database_tool: str
    migrations: dict[str, str]
    app_version: str
    storage_backend: str
    members: tuple[Member, ...]
    format: str = ARCHIVE_FORMAT
    format_version: int = FORMAT_VERSION

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.database_vendor]

    @property
    def files(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.name.startswith(FILES_PREFIX))

    def to_json(self) -> bytes:
        data = asdict(self)
        data["file_count"] = len(self.files)
        data["total_bytes"] = sum(m.size for m in self.members)
        return json.dumps(data, indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "Manifest":
        """Parse and validate a manifest; anything unexpected is a BackupError."""
        try:
            data = json.loads(raw.decode())
            if data.get("format") != ARCHIVE_FORMAT:
                raise BackupError("the archive is not a Prevent Compliance backup")
            if not isinstance(data.get("format_version"), int) or (
                data["format_version"] > FORMAT_VERSION
            ):
                raise BackupError(
                    f"backup format {data.get('format_version')!r} is newer than this version "
                    f"of the app understands ({FORMAT_VERSION})"
                )
            members = tuple(
                Member(name=str(m["name"]), size=int(m["size"]), sha256=str(m["sha256"]))
                for m in data["members"]
            )
            migrations = {str(k): str(v) for k, v in dict(data["migrations"]).items()}
            manifest = cls(
                created_at=str(data["created_at"]),
                database_vendor=str(data["database_vendor"]),
                database_tool=str(data.get("database_tool", "")),
                migrations=migrations,
                app_version=str(data.get("app_version", "")),
                storage_backend=str(data.get("storage_backend", "")),
                members=members,
                format_version=data["format_version"],
            )
        except BackupError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"the manifest is not valid ({exc.__class__.__name__})") from exc
        if manifest.database_vendor not in DATABASE_MEMBERS:
            raise BackupError(f"unknown database vendor {manifest.database_vendor!r}")
        return manifest


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    files_restored: int
    files_left_in_place: int
    integrity_report: str
    notes: list[str] = field(default_factory=list)


# --- Creating a backup -------------------------------------------------------------------------


def backup_create(*, output: Path) -> Manifest:
    """Write one archive at `output` (atomically: a complete archive or no file at all)."""
    output = Path(output).absolute()
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    _check_output(output)
    try:
        partial = tempfile.NamedTemporaryFile(  # noqa: SIM115 (renamed or removed below)
            dir=output.parent, prefix=f".{output.name}.", suffix=".partial", delete=False
        )
    except OSError as exc:
        raise BackupError(f"Cannot write the backup to {output}: {exc.strerror or exc}.") from exc
    try:
        with partial, tempfile.TemporaryDirectory(prefix="pc-backup-") as staging:
            manifest = _write_archive(partial, vendor=vendor, staging=Path(staging))
            partial.flush()
            os.fsync(partial.fileno())
        os.replace(partial.name, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial.name)
        raise
    _fsync_folder(output.parent)
    return manifest


def _check_output(output: Path) -> None:
    if output.is_dir():
        raise BackupError(f"Cannot write the backup to {output}: it is a folder; give a file name.")
    if not output.parent.is_dir():
        why = "is not a folder" if output.parent.exists() else "does not exist"
        raise BackupError(f"Cannot write the backup to {output}: {output.parent} {why}.")
    if isinstance(default_storage, FileSystemStorage):
        media = Path(default_storage.location).resolve()
        if output.parent.resolve().is_relative_to(media):
            raise BackupError(
                f"Cannot write the backup to {output}: it is inside MEDIA_ROOT ({media}), "
                "which the backup itself copies. Choose a folder outside it."
            )


def _write_archive(fileobj: IO[bytes], *, vendor: str, staging: Path) -> Manifest:
    _ensure_reachable(vendor)
    migrations = _latest_migrations()
    dump = staging / "database"
    tool = _dump_sqlite(dump) if vendor == "sqlite" else _dump_postgresql(dump)
    members = []
    # PAX headers carry any file name in UTF-8, whatever its length.
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as tar:
        with dump.open("rb") as handle:
            members.append(_add_member(tar, DATABASE_MEMBERS[vendor], handle))
        dump.unlink()
        # After the database, so every file a row refers to at dump time is in the archive.
        for name in _stored_names(default_storage):
            member_name = FILES_PREFIX + name
            _check_member_name(member_name)
            try:
                with default_storage.open(name, "rb") as handle:
                    members.append(_add_member(tar, member_name, handle))
            except Exception as exc:  # any storage back end's read error
                raise BackupError(f"Could not read the stored file {name!r}: {exc}") from exc
        manifest = Manifest(
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            database_vendor=vendor,
            database_tool=tool,
            migrations=migrations,
            app_version=_app_version(),
            storage_backend=settings.STORAGES["default"]["BACKEND"],
            members=tuple(members),
        )
        _add_member(tar, MANIFEST_NAME, BytesIO(manifest.to_json()))
    return manifest


def _add_member(tar: tarfile.TarFile, name: str, source: IO[bytes]) -> Member:
    """Copy `source` into the archive as `name`, hashing exactly the bytes written."""
    digest, size = hashlib.sha256(), 0
    with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as spool:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        spool.seek(0)
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(time.time())
        tar.addfile(info, spool)
    return Member(name=name, size=size, sha256=digest.hexdigest())


def _stored_names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in `storage`, folders first-to-last in name order (works on S3 too)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return  # a local MEDIA_ROOT that nothing has been uploaded to yet
    except Exception as exc:  # any storage back end's error, e.g. an unreachable bucket
        raise BackupError(f"Cannot list the file store ({folder or 'top level'}): {exc}") from exc
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        yield from _stored_names(storage, posixpath.join(folder, sub) if folder else sub)


def _ensure_reachable(vendor: str) -> None:
    name = settings.DATABASES["default"]["NAME"]
    if vendor == "sqlite" and not Path(str(name)).is_file():
        # Connecting would create an empty database file: say what is wrong instead.
        raise BackupError(f"Cannot reach the database: the SQLite file {name} does not exist.")
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        raise BackupError(
            f"Cannot reach the database ({_describe_database()}): {_first_line(exc)}"
        ) from exc


def _latest_migrations() -> dict[str, str]:
    """App label → the latest migration applied to this database."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    latest: dict[str, str] = {}
    for app_label, name in recorder.applied_migrations():
        latest[app_label] = max(latest.get(app_label, ""), name)
    return dict(sorted(latest.items()))


def _dump_sqlite(dest: Path) -> str:
    """Copy the live database with SQLite's online backup API (never a file copy)."""
    source_path = Path(settings.DATABASES["default"]["NAME"])
    try:
        with (
            contextlib.closing(_sqlite_read_only(source_path)) as source,
            contextlib.closing(sqlite3.connect(dest)) as copy,
        ):
            source.backup(copy)
            _sqlite_integrity(copy, what="the copy of the database")
    except sqlite3.Error as exc:
        raise BackupError(f"Could not back up the SQLite database {source_path}: {exc}") from exc
    return f"SQLite {sqlite3.sqlite_version} online backup API"


def _dump_postgresql(dest: Path) -> str:
    tool, version = _pg_tool("pg_dump", minimum=connection.pg_version // 10000)
    _run_pg(
        [tool, "--format=custom", "--no-password", f"--file={dest}"],
        what="pg_dump",
        env=_pg_env(with_database=True),
    )
    return version


def _app_version() -> str:
    try:
        return importlib.metadata.version("prevent-compliance")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- Restoring ---------------------------------------------------------------------------------


def backup_restore(*, archive: Path, force: bool) -> RestoreResult:
    """Restore `archive` into the configured database and storage, then check decision seals.

    Everything is verified before anything is changed: the archive against its manifest, the
    database vendor and migrations against this installation, and, without `force`, that the
    target database and file store hold no data.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"There is no backup archive at {archive}. {UNCHANGED}")
    vendor = connection.vendor
    with tempfile.TemporaryDirectory(prefix="pc-restore-") as folder:
        manifest, staged = _unpack_verified(archive, Path(folder))
        notes = _check_compatible(manifest, vendor=vendor)
        _check_database_dump(staged[manifest.database_member], vendor=vendor, manifest=manifest)
        server_major = _target_server_major(vendor)
        if not force:
            _refuse_if_target_holds_data(vendor)
        existing = set(_stored_names(default_storage))
        connections.close_all()
        if vendor == "sqlite":
            _restore_sqlite(staged[manifest.database_member])
        else:
            dump_major = _pg_major(manifest.database_tool)
            _restore_postgresql(
                staged[manifest.database_member], minimum=max(server_major, dump_major)
            )
        connections.close_all()
        ContentType.objects.clear_cache()
        restored = _restore_files(manifest, staged)
    if notes:
        _migrate()
    return RestoreResult(
        manifest=manifest,
        files_restored=len(restored),
        files_left_in_place=len(existing - restored),
        integrity_report=_integrity_check(),
        notes=notes,
    )


def _unpack_verified(archive: Path, staging: Path) -> tuple[Manifest, dict[str, Path]]:
    """Copy every member to `staging` (under a number, never its own name) and check it."""
    staged: dict[str, tuple[Path, Member]] = {}
    manifest_raw: bytes | None = None
    try:
        with tarfile.open(archive, mode="r:") as tar:
            for index, info in enumerate(tar):
                _check_member(info)
                if info.name in staged or (info.name == MANIFEST_NAME and manifest_raw is not None):
                    raise BackupError(f"the archive holds {info.name!r} twice")
                source = tar.extractfile(info)
                if info.name == MANIFEST_NAME:
                    manifest_raw = source.read(MAX_MANIFEST_BYTES + 1)
                    if len(manifest_raw) > MAX_MANIFEST_BYTES:
                        raise BackupError("the manifest is implausibly large")
                    continue
                path = staging / f"{index:07d}"
                staged[info.name] = (path, _copy_hashed(source, path, info.name))
    except BackupError as exc:
        raise BackupError(f"Refusing to restore {archive}: {exc}. {UNCHANGED}") from exc
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            f"Refusing to restore {archive}: the archive is damaged or truncated ({exc}). "
            f"{UNCHANGED}"
        ) from exc
    try:
        manifest = _match_manifest(manifest_raw, staged)
    except BackupError as exc:
        raise BackupError(f"Refusing to restore {archive}: {exc}. {UNCHANGED}") from exc
    return manifest, {name: path for name, (path, _) in staged.items()}


def _check_member(info: tarfile.TarInfo) -> None:
    if not info.isreg():
        kind = "a symbolic link" if info.issym() else "a hard link" if info.islnk() else None
        raise BackupError(
            f"the member {info.name!r} is {kind or 'not a regular file'}, "
            "which a backup never contains"
        )
    _check_member_name(info.name)


def _check_member_name(name: str) -> None:
    """Only the names a backup writes, with no way out of the storage root."""
    parts = name.split("/")
    unsafe = (
        name.startswith("/")
        or "\\" in name
        or PurePosixPath(name).is_absolute()
        or any(part in ("", ".", "..") for part in parts)
        or any(ord(char) < 32 for char in name)
    )
    expected = (
        name == MANIFEST_NAME
        or name in DATABASE_MEMBERS.values()
        or (name.startswith(FILES_PREFIX) and len(parts) > 1)
    )
    if unsafe or not expected:
        raise BackupError(f"the member name {name!r} is unsafe or unexpected")


def _copy_hashed(source: IO[bytes], dest: Path, name: str) -> Member:
    digest, size = hashlib.sha256(), 0
    with dest.open("xb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Member(name=name, size=size, sha256=digest.hexdigest())


def _match_manifest(raw: bytes | None, staged: dict[str, tuple[Path, Member]]) -> Manifest:
    if raw is None:
        raise BackupError("the archive has no manifest (it is truncated, damaged or not a backup)")
    manifest = Manifest.from_json(raw)
    listed = [m.name for m in manifest.members]
    if len(set(listed)) != len(listed):
        raise BackupError("the manifest lists a member twice")
    for name in listed:
        _check_member_name(name)
    if manifest.database_member not in listed:
        raise BackupError("the manifest lists no database")
    missing = sorted(set(listed) - set(staged))
    if missing:
        raise BackupError(
            f"{len(missing)} member(s) listed in the manifest are missing from the archive, "
            f"e.g. {missing[0]!r} (the archive is truncated or damaged)"
        )
    extra = sorted(set(staged) - set(listed))
    if extra:
        raise BackupError(f"the member {extra[0]!r} is not listed in the manifest")
    for expected in manifest.members:
        found = staged[expected.name][1]
        if (found.size, found.sha256) != (expected.size, expected.sha256):
            raise BackupError(
                f"the member {expected.name!r} does not match the manifest (SHA-256 "
                f"{found.sha256[:12]}…, size {found.size}; the manifest says "
                f"{expected.sha256[:12]}…, size {expected.size})"
            )
    return manifest


def _check_compatible(manifest: Manifest, *, vendor: str) -> list[str]:
    """Refuse what cannot be restored here; return notes for what needs a next step."""
    if manifest.database_vendor != vendor:
        raise BackupError(
            f"This backup holds a {manifest.database_vendor} database, but this installation "
            f"uses {vendor}. Only SQLite → SQLite and PostgreSQL → PostgreSQL restores are "
            f"supported. {UNCHANGED}"
        )
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unknown = sorted(
        f"{app}.{name}"
        for app, name in manifest.migrations.items()
        if (app, name) not in loader.disk_migrations
    )
    if unknown:
        raise BackupError(
            f"This backup was made by a newer version of the app (version "
            f"{manifest.app_version}; migration {unknown[0]} is unknown here). Install that "
            f"version first, then restore. {UNCHANGED}"
        )
    newer = sorted(
        {app for app, name in loader.graph.leaf_nodes() if name > manifest.migrations.get(app, "")}
    )
    if newer:
        return [
            "The backup predates migrations in this version of the app "
            f"({', '.join(newer)}); they were applied after the restore."
        ]
    return []


def _check_database_dump(path: Path, *, vendor: str, manifest: Manifest) -> None:
    """The dump itself must be readable before the target is touched."""
    if vendor == "sqlite":
        try:
            with contextlib.closing(_sqlite_read_only(path)) as staged:
                _sqlite_integrity(staged, what="the database in the backup")
        except sqlite3.Error as exc:
            raise BackupError(
                f"The database in the backup is not a readable SQLite database ({exc}). {UNCHANGED}"
            ) from exc
        return
    tool, _ = _pg_tool("pg_restore", minimum=_pg_major(manifest.database_tool))
    _run_pg([tool, "--list", str(path)], what="pg_restore --list", env=_pg_env())


def _refuse_if_target_holds_data(vendor: str) -> None:
    name = settings.DATABASES["default"]["NAME"]
    tables: list[str] = []
    if vendor != "sqlite" or Path(str(name)).is_file():
        try:
            tables = _tables_with_rows()
        except DatabaseError as exc:
            raise BackupError(
                f"Cannot reach the database to restore into ({_describe_database()}): "
                f"{_first_line(exc)}. Create it first if it does not exist. {UNCHANGED}"
            ) from exc
    has_files = next(_stored_names(default_storage), None) is not None
    if not tables and not has_files:
        return
    held = []
    if tables:
        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        held.append(f"the database holds data (rows in {shown})")
    if has_files:
        held.append("the file store already holds files")
    raise BackupError(
        f"Refusing to restore: {' and '.join(held)}. A restore replaces them; run it again "
        f"with --force if that is what you want. {UNCHANGED}"
    )


def _tables_with_rows() -> list[str]:
    """The app's own tables (and the user table) that hold at least one row."""
    existing = set(connection.introspection.table_names())
    models = [get_user_model()]
    for label in DATA_APPS:
        models += apps.get_app_config(label).get_models(include_auto_created=True)
    tables = sorted({model._meta.db_table for model in models} & existing)
    with connection.cursor() as cursor:
        found = []
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                found.append(table)
    return found


def _restore_sqlite(staged: Path) -> None:
    """SQLite's backup API in reverse: the target's pages are replaced in one step."""
    target = Path(settings.DATABASES["default"]["NAME"])
    try:
        with (
            contextlib.closing(_sqlite_read_only(staged)) as source,
            contextlib.closing(sqlite3.connect(target, timeout=20)) as dest,
        ):
            source.backup(dest)
    except sqlite3.Error as exc:
        raise BackupError(f"Could not restore the SQLite database {target}: {exc}") from exc


def _target_server_major(vendor: str) -> int:
    """PostgreSQL's major version (0 for SQLite), connecting to the target to find it."""
    if vendor == "sqlite":
        return 0
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        raise BackupError(
            f"Cannot reach the database to restore into ({_describe_database()}): "
            f"{_first_line(exc)}. Create it first if it does not exist. {UNCHANGED}"
        ) from exc
    return connection.pg_version // 10000


def _restore_postgresql(staged: Path, *, minimum: int) -> None:
    """pg_restore in one transaction: the database is replaced completely or not at all."""
    tool, _ = _pg_tool("pg_restore", minimum=minimum)
    _run_pg(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(staged),
        ],
        what="pg_restore",
        env=_pg_env(),
    )


def _restore_files(manifest: Manifest, staged: dict[str, Path]) -> set[str]:
    """Write each file under its own name, then read it back to prove the store holds it.

    Returns the storage names written.
    """
    restored: set[str] = set()
    for member in manifest.files:
        name = member.name.removeprefix(FILES_PREFIX)
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
            with staged[member.name].open("rb") as handle:
                saved = default_storage.save(name, File(handle, name=posixpath.basename(name)))
            if saved != name:
                raise BackupError(f"the storage saved it as {saved!r}")
            with default_storage.open(name, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except BackupError as exc:
            raise BackupError(f"Could not restore the file {name!r}: {exc}") from exc
        except Exception as exc:  # any storage back end's write error
            raise BackupError(f"Could not restore the file {name!r}: {exc}") from exc
        if digest != member.sha256:
            raise BackupError(f"The restored file {name!r} reads back with a different SHA-256.")
        restored.add(name)
    return restored


def _migrate() -> None:
    """Bring a backup made by an older version up to this version's schema."""
    try:
        call_command("migrate", interactive=False, verbosity=0)
    except (CommandError, DatabaseError) as exc:
        raise BackupError(
            f"The restore finished, but applying this version's newer migrations failed: {exc}"
        ) from exc


def _integrity_check() -> str:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_decisions", stdout=out, stderr=err)
    except (CommandError, DatabaseError) as exc:
        raise BackupError(
            "The restore finished, but the decision integrity check (verify_decisions) "
            f"failed: {exc}\n{err.getvalue().strip()}"
        ) from exc
    return out.getvalue().strip()


# --- SQLite and PostgreSQL helpers -------------------------------------------------------------


def _sqlite_read_only(path: Path) -> sqlite3.Connection:
    """Open an existing file read-only (a missing file is an error, not a new database)."""
    return sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True)


def _sqlite_integrity(db: sqlite3.Connection, *, what: str) -> None:
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"SQLite finds {what} damaged: {result}")


def _pg_env(*, with_database: bool = False) -> dict[str, str]:
    """libpq's environment from settings.DATABASES (the password never on a command line)."""
    db = settings.DATABASES["default"]
    options = db.get("OPTIONS", {})
    values = {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME") if with_database else None,
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGCONNECT_TIMEOUT": options.get("connect_timeout", 10),
    }
    return {**os.environ, **{key: str(value) for key, value in values.items() if value}}


def _pg_tool(name: str, *, minimum: int) -> tuple[str, str]:
    """`name` from PostgreSQL `minimum` or newer: its path and its `--version` line."""
    candidates = [f"/usr/lib/postgresql/{minimum}/bin/{name}", shutil.which(name)]
    candidates += sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_pg_major, reverse=True)
    seen = set()
    for path in filter(None, candidates):
        if path in seen or not os.access(path, os.X_OK):
            continue
        seen.add(path)
        result = subprocess.run(  # noqa: S603 (a fixed PostgreSQL client program)
            [path, "--version"], capture_output=True, text=True, env=_pg_env(), check=False
        )
        version = result.stdout.strip()
        if result.returncode == 0 and _pg_major(version) >= minimum:
            return path, version
    raise BackupError(
        f"{name} from PostgreSQL {minimum} or newer was not found on PATH or in "
        f"/usr/lib/postgresql/*/bin. Install it (Debian: apt-get install "
        f"postgresql-client-{minimum}) and try again. {UNCHANGED}"
    )


def _pg_major(text: str) -> int:
    """15 from 'pg_dump (PostgreSQL) 15.20 (Debian …)' or '/usr/lib/postgresql/15/bin/pg_dump'."""
    match = re.search(r"(?:PostgreSQL\)?\s*|postgresql/)(\d+)", text)
    return int(match.group(1)) if match else 0


def _run_pg(command: list[str], *, what: str, env: dict[str, str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = result.stderr.strip() or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed ({_describe_database()}): {detail}")


def _describe_database() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"SQLite file {db['NAME']}"
    return f"PostgreSQL database {db['NAME']!r} at {db.get('HOST') or 'local socket'}:" + str(
        db.get("PORT") or 5432
    )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
