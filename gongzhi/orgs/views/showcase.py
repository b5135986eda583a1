"""Activity photos on an organization's public page (展示): thumbnails of its completed services.

Served through a view, never from a public folder: only photos of completed or closed orders of
an organization whose public page the visitor may see, and only the thumbnail.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from gongzhi.orgs import selectors as sel


def activity_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponse:
    photo = sel.org_activity_photo(request.user, pk, photo_id)
    response = FileResponse(default_storage.open(photo.thumb_path, "rb"), content_type="image/jpeg")
    # Short: a reopened order's photos leave the public page, and caches should follow soon.
    response["Cache-Control"] = "public, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def photos(request: HttpRequest, pk: int) -> HttpResponse:
    """The gallery on the public page (loaded by HTMX): thumbnails with category and month only."""
    org = sel.org_public(request.user, pk)
    return render(
        request, "orgs/lists/_photos.html", {"org": org, "photos": sel.org_activity_photos(request.user, org)}
    )
