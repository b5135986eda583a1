from django.urls import path

from gongzhi.orgs.views import pools

app_name = "resources"
urlpatterns = [
    path("", pools.resource_list, name="list"),
    path("new/", pools.resource_new, name="new"),
    path("<int:pk>/", pools.resource_detail, name="detail"),
    path("bookings/", pools.bookings, name="bookings"),
    path("bookings/<int:pk>/<str:action>/", pools.booking_action, name="booking_action"),
]
