"""Views: authoring. Each module lists its own URL patterns; interviews/urls.py joins them."""

urlpatterns = []
