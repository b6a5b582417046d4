"""A URLconf for the error-page tests: the project's URLs plus a view that fails."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("A bug the error page must hide.")


urlpatterns = [path("boom/", boom), *project_urlpatterns]
