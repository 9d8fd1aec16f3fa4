from django.urls import path

from tocsin.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.PasswordChange.as_view(), name="password"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("evidence/", views.my_evidence, name="my_evidence"),
    path("invite/", views.invite, name="invite"),
    path("invitation/<str:token>/", views.accept, name="accept"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/roles/", views.user_role_add, name="user_role_add"),
    path("users/<int:user_id>/roles/<int:role_id>/remove/", views.user_role_remove,
         name="user_role_remove"),
    path("users/<int:user_id>/active/", views.user_active, name="user_active"),
]
