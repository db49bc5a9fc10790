from django.db.models import QuerySet

from ido.core.models import AuditEvent


def audit_events_visible_to(actor) -> QuerySet[AuditEvent]:
    if actor.has_perm("audit.view_all"):
        return AuditEvent.objects.all()
    if actor.has_perm("audit.view"):
        return AuditEvent.objects.filter(organisation=actor.organisation)
    return AuditEvent.objects.none()
