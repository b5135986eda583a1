"""HTTP helpers shared by the organization API and web pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse

from gongzhi.accounts.services import token_authenticate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def public_auth(request: HttpRequest) -> Any:
    """For public endpoints: anyone may call; a bearer token, if given, must be valid and sets the user.

    (The session user, if any, is already on the request.)
    """
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        user = token_authenticate(header[7:].strip())
        if user is None:
            return None
        request.user = user
    return True


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
