"""Background work for referrals (django-tasks): both are safe to run twice."""

from django_tasks import task

from ido.referrals import services


@task()
def delete_expired_personal_data() -> int:
    return services.delete_expired_personal_data()


@task()
def remind_overdue() -> int:
    return services.remind_overdue()
