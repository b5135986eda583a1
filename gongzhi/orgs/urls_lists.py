from django.urls import path

from gongzhi.orgs.views import lists

app_name = "lists"
urlpatterns = [
    path("", lists.index, name="index"),
    path("offers/", lists.offers, name="offers"),
    path("needs/<str:kind>/", lists.needs, name="needs"),
    path("suggested/", lists.suggested, name="suggested"),
    path("matches/preview/", lists.match_preview, name="match_preview"),
    path("matches/<int:order_id>/", lists.order_matches, name="order_matches"),
]
