from django.urls import path

from gongzhi.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("leaderboards/", views.leaderboards, name="leaderboards"),
    path("warnings/", views.warnings, name="warnings"),
    path("warnings/<int:warning_id>/", views.warning, name="warning"),
    path("warnings/<int:warning_id>/handle/", views.warning_handle, name="warning_handle"),
    path("points/", views.points, name="points"),
    path("points/<int:year>/<int:org_id>/", views.org_points, name="org_points"),
]
