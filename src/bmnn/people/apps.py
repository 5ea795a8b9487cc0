from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PeopleConfig(AppConfig):
    name = "bmnn.people"
    label = "people"
    verbose_name = "Cán bộ và chức vụ"

    def ready(self) -> None:
        from bmnn.people.roles import on_post_migrate

        # Groups of the BMNN roles exist after every migrate (idempotent).
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="bmnn.people.roles")
