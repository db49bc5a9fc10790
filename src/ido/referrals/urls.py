from django.urls import path

from ido.referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("new/referral/", views.referral_form, name="form"),
    path("consent.pdf", views.consent_pdf, name="consent_pdf"),
    path("figures/", views.referral_figures, name="figures"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/book/", views.referral_book, name="book"),
    path("<int:pk>/move/", views.referral_move, name="move"),
    path("<int:pk>/withdraw-consent/", views.referral_withdraw_consent, name="withdraw_consent"),
    path("<int:pk>/export.json", views.referral_export, name="export"),
    path("<int:pk>/export.pdf", views.referral_export_pdf, name="export_pdf"),
    path("<int:pk>/erase/", views.referral_erase, name="erase"),
]
