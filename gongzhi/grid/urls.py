from django.urls import path

from gongzhi.grid import views

app_name = "grid"
urlpatterns = [
    path("m/", views.home, name="home"),
    path("m/patrols/<int:patrol_id>/", views.patrol, name="patrol"),
    path("m/patrols/<int:patrol_id>/findings/<int:finding_id>/report/", views.report, name="report"),
    path("events/", views.event_list, name="events"),
    path("events/<int:event_id>/<slug:action>/", views.event_action, name="event_action"),
]
