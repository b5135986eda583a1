from django.urls import path

from gongzhi.orgs.views import console, public, registry, reports

app_name = "orgs"
urlpatterns = [
    path("", public.directory, name="directory"),
    path("<int:pk>/", public.detail, name="detail"),
    # the register (civil affairs, street and community staff)
    path("registry/", registry.registry, name="registry"),
    path("registry/new/", registry.entry, name="entry"),
    path("registry/check-code/", registry.check_code, name="check_code"),
    path("registry/import/", registry.import_register, name="import"),
    path("registry/export/", registry.export_register, name="export"),
    path("<int:pk>/record/", registry.record, name="record"),
    path("<int:pk>/record/<str:verb>/", registry.transition, name="transition"),
    path("<int:pk>/grade/", registry.grade, name="grade"),
    # annual reports
    path("reports/", reports.review_queue, name="review_queue"),
    path("reports/<int:report_id>/", reports.report, name="report"),
    path("<int:pk>/reports/<int:year>/", reports.report_form, name="report_form"),
    # the organization's own console
    path("<int:pk>/console/", console.console, name="console"),
    path("<int:pk>/members/", console.members, name="members"),
    path("members/<int:membership_id>/remove/", console.member_remove, name="member_remove"),
    path("<int:pk>/offers/", console.offers, name="offers"),
    path("offers/<int:offer_id>/toggle/", console.offer_toggle, name="offer_toggle"),
]
