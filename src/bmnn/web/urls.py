from django.contrib import admin
from django.urls import include, path

from bmnn.web import oversight_views, token_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("xac-thuc-hai-buoc/", views.otp_setup, name="otp_setup"),
    path("so-nhat-ky/kiem-tra/", views.ledger_verify, name="ledger_verify"),
    path("quy-tac/", views.rulebook, name="rulebook"),
    # The registry's pages (bmnn.web.registry_urls) and the JSON API (bmnn.web.api.urls).
    path("", include("bmnn.web.registry_urls")),
    path("api/v1/", include("bmnn.web.api.urls")),
    path("ma-truy-cap/", token_views.api_tokens, name="api_tokens"),
    path("ma-truy-cap/<int:pk>/thu-hoi/", token_views.api_token_revoke, name="api_token_revoke"),
    path("su-co/", oversight_views.incidents, name="incidents"),
    path("su-co/<int:pk>/", oversight_views.incident, name="incident"),
    path("su-co/<int:pk>/bao-cao/", oversight_views.incident_report, name="incident_report"),
    # The admin logs in through the same form, so lockout and the TOTP code apply there too.
    path(
        "admin/login/",
        views.LoginView.as_view(redirect_authenticated_user=False),
        name="admin_login",
    ),
    path("admin/", admin.site.urls),
]
