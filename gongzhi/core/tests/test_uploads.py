"""Service photos: only real photos get in, they leave their metadata at the door, and a failure stores nothing.

Every image is made here with Pillow (no binary fixtures); files land in the per-test MEDIA_ROOT.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pillow_heif
import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from PIL import Image

from gongzhi.core import uploads
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.uploads import StoredPhoto, photo_store, photo_validate, photos_discard, photos_store

pillow_heif.register_heif_opener()

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MODEL = 0x0110
NOT_A_PHOTO = "不是照片：请上传 JPG、PNG、WebP 或 HEIC 格式的图片"
DAMAGED = "已损坏或不完整"
STORED = re.compile(r"^photos/\d{4}/\d{2}/[0-9a-f]{32}(_thumb)?\.jpg$")


# --- helpers ------------------------------------------------------------------------------------


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (40, 20), mode: str = "RGB", color="navy", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def noisy_jpeg(size: tuple[int, int] = (200, 150)) -> bytes:
    """A JPEG whose data is large enough that cutting it in half really loses pixels."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 64).convert("RGB").save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[MODEL] = "Secret Phone 15"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (29.0, 59.0, 12.5)
    gps[3] = "E"
    gps[4] = (122.0, 12.0, 3.25)
    return exif


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def open_stored(path: str) -> Image.Image:
    with default_storage.open(path) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` × ``height``: a decompression bomb in miniature."""
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def refusal(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    assert list(exc.value.errors) == ["photos"]
    return exc.value.errors["photos"]


class FailingStorage(FileSystemStorage):
    """Writes normally until the ``fail_on``-th save, which fails like a full disk."""

    def __init__(self, fail_on: int) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.saves = 0

    def _save(self, name, content):
        self.saves += 1
        if self.saves == self.fail_on:
            raise OSError("No space left on device")
        return super()._save(name, content)


# --- metadata is gone ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_exif_and_gps_are_removed(fmt):
    data = image_bytes(fmt, exif=exif_with_gps().tobytes())
    with Image.open(io.BytesIO(data)) as original:  # the test image really carries GPS
        assert original.getexif().get_ifd(GPS_IFD)

    photo = photo_store(upload(data, name=f"x.{fmt.lower()}"))

    for path in (photo.path, photo.thumb_path):
        image = open_stored(path)
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.getexif().get_ifd(GPS_IFD) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info)
        raw = default_storage.open(path).read()
        assert b"Exif" not in raw
        assert b"Secret Phone" not in raw


def test_jpeg_comment_is_removed():
    data = image_bytes("JPEG", comment=b"home of Zhang San, Xingpu 5-301")
    assert b"Zhang San" in data

    photo = photo_store(upload(data))

    assert b"Zhang San" not in default_storage.open(photo.path).read()


def test_orientation_is_applied_before_metadata_is_dropped():
    # Landscape pixels with a red top-left corner, tagged "rotate 90° clockwise to display" (6).
    raw = Image.new("RGB", (40, 20), "white")
    raw.paste((255, 0, 0), (0, 0, 8, 8))
    buffer = io.BytesIO()
    raw.save(buffer, format="JPEG", quality=95, exif=exif_with_gps(orientation=6).tobytes())

    photo = photo_store(upload(buffer.getvalue()))

    assert (photo.width, photo.height) == (20, 40)
    image = open_stored(photo.path)
    assert image.size == (20, 40)
    red, green, blue = image.getpixel((17, 2))  # the red corner is now top-right
    assert red > 200 and green < 60 and blue < 60
    assert ORIENTATION not in image.getexif()


# --- accepted formats ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"), [("PNG", "a.png"), ("WEBP", "b.webp"), ("HEIF", "c.heic"), ("JPEG", "d.jpeg")]
)
def test_photo_formats_are_accepted_and_stored_as_jpeg(fmt, name):
    data = image_bytes(fmt, size=(64, 48))

    photo = photo_store(upload(data, name=name, content_type="application/octet-stream"))

    assert (photo.width, photo.height) == (64, 48)
    assert open_stored(photo.path).format == "JPEG"


def test_multi_picture_camera_jpeg_is_accepted():
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (30, 20), "red"), Image.new("RGB", (30, 20), "blue")
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"

    photo = photo_store(upload(buffer.getvalue()))

    assert (photo.width, photo.height) == (30, 20)


def test_content_decides_not_the_name():
    photo = photo_store(upload(image_bytes("PNG"), name="scan.pdf", content_type="application/pdf"))

    assert open_stored(photo.path).format == "JPEG"


def test_transparency_is_flattened_on_white():
    data = image_bytes("PNG", mode="RGBA", color=(255, 0, 0, 0))

    photo = photo_store(upload(data, name="logo.png"))

    assert open_stored(photo.path).getpixel((5, 5)) == (255, 255, 255)


def test_sixteen_bit_greyscale_keeps_its_tones():
    data = image_bytes("PNG", mode="I;16", color=32768)

    photo = photo_store(upload(data, name="scan.png"))

    red, green, blue = open_stored(photo.path).getpixel((5, 5))
    assert 100 < red < 160 and red == green == blue


# --- refused files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
        ("report.jpg", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"),
        ("page.jpg", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("notes.jpg", "这不是照片，只是一段文字。".encode()),
        ("anim.jpg", image_bytes("GIF")),
        ("old.jpg", image_bytes("BMP")),
    ],
)
def test_non_photos_are_refused_naming_the_file(name, data):
    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(data, name=name))

    assert refusal(exc) == [f"“{name}”{NOT_A_PHOTO}"]


def test_example_message_from_the_brief():
    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(b"%PDF-1.7\n", name="x.pdf"))

    assert refusal(exc) == ["“x.pdf”不是照片：请上传 JPG、PNG、WebP 或 HEIC 格式的图片"]


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_jpeg_is_refused(cut):
    data = noisy_jpeg()
    photo_validate(upload(data))  # whole, it is fine

    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(data[: int(len(data) * cut)], name="cut.jpg"))

    [message] = refusal(exc)
    assert message.startswith("“cut.jpg”" + DAMAGED)


def test_png_with_a_broken_checksum_is_refused():
    data = bytearray(image_bytes("PNG", size=(50, 50)))
    data[-20] ^= 0xFF  # inside the image data chunk

    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(bytes(data), name="bad.png"))

    assert DAMAGED in refusal(exc)[0]


def test_oversized_file_is_refused_without_decoding(monkeypatch):
    def must_not_decode(*args, **kwargs):
        raise AssertionError("an oversized file was decoded")

    monkeypatch.setattr(Image, "open", must_not_decode)
    big = upload(b"\xff\xd8\xff\xe0" + b"\0" * (11 * 1024 * 1024 - 4), name="huge.jpg")

    with pytest.raises(ValidationFailed) as exc:
        photo_validate(big)

    assert refusal(exc) == ["“huge.jpg”有 11.0 MB，超过 10 MB 的上限：请压缩照片或换一张较小的照片"]


def test_file_of_exactly_ten_megabytes_is_not_refused_for_size():
    data = image_bytes("PNG")
    padded = data + b"\0" * (10 * 1024 * 1024 - len(data))  # trailing bytes after IEND are ignored by Pillow

    photo_validate(upload(padded, name="big.png"))


def test_a_file_just_over_the_limit_does_not_claim_to_be_ten_megabytes():
    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(b"\0" * (10 * 1024 * 1024 + 1), name="edge.jpg"))

    assert "有 10.1 MB" in refusal(exc)[0]


def test_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(b"", name="empty.jpg"))

    assert refusal(exc) == ["“empty.jpg”是空文件：请重新选择照片"]


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (8000, 6000),  # 48 megapixels: above our 40-megapixel limit
        (30000, 30000),  # 900 megapixels: Pillow itself raises DecompressionBombError
        (65535, 100),  # few pixels, but longer than JPEG can store
    ],
)
def test_decompression_bomb_is_refused(width, height):
    data = png_claiming(width, height)
    assert len(data) < 100

    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(data, name="bomb.png"))

    [message] = refusal(exc)
    assert message.startswith("“bomb.png”尺寸过大")
    assert "请缩小到 4000 万像素以内" in message
    assert "（像素）" not in message  # the size is always said
    # Pillow refuses the 900-megapixel one before the header is read: its pixel count is said instead.
    assert f"{width}×{height} 像素" in message or "约 90,000 万像素" in message


def test_long_file_names_are_shortened_in_messages():
    with pytest.raises(ValidationFailed) as exc:
        photo_validate(upload(b"text", name="很" * 100 + ".jpg"))

    assert refusal(exc)[0].startswith("“" + "很" * 57 + "…”不是照片")


@given(st.binary(max_size=4096))
@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_are_refused_or_accepted_never_crash(data):
    try:
        photo_validate(upload(data, name="random.jpg"))
    except ValidationFailed as refused:
        assert refused.errors["photos"][0].startswith("“random.jpg”")


CLEAN_FILES = {
    "jpeg": noisy_jpeg((60, 40)),
    "png": image_bytes("PNG", size=(60, 40)),
    "webp": image_bytes("WEBP", size=(60, 40)),
    "heic": image_bytes("HEIF", size=(60, 40)),
}


@given(st.sampled_from(sorted(CLEAN_FILES)), st.data())
@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_truncation_or_corruption_is_refused_or_accepted_never_crash(kind, draw):
    data = bytearray(CLEAN_FILES[kind])
    end = draw.draw(st.integers(min_value=0, max_value=len(data)))
    if draw.draw(st.booleans()) and end:
        position = draw.draw(st.integers(min_value=0, max_value=end - 1))
        data[position] ^= draw.draw(st.integers(min_value=1, max_value=255))
    try:
        photo_validate(upload(bytes(data[:end]), name="cut.jpg"))
    except ValidationFailed as refused:
        assert refused.errors["photos"][0].startswith("“cut.jpg”")


# --- thumbnails, paths, hashes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "thumb"), [((1200, 800), (480, 320)), ((600, 1500), (192, 480)), ((300, 200), (300, 200))]
)
def test_thumbnail_longest_side_is_at_most_480(size, thumb):
    photo = photo_store(upload(image_bytes("JPEG", size=size)))

    assert open_stored(photo.thumb_path).size == thumb
    assert open_stored(photo.path).size == size


def test_paths_never_contain_the_client_file_name():
    name = "张三家-secret-兴普5号301.jpg"

    photo = photo_store(upload(image_bytes(), name=name))

    assert STORED.match(photo.path) and STORED.match(photo.thumb_path)
    assert photo.thumb_path == photo.path.removesuffix(".jpg") + "_thumb.jpg"
    assert "secret" not in photo.path and "张三" not in photo.path
    assert photo.original_name == name
    assert all("secret" not in f for f in stored_files())


def test_client_path_tricks_cannot_escape_the_folder():
    photo = photo_store(upload(image_bytes(), name="../../etc/passwd.jpg"))

    assert STORED.match(photo.path)


def test_size_and_hash_describe_the_stored_file():
    import hashlib

    photo = photo_store(upload(noisy_jpeg()))

    stored = default_storage.open(photo.path).read()
    assert photo.bytes == len(stored)
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()


def test_prefix_and_storage_can_be_chosen(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "elsewhere")

    photo = photo_store(upload(image_bytes()), prefix="/ledger/", storage=storage)

    assert photo.path.startswith("ledger/")
    assert storage.exists(photo.path) and storage.exists(photo.thumb_path)
    assert stored_files() == []


# --- several photos at once ---------------------------------------------------------------------


def test_photos_store_stores_each_photo_and_thumbnail():
    photos = photos_store([upload(image_bytes("JPEG")), upload(image_bytes("PNG"), name="b.png")])

    assert [p.original_name for p in photos] == ["photo.jpg", "b.png"]
    assert len({p.path for p in photos}) == 2
    assert len(stored_files()) == 4


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (0, "请至少上传 1 张服务照片"),
        (10, "最多可上传 9 张照片，您选了 10 张：请删去 1 张后再提交"),
    ],
)
def test_photo_count_must_be_one_to_nine(count, message):
    with pytest.raises(ValidationFailed) as exc:
        photos_store([upload(image_bytes()) for _ in range(count)])

    assert refusal(exc) == [message]
    assert stored_files() == []


def test_nine_photos_are_fine():
    assert len(photos_store([upload(image_bytes()) for _ in range(9)])) == 9


def test_every_bad_file_is_listed_and_nothing_is_stored():
    files = [
        upload(image_bytes(), name="good.jpg"),
        upload(b"hello", name="a.jpg"),
        upload(image_bytes(), name="good2.jpg"),
        upload(noisy_jpeg()[:300], name="b.jpg"),
    ]

    with pytest.raises(ValidationFailed) as exc:
        photos_store(files)

    messages = refusal(exc)
    assert len(messages) == 2
    assert messages[0] == f"“a.jpg”{NOT_A_PHOTO}"
    assert messages[1].startswith("“b.jpg”" + DAMAGED)
    assert stored_files() == []


def test_failure_half_way_leaves_nothing_behind():
    storage = FailingStorage(fail_on=3)  # the second photo's main file

    with pytest.raises(OSError, match="No space left"):
        photos_store([upload(image_bytes()), upload(image_bytes()), upload(image_bytes())], storage=storage)

    assert storage.saves == 3
    assert stored_files() == []


def test_failing_thumbnail_removes_its_photo():
    storage = FailingStorage(fail_on=2)

    with pytest.raises(OSError):
        photo_store(upload(image_bytes()), storage=storage)

    assert stored_files() == []


def test_photos_discard_removes_photos_and_thumbnails():
    photos = photos_store([upload(image_bytes()), upload(image_bytes())])

    photos_discard(photos)

    assert stored_files() == []


def test_stored_photo_is_immutable():
    photo = photo_store(upload(image_bytes()))

    assert isinstance(photo, StoredPhoto)
    with pytest.raises(AttributeError):
        photo.path = "elsewhere.jpg"  # type: ignore[misc]


def test_limits_are_the_documented_ones():
    assert uploads.MAX_BYTES == 10 * 1024 * 1024
    assert uploads.MAX_PIXELS == 40_000_000
    assert uploads.THUMB_SIDE == 480
