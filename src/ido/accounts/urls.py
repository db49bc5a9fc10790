from django.urls import path

from ido.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("2fa/verify/", views.verify_view, name="verify"),
    path("2fa/setup/", views.setup_view, name="setup"),
    path("2fa/backup-codes/", views.backup_codes_view, name="backup_codes"),
    path("organisation/", views.choose_organisation_view, name="choose_organisation"),
    path("account/", views.account_view, name="account"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
