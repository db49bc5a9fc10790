from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "ido.appointments"
    label = "appointments"
    verbose_name = _("Consultation hours and appointments")

    def ready(self) -> None:
        from ido.appointments import checks  # noqa: F401  (registers the deployment checks)
