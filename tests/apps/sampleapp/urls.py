from django.http import HttpRequest, HttpResponse
from django.urls import path

app_name = "sampleapp"


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse("samples")


urlpatterns = [path("", index, name="index")]
