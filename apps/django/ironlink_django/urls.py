from django.urls import path

from . import views

urlpatterns = [
    path("", views.home),
    path("login", views.login),
    path("oidc/callback", views.callback),
    path("logout", views.logout),
    path("oidc/backchannel-logout", views.backchannel_logout),
    path("api/me", views.me),
    path("health", views.health),
]
