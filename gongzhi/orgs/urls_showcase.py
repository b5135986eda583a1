from django.urls import path

from gongzhi.orgs.views import showcase

app_name = "showcase"
urlpatterns = [
    path("<int:pk>/photos/", showcase.photos, name="photos"),
    path("<int:pk>/photos/<int:photo_id>/", showcase.activity_photo, name="photo"),
]
