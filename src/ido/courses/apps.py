from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "ido.courses"
    label = "courses"
    verbose_name = _("Digital-skills courses")
