from django.urls import path

from gongzhi.areas import views

app_name = "areas"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/grids/", views.create_grid, name="create_grid"),
]
