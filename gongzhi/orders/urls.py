from django.urls import path

from gongzhi.orders import views

app_name = "orders"
urlpatterns = [
    path("new/", views.order_new, name="new"),
    path("mine/", views.mine, name="mine"),
    path("hall/", views.hall, name="hall"),
    path("org/", views.org_orders, name="org"),
    path("area/", views.area_orders, name="area"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("supervision/", views.supervision, name="supervision"),
    path("inbox/", views.inbox, name="inbox"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("<int:order_id>/", views.detail, name="detail"),
    path("<int:order_id>/photos/consent/", views.photos_consent, name="photos_consent"),
    path("<int:order_id>/photos/<int:photo_id>/public/", views.photo_public, name="photo_public"),
    path("<int:order_id>/<slug:action>/", views.act, name="act"),
    path("<int:order_id>/photos/<int:photo_id>/<str:size>/", views.photo, name="photo"),
]
