from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.shortcuts import redirect
from django.urls import include, path

from briefings.sitemaps import SITEMAPS
from config import csp, views

# Admin signs in through allauth (same rate limits, codes and MFA as everyone), with the
# guard allauth provides for it: anonymous visitors go to its sign-in, others need is_staff.
admin.site.login = secure_admin_login(admin.site.login)


def admin_password_change(request, extra_context=None):
    """Admin's own password page: passwords change on allauth's, as everywhere else."""
    return redirect("account_change_password")


admin.site.password_change = admin_password_change
# The site's name in admin's header and titles; its colours are in newsroom-admin.css.
admin.site.site_header = settings.SITE_NAME
admin.site.site_title = f"{settings.SITE_NAME} newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", views.favicon),
    path("csp-report", csp.csp_report, name="csp-report"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("delivery.urls")),
    path("", include("organisations.urls")),
    path("", include("briefings.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
