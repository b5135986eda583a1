from django.urls import path

from gongzhi.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("workspace/", views.workspace, name="workspace"),
    path("elder/", views.elder_toggle, name="elder"),
    path("health", views.health, name="health"),
    # Browsers ask for /favicon.ico whatever the page says; the icon itself is a (far-future cached) static file.
    path("favicon.ico", views.favicon, name="favicon"),
]
