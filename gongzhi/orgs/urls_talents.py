from django.urls import path

from gongzhi.orgs.views import pools

app_name = "talents"
urlpatterns = [
    path("", pools.talent_list, name="list"),
    path("new/", pools.talent_new, name="new"),
    path("<int:pk>/", pools.talent_detail, name="detail"),
]
