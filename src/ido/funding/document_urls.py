"""The account exports of a year and the generated documents of the library grants, under /app/funding/."""

from django.urls import path

from ido.funding import document_views

urlpatterns = [
    path("<int:year>/account.csv", document_views.account_csv, name="account_csv"),
    path("<int:year>/account.xlsx", document_views.account_xlsx, name="account_xlsx"),
    path("<int:year>/account.pdf", document_views.account_pdf, name="account_pdf"),
    path("templates/", document_views.templates, name="templates"),
    path("grants/<int:pk>/documents/", document_views.grant_documents, name="grant_documents"),
    path("documents/<int:pk>.pdf", document_views.document_pdf, name="document_pdf"),
]
