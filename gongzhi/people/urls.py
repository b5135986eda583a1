from django.urls import path

from gongzhi.people import views

app_name = "people"
urlpatterns = [
    path("", views.residents, name="residents"),
    path("<int:person_id>/reveal/", views.reveal, name="reveal"),
    path("import/", views.import_page, name="import"),
    path("import/<int:job_id>/", views.job, name="job"),
    path("import/<int:job_id>/report/", views.job_report, name="job_report"),
    path("birthdays/", views.birthdays, name="birthdays"),
    path("export/", views.export, name="export"),
    path("access/", views.access_log, name="access"),
    path("me/", views.me, name="me"),
]
