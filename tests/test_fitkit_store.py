"""A Dask worker's file store lives in the shared temporary folder: it must be the
worker's own, and a file already there is trusted only by its sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cardgen.batch.fitkit import store_file, store_folder

DATA = b"the bytes of a font file"
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    return tmp_path


def test_a_file_is_stored_under_its_hash(temp: Path) -> None:
    path = store_file(store_folder(), SHA, ".ttf", DATA)
    assert path == store_folder() / f"{SHA}.ttf" and path.read_bytes() == DATA
    assert [p.name for p in store_folder().iterdir()] == [path.name]  # no temporary left


def test_a_stored_copy_of_the_same_size_but_other_bytes_is_replaced(temp: Path) -> None:
    store = store_folder()
    store.mkdir(mode=0o700)
    (store / f"{SHA}.ttf").write_bytes(b"X" * len(DATA))
    assert store_file(store, SHA, ".ttf", DATA).read_bytes() == DATA


def test_a_store_that_is_a_link_is_refused_and_nothing_written_through_it(temp: Path) -> None:
    elsewhere = temp / "elsewhere"
    elsewhere.mkdir()
    store_folder().symlink_to(elsewhere)
    with pytest.raises(ValueError, match="not a folder of this user's"):
        store_file(store_folder(), SHA, ".ttf", DATA)
    assert list(elsewhere.iterdir()) == []


def test_a_store_others_can_write_is_refused(temp: Path) -> None:
    store_folder().mkdir()
    store_folder().chmod(0o777)
    with pytest.raises(ValueError, match="writable by others"):
        store_file(store_folder(), SHA, ".ttf", DATA)


def test_damaged_bytes_are_refused_before_anything_is_written(temp: Path) -> None:
    with pytest.raises(ValueError, match="arrived damaged"):
        store_file(store_folder(), SHA, ".ttf", DATA + b"!")
    assert not store_folder().exists()
