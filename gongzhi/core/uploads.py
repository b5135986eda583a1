"""Service photos: check uploads by their content, strip every piece of metadata, store a copy and a thumbnail.

An organization proves a completed service order with 1–9 photos. Phones put the place (GPS), the
device and the time into those files, and a file named ``.jpg`` may be anything, so nothing the
client sends is trusted: not its name, not its declared type, not its metadata.

For each upload:

1. the size is checked before a byte is decoded (at most :data:`MAX_BYTES`);
2. Pillow identifies the content (JPEG, PNG, WebP, HEIC via pillow-heif); anything else is refused;
3. the pixel count is checked from the header before decoding (at most :data:`MAX_PIXELS`), so a
   decompression bomb never reaches memory; then ``verify()`` and a full decode catch damaged files;
4. the EXIF orientation is applied, colours are converted to sRGB, transparency is flattened on
   white, and the pixels are copied into a *new* image that carries no metadata at all (no EXIF, GPS,
   XMP, ICC profile or JPEG comment);
5. the result is stored as JPEG (quality 85) with a thumbnail, through Django's storage API, under
   ``<prefix>/YYYY/MM/<uuid>.jpg`` and ``<uuid>_thumb.jpg`` — the client's file name never enters a path.

Every photo is stored as JPEG, transparent PNGs included: one format keeps paths, thumbnails and the
ledger export simple, and service photos do not need transparency.

:func:`photos_store` checks all files before storing any, and removes what it stored if storing fails
half-way. Files stored inside a database transaction that later rolls back are not removed by this
module: the caller can hand them to :func:`photos_discard`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import re
import struct
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pillow_heif
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

from gongzhi.core.errors import ValidationFailed

pillow_heif.register_heif_opener()

FIELD = "photos"
MB = 1024 * 1024
MAX_BYTES = 10 * MB
MAX_PIXELS = 40_000_000
# JPEG cannot encode a side longer than 65 535 px; a 40-megapixel strip could otherwise pass.
MAX_SIDE = 65_000
THUMB_SIDE = 480
JPEG_QUALITY = 85
# Pillow's names for what we accept; cameras often write multi-picture JPEGs, which Pillow calls MPO.
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF"})
# What Pillow raises on malformed input varies by format and decoder; all of it means "damaged file".
DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
    MemoryError,
)

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class StoredPhoto:
    """One stored photo. ``bytes`` and ``sha256`` describe the stored (clean) file, not the upload."""

    path: str
    thumb_path: str
    width: int
    height: int
    bytes: int
    original_name: str
    sha256: str


@dataclass(frozen=True)
class _Rendered:
    """A checked upload, re-encoded in memory and ready to be written."""

    photo: bytes
    thumb: bytes
    width: int
    height: int
    original_name: str


# --- public API ---------------------------------------------------------------------------------


def photo_validate(upload: UploadedFile) -> None:
    """Raise ``ValidationFailed({"photos": [msg]})`` unless ``upload`` would be stored by :func:`photo_store`.

    Runs the whole check, decode and re-encode; the store functions check by themselves, so call this
    only to answer early (e.g. a form's field check) without storing.
    """
    _render(upload)


def photo_store(upload: UploadedFile, *, prefix: str = FIELD, storage: Storage | None = None) -> StoredPhoto:
    """Check one upload and store its clean copy and thumbnail; raises ``ValidationFailed`` if it is refused."""
    return _store_all([_render(upload)], prefix=prefix, storage=storage)[0]


def photos_store(
    uploads: Sequence[UploadedFile],
    *,
    min_count: int = 1,
    max_count: int = 9,
    prefix: str = FIELD,
    storage: Storage | None = None,
) -> list[StoredPhoto]:
    """Check every upload, then store them all, or store nothing.

    ``ValidationFailed({"photos": [...]})`` lists a wrong count, or every refused file at once so the
    user can fix them all in one go. If writing fails half-way, what was written is deleted and the
    storage error propagates.
    """
    _check_count(len(uploads), min_count, max_count)
    rendered: list[_Rendered] = []
    problems: list[str] = []
    for upload in uploads:
        try:
            rendered.append(_render(upload))
        except ValidationFailed as refused:
            problems.extend(refused.errors[FIELD])
    if problems:
        raise ValidationFailed({FIELD: problems})
    return _store_all(rendered, prefix=prefix, storage=storage)


def photos_discard(photos: Iterable[StoredPhoto], *, storage: Storage | None = None) -> None:
    """Delete stored photos and their thumbnails (e.g. when the caller's transaction rolled back)."""
    _delete_quietly([p for photo in photos for p in (photo.path, photo.thumb_path)], storage or default_storage)


# --- checking -----------------------------------------------------------------------------------


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed({FIELD: [message]})


def _check_count(count: int, min_count: int, max_count: int) -> None:
    if count < min_count:
        raise _refuse(_("请至少上传 {min} 张服务照片").format(min=min_count))
    if count > max_count:
        raise _refuse(
            _("最多可上传 {max} 张照片，您选了 {count} 张：请删去 {extra} 张后再提交").format(
                max=max_count, count=count, extra=count - max_count
            )
        )


def _label(upload: UploadedFile) -> str:
    """The client's file name as shown back to them in messages; never used in a storage path."""
    name = str(upload.name or "").strip() or _("未命名文件")
    return name if len(name) <= 60 else f"{name[:57]}…"


def _read(upload: UploadedFile) -> bytes:
    """The upload's bytes, refusing empty and oversized files before anything is decoded."""
    name = _label(upload)
    size = upload.size or 0
    if size > MAX_BYTES:
        raise _too_large(name, size)
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)  # the declared size could be wrong; never read more than the limit
    upload.seek(0)
    if len(data) > MAX_BYTES:
        raise _too_large(name, len(data))
    if not data:
        raise _refuse(_("“{name}”是空文件：请重新选择照片").format(name=name))
    return data


def _too_large(name: str, size: int) -> ValidationFailed:
    size_mb = math.ceil(size * 10 / MB) / 10  # round up, so a file just over the limit never reads "10.0 MB"
    return _refuse(
        _("“{name}”有 {size} MB，超过 {limit} MB 的上限：请压缩照片或换一张较小的照片").format(
            name=name, size=f"{size_mb:.1f}", limit=MAX_BYTES // MB
        )
    )


def _decode(data: bytes, name: str) -> Image.Image:
    """Identify, verify and fully decode the image in ``data``; refuse anything that is not a sound photo."""
    not_photo = _refuse(_("“{name}”不是照片：请上传 JPG、PNG、WebP 或 HEIC 格式的图片").format(name=name))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise not_photo
            _check_dimensions(probe.size, name)
            probe.verify()
        # verify() leaves the image unusable, and checks little for some formats: re-open and decode it all.
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        # Pillow refuses before we see the header's size; its message carries the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(bomb))
        raise _too_many_pixels(name, None, int(found.group(1)) if found else None) from None
    except Image.UnidentifiedImageError:
        raise not_photo from None
    except DECODE_ERRORS:
        raise _damaged(name) from None


def _damaged(name: str) -> ValidationFailed:
    return _refuse(_("“{name}”已损坏或不完整，无法读取：请重新导出或重新拍摄后再上传").format(name=name))


def _check_dimensions(size: tuple[int, int], name: str) -> None:
    width, height = size
    if width * height > MAX_PIXELS or max(size) > MAX_SIDE:
        raise _too_many_pixels(name, size)


def _too_many_pixels(name: str, size: tuple[int, int] | None, pixels: int | None = None) -> ValidationFailed:
    if size:
        shown = f"{size[0]}×{size[1]} "
    elif pixels:
        shown = _("约 {n} 万").format(n=f"{pixels // 10_000:,}")
    else:
        shown = _("超过 {n} 万").format(n=f"{MAX_PIXELS // 10_000:,}")
    return _refuse(
        _("“{name}”尺寸过大（{size}像素）：请缩小到 {limit} 万像素以内、每边不超过 {side} 像素后再上传").format(
            name=name, size=shown, limit=MAX_PIXELS // 10_000, side=MAX_SIDE
        )
    )


# --- cleaning and encoding ----------------------------------------------------------------------


def _render(upload: UploadedFile) -> _Rendered:
    """Check one upload and produce its clean JPEG and thumbnail in memory."""
    name = _label(upload)
    image = _decode(_read(upload), name)
    try:
        clean = _clean_rgb(image)
        thumb = clean.copy()
        thumb.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
        return _Rendered(
            photo=_jpeg(clean),
            thumb=_jpeg(thumb),
            width=clean.width,
            height=clean.height,
            original_name=str(upload.name or ""),
        )
    except DECODE_ERRORS:
        raise _damaged(name) from None
    finally:
        image.close()


def _clean_rgb(image: Image.Image) -> Image.Image:
    """Upright, sRGB, opaque pixels in a brand-new image: nothing of the original file's metadata survives."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode in {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}:
        # 16-bit greyscale: Pillow would clip it to white, so scale it down to 8 bits first.
        upright = upright.convert("I").point(lambda value: value / 256).convert("L")
    has_alpha = upright.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        upright.mode == "P" and "transparency" in upright.info
    )
    pixels = _to_srgb(upright, "RGBA" if has_alpha else "RGB")
    clean = Image.new("RGB", pixels.size, "white")
    clean.paste(pixels, mask=pixels.getchannel("A") if has_alpha else None)
    return clean


def _to_srgb(image: Image.Image, mode: str) -> Image.Image:
    """``image`` in ``mode``, through its colour profile if it has one, since the profile itself is dropped.

    Wide-gamut photos (an iPhone's Display P3) and CMYK JPEGs would otherwise come out dull or wrong.
    """
    icc = image.info.get("icc_profile")
    if icc:
        try:
            converted = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB, outputMode=mode
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable or mismatched profile: plain conversion is better than refusing the photo
    return image.convert(mode)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


# --- storing ------------------------------------------------------------------------------------


def _store_all(rendered: list[_Rendered], *, prefix: str, storage: Storage | None) -> list[StoredPhoto]:
    """Write every photo and thumbnail; on any failure delete what was written and re-raise."""
    storage = storage or default_storage
    folder = f"{prefix.strip('/')}/{timezone.localdate():%Y/%m}"
    written: list[str] = []
    stored: list[StoredPhoto] = []
    try:
        for item in rendered:
            key = uuid.uuid4().hex
            path = _save(storage, f"{folder}/{key}.jpg", item.photo, written)
            thumb_path = _save(storage, f"{folder}/{key}_thumb.jpg", item.thumb, written)
            stored.append(
                StoredPhoto(
                    path=path,
                    thumb_path=thumb_path,
                    width=item.width,
                    height=item.height,
                    bytes=len(item.photo),
                    original_name=item.original_name,
                    sha256=hashlib.sha256(item.photo).hexdigest(),
                )
            )
    except BaseException:
        _delete_quietly(written, storage)
        raise
    return stored


def _save(storage: Storage, path: str, data: bytes, written: list[str]) -> str:
    name = storage.save(path, ContentFile(data))
    written.append(name)
    return name


def _delete_quietly(paths: list[str], storage: Storage) -> None:
    """Best-effort cleanup: one file that cannot be deleted must not hide the error that caused the cleanup."""
    for path in paths:
        with contextlib.suppress(Exception):
            storage.delete(path)


__all__ = ["StoredPhoto", "photo_store", "photo_validate", "photos_discard", "photos_store"]
