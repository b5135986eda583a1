from django.urls import path

from gongzhi.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("elder/", views.elder_toggle, name="elder"),
    path("health", views.health, name="health"),
]
