"""URL map: web pages by domain, the API at /api/v1/, the admin."""

from django.contrib import admin
from django.urls import include, path

from gongzhi.api import api

urlpatterns = [
    path("", include("gongzhi.core.urls")),
    path("", include("gongzhi.accounts.urls")),
    path("areas/", include("gongzhi.areas.urls")),
    path("orgs/", include("gongzhi.orgs.urls")),
    path("orgs/", include("gongzhi.orgs.urls_showcase")),
    path("lists/", include("gongzhi.orgs.urls_lists")),
    path("talents/", include("gongzhi.orgs.urls_talents")),
    path("resources/", include("gongzhi.orgs.urls_resources")),
    path("inbox/", include("gongzhi.notify.urls")),
    path("orders/", include("gongzhi.orders.urls")),
    path("insights/", include("gongzhi.insights.urls")),
    path("people/", include("gongzhi.people.urls")),
    path("grid/", include("gongzhi.grid.urls")),
    path("api/v1/", api.urls),
    path("open311/v2/", include("gongzhi.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "gongzhi.core.errorpages.not_found"
handler403 = "gongzhi.core.errorpages.forbidden"
handler500 = "gongzhi.core.errorpages.server_error"
